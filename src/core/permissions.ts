// The host permissions a profile needs. Pure.
import { authEndpoints } from './auth-requests.js';
import { permissionOriginForUrl, permissionOrigins } from './hosts.js';
import type { Profile } from './profile.js';
import { parsedHosts } from './rules.js';

/**
 * Every match pattern a profile needs: its hosts (where the header goes), its pages (browsers
 * apply header rules only when the initiating page's origin is granted too), and the endpoints
 * the extension itself calls to sign in and refresh, including a token endpoint that the issuer's
 * discovery names on another host (Google's oauth2.googleapis.com, Cognito's own domain).
 */
export function originsFor(profile: Profile, discoveredTokenEndpoint?: string): string[] {
  const hosts = parsedHosts([...profile.hosts, ...profile.pages]).flatMap(permissionOrigins);
  const called = [
    ...authEndpoints(profile.auth),
    ...(discoveredTokenEndpoint ? [discoveredTokenEndpoint] : []),
  ];
  const endpoints = called.map(permissionOriginForUrl);
  return [...new Set([...hosts, ...endpoints])].sort();
}
