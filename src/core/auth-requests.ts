// The sign-in and refresh requests each auth kind sends, as plain data. Pure: sending is the
// token client's job (src/background/token-client.ts).
import { traitsOf } from './auth-kinds.js';
import { stableJson } from './json.js';
import type { Auth, Endpoint, JsonLoginAuth } from './profile.js';

export interface HttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

type Placeholders = Readonly<Record<'username' | 'password' | 'refresh_token' | 'access_token', string>>;

/**
 * Replaces `{username}`, `{password}`, `{refresh_token}`, `{access_token}` in every string of a
 * JSON value (a refresh that sends the current token, as PocketBase's does, names `{access_token}`).
 */
export function fillPlaceholders(value: unknown, values: Partial<Placeholders>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\{(username|password|refresh_token|access_token)\}/g,
      (whole, name: keyof Placeholders) => values[name] ?? whole,
    );
  }
  if (Array.isArray(value)) return value.map((item) => fillPlaceholders(item, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, values)]));
  }
  return value;
}

/** The body as the endpoint sends it: JSON, or an HTML form's `name=value&…`. */
function encodeBody(endpoint: Endpoint, body: unknown): { contentType: string; text: string } {
  if (endpoint.encoding === 'form') {
    const fields = Object.entries((body ?? {}) as Record<string, string | number | boolean>);
    return {
      contentType: 'application/x-www-form-urlencoded',
      text: new URLSearchParams(fields.map(([name, value]) => [name, String(value)])).toString(),
    };
  }
  return { contentType: 'application/json', text: JSON.stringify(body) };
}

function endpointRequest(endpoint: Endpoint, values: Partial<Placeholders>): HttpRequest {
  const headers = fillPlaceholders(endpoint.headers, values) as Record<string, string>;
  const hasBody = endpoint.body !== undefined && endpoint.method !== 'GET';
  const body = hasBody ? encodeBody(endpoint, fillPlaceholders(endpoint.body, values)) : undefined;
  return {
    url: endpoint.url,
    method: endpoint.method,
    headers: {
      Accept: 'application/json',
      ...(body ? { 'Content-Type': body.contentType } : {}),
      ...headers,
    },
    ...(body ? { body: body.text } : {}),
  };
}

/** json-login's sign-in request (the OAuth kinds go through oauth4webapi). */
export function loginRequest(auth: JsonLoginAuth, credentials: Credentials): HttpRequest {
  return endpointRequest(auth.login, credentials);
}

/** json-login's refresh request; `undefined` when the profile has no refresh endpoint. */
export function loginRefreshRequest(
  auth: JsonLoginAuth,
  tokens: { accessToken: string; refreshToken?: string | undefined },
): HttpRequest | undefined {
  if (!auth.refresh) return undefined;
  return endpointRequest(auth.refresh, {
    access_token: tokens.accessToken,
    ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
  });
}

/** Where json-login reads the refresh answer: its own map where the profile gives one. */
export function refreshAnswerPaths(auth: JsonLoginAuth): JsonLoginAuth['response'] {
  return auth.refresh?.response ?? auth.response;
}

/**
 * Whether json-login's refresh needs a refresh token: one that sends only the current token
 * (`{access_token}`, PocketBase) renews with that while it is valid.
 */
function refreshNeedsRefreshToken(endpoint: Endpoint): boolean {
  return sendsToken(endpoint, 'refresh_token') || !sendsToken(endpoint, 'access_token');
}

/** Whether an endpoint's request carries this token (its placeholder in the URL, headers or body). */
function sendsToken(endpoint: Endpoint, token: 'refresh_token' | 'access_token'): boolean {
  return JSON.stringify([endpoint.url, endpoint.headers, endpoint.body ?? null]).includes(`{${token}}`);
}

export type OAuthAuth = Extract<
  Auth,
  { kind: 'oauth2-password' | 'oauth2-client-credentials' | 'oauth2-authorization-code' }
>;

export function isOAuth(auth: Auth): auth is OAuthAuth {
  return traitsOf(auth.kind).oauth;
}

/** Whether some sign-in of this kind can be renewed (given the refresh token it may bring). */
export const mayRenew = (auth: Auth): boolean => canRenew(auth, { refreshToken: 'a refresh token' });

/** Whether new tokens can be had without the user: a refresh token, or the client credentials grant again. */
export function canRenew(auth: Auth, tokens: { refreshToken?: string | undefined } | undefined): boolean {
  if (!tokens) return false;
  switch (auth.kind) {
    case 'json-login':
      return !!auth.refresh && (!!tokens.refreshToken || !refreshNeedsRefreshToken(auth.refresh));
    case 'oauth2-password':
    case 'oauth2-authorization-code':
      return !!tokens.refreshToken;
    case 'oauth2-client-credentials':
      return true;
    case 'manual':
      return false;
  }
}

/**
 * The sign-in settings as one string, key order aside. A session remembers the one it was made
 * with: tokens never go to an endpoint or client the user did not sign in with. The client
 * secret is left out: it names no endpoint or client, and the session is stored beside it, so
 * it must not hold the secret in the clear.
 */
export function authFingerprint(auth: Auth): string {
  const { clientSecret: _secret, ...rest } = auth as Auth & { clientSecret?: string };
  return stableJson(rest);
}

/**
 * The sign-in endpoints on plain http: allowed for local development, and shown with a warning.
 * `discovered`: the endpoints the issuer's discovery named (only an `http://` issuer may name
 * plain-http ones; an https issuer that does is refused).
 */
export function plainHttpEndpoints(auth: Auth, discovered: readonly string[] = []): string[] {
  return [...new Set([...authEndpoints(auth), ...discovered])].filter((url) => /^http:/i.test(url));
}

/** The issuer a profile names, whose discovery finds its endpoints; only the code flow has one. */
export function issuerOf(auth: Auth): string | undefined {
  return auth.kind === 'oauth2-authorization-code' ? auth.issuer : undefined;
}

/**
 * The host that receives the user's password or the client secret when signing in, if any: what
 * a user must see before typing a password, or importing a file that names one.
 */
export function secretDestination(auth: Auth): string | undefined {
  const host = (url: string | undefined) => (url ? new URL(url).host : undefined);
  switch (auth.kind) {
    case 'json-login':
      return host(auth.login.url);
    case 'oauth2-password':
    case 'oauth2-client-credentials':
      return host(auth.tokenUrl);
    case 'oauth2-authorization-code':
      // The password goes to the provider's own page, never through AutoBearer; a secret to its token endpoint.
      return auth.clientSecret ? host(auth.tokenUrl ?? auth.issuer) : undefined;
    case 'manual':
      return undefined;
  }
}

/** What the extension sends on the user's behalf, and to which URL (credentialDestinations). */
export type Credential = 'password' | 'client-secret' | 'refresh-token' | 'access-token' | 'sign-in-page';

export interface CredentialDestination {
  readonly credential: Credential;
  /** The URL it is sent to (the page the user types into, for `sign-in-page`), as the URL parser writes it. */
  readonly url: string;
}

/** A URL as the parser writes it (host in lower case, default port dropped), without its fragment. */
function destinationUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * Every URL the extension sends a credential to for this auth, and which credential: the one
 * definition of "where secrets go" that the import preview, subscription updates and synced
 * profiles all compare (import-preview.ts). A new or changed destination is always the user's to
 * accept. The token's own destinations, the profile's hosts, are compared beside it; with an
 * issuer, the endpoints its discovery names are the issuer's to choose, so the issuer stands for them.
 */
export function credentialDestinations(auth: Auth): CredentialDestination[] {
  const to = (url: string, ...credentials: Credential[]) =>
    credentials.map((credential) => ({ credential, url: destinationUrl(url) }));
  switch (auth.kind) {
    case 'json-login': {
      const refresh = auth.refresh;
      return [
        ...to(auth.login.url, 'password'),
        ...(refresh && sendsToken(refresh, 'refresh_token') ? to(refresh.url, 'refresh-token') : []),
        ...(refresh && sendsToken(refresh, 'access_token') ? to(refresh.url, 'access-token') : []),
      ];
    }
    case 'oauth2-password':
      return to(
        auth.tokenUrl,
        'password',
        'refresh-token',
        ...(auth.clientSecret ? ['client-secret' as const] : []),
      );
    case 'oauth2-client-credentials':
      // Its secret may be entered after the file arrives: it goes there all the same.
      return to(auth.tokenUrl, 'client-secret');
    case 'oauth2-authorization-code': {
      const signInPage = auth.authorizationUrl ?? auth.issuer ?? '';
      const tokenEndpoint = auth.tokenUrl ?? auth.issuer ?? '';
      return [
        ...to(signInPage, 'sign-in-page'),
        ...to(tokenEndpoint, 'refresh-token', ...(auth.clientSecret ? ['client-secret' as const] : [])),
      ];
    }
    case 'manual':
      return [];
  }
}

/**
 * The destinations of `after` that `before` did not have, each with what `before` sent that
 * credential to (nothing for a credential it did not send): empty when `after` sends nothing
 * anywhere new.
 */
export function movedDestinations(
  before: Auth,
  after: Auth,
): Array<CredentialDestination & { readonly from: readonly string[] }> {
  const old = credentialDestinations(before);
  const had = new Set(old.map(({ credential, url }) => `${credential} ${url}`));
  return credentialDestinations(after)
    .filter(({ credential, url }) => !had.has(`${credential} ${url}`))
    .map((moved) => ({
      ...moved,
      from: old.filter((d) => d.credential === moved.credential).map((d) => d.url),
    }));
}

/** Every endpoint the extension itself calls for this auth, for host permissions. */
export function authEndpoints(auth: Auth): string[] {
  switch (auth.kind) {
    case 'json-login':
      return [auth.login.url, ...(auth.refresh ? [auth.refresh.url] : [])];
    case 'oauth2-password':
    case 'oauth2-client-credentials':
      return [auth.tokenUrl];
    case 'oauth2-authorization-code':
      return [auth.issuer, auth.authorizationUrl, auth.tokenUrl].filter((u): u is string => !!u);
    case 'manual':
      return [];
  }
}
