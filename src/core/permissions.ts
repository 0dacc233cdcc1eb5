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

const MATCH_PATTERN = /^(\*|[a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)$/;

/**
 * Whether a granted match pattern covers a wanted one (as the browser's permissions.contains
 * decides): `<all_urls>` and `*://` cover http and https, `*.name` covers the name and every
 * subdomain, a path of `/*` every path. A granted pattern with a port covers only that port, so
 * never a wanted one, which has none.
 */
export function patternCovers(granted: string, wanted: string): boolean {
  const w = MATCH_PATTERN.exec(wanted);
  if (!w) return false;
  const [, wScheme = '', wHost = '', wPath = ''] = w;
  if (granted === '<all_urls>') return ['http', 'https', 'ws', 'wss'].includes(wScheme);
  const g = MATCH_PATTERN.exec(granted);
  if (!g) return false;
  const [, gScheme = '', gHost = '', gPath = ''] = g;
  const scheme = gScheme === wScheme || (gScheme === '*' && ['http', 'https', 'ws', 'wss'].includes(wScheme));
  const path = gPath === '/*' || gPath === wPath;
  return scheme && path && hostCovers(gHost, wHost);
}

function hostCovers(granted: string, wanted: string): boolean {
  if (granted === '*') return true;
  if (!granted.startsWith('*.')) return granted === wanted;
  const base = granted.slice(2);
  const name = wanted.startsWith('*.') ? wanted.slice(2) : wanted;
  return name === base || name.endsWith(`.${base}`);
}

/**
 * The wanted match patterns that no granted one covers. A browser may hold hundreds of grants:
 * those for one scheme and host are looked up, only the wildcard ones tried against each.
 */
export function uncoveredOrigins(granted: readonly string[], wanted: readonly string[]): string[] {
  const exact = new Set(granted);
  /** `scheme://host` of the grants for one host, every path. */
  const wholeHosts = new Set<string>();
  const wildcards: string[] = [];
  for (const pattern of granted) {
    const [, scheme = '', host = '', path = ''] = MATCH_PATTERN.exec(pattern) ?? [];
    if (pattern === '<all_urls>' || scheme === '*' || host.startsWith('*')) wildcards.push(pattern);
    else if (path === '/*') wholeHosts.add(`${scheme}://${host}`);
  }
  return wanted.filter((origin) => {
    if (exact.has(origin)) return false;
    const [, scheme = '', host = ''] = MATCH_PATTERN.exec(origin) ?? [];
    if (scheme !== '*' && !host.startsWith('*') && wholeHosts.has(`${scheme}://${host}`)) return false;
    return !wildcards.some((pattern) => patternCovers(pattern, origin));
  });
}
