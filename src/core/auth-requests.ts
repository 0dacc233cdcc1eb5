// The sign-in and refresh requests each auth kind sends, as plain data. Pure: sending is the
// token client's job (src/background/token-client.ts).
import type { Auth, Endpoint } from './profile.js';
import { type AnswerPaths, OAUTH_PATHS } from './token-answer.js';

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

type Placeholders = Readonly<Record<'username' | 'password' | 'refresh_token', string>>;

/** Replaces `{username}`, `{password}`, `{refresh_token}` in every string of a JSON value. */
export function fillPlaceholders(value: unknown, values: Partial<Placeholders>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\{(username|password|refresh_token)\}/g,
      (whole, name: keyof Placeholders) => values[name] ?? whole,
    );
  }
  if (Array.isArray(value)) return value.map((item) => fillPlaceholders(item, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, values)]));
  }
  return value;
}

function jsonRequest(endpoint: Endpoint, values: Partial<Placeholders>): HttpRequest {
  const headers = fillPlaceholders(endpoint.headers, values) as Record<string, string>;
  const hasBody = endpoint.body !== undefined && endpoint.method !== 'GET';
  return {
    url: endpoint.url,
    method: endpoint.method,
    headers: {
      Accept: 'application/json',
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    ...(hasBody ? { body: JSON.stringify(fillPlaceholders(endpoint.body, values)) } : {}),
  };
}

interface OAuthClient {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly scope?: string | undefined;
}

// RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic encoding.
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

function grantRequest(client: OAuthClient, params: Record<string, string>): HttpRequest {
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  if (client.clientSecret) {
    headers.Authorization = `Basic ${btoa(`${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`)}`;
  } else {
    form.set('client_id', client.clientId);
  }
  return { url: client.tokenUrl, method: 'POST', headers, body: form.toString() };
}

/** The request that signs a user in; `undefined` for kinds that do not sign in with a password. */
export function signInRequest(auth: Auth, credentials: Credentials): HttpRequest | undefined {
  switch (auth.kind) {
    case 'json-login':
      return jsonRequest(auth.login, credentials);
    case 'oauth2-password':
      return grantRequest(auth, {
        grant_type: 'password',
        username: credentials.username,
        password: credentials.password,
        ...(auth.scope ? { scope: auth.scope } : {}),
      });
    default:
      return undefined;
  }
}

/** The request that trades a refresh token for new tokens; `undefined` when the kind has none. */
export function refreshRequest(auth: Auth, refreshToken: string): HttpRequest | undefined {
  switch (auth.kind) {
    case 'json-login':
      return auth.refresh ? jsonRequest(auth.refresh, { refresh_token: refreshToken }) : undefined;
    case 'oauth2-password':
      return grantRequest(auth, { grant_type: 'refresh_token', refresh_token: refreshToken });
    default:
      return undefined;
  }
}

export function answerPaths(auth: Auth): AnswerPaths {
  return auth.kind === 'json-login' ? auth.response : OAUTH_PATHS;
}

/** Whether the user signs in with a username and password in the popup. */
export function usesPassword(auth: Auth): boolean {
  return auth.kind === 'json-login' || auth.kind === 'oauth2-password';
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
