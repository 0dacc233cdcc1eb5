// Turning a token endpoint's answer into tokens and an expiry. Pure: the clock comes in as `now`.
import { t } from './text.js';

export interface Tokens {
  readonly accessToken: string;
  /** Absent when the server gave none (the caller then keeps the previous one). */
  readonly refreshToken?: string;
  /** Milliseconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Where the lifetime came from, shown to the user to explain an unexpected expiry. */
  readonly expirySource: 'answer' | 'jwt' | 'default';
}

export interface AnswerPaths {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: string;
}

export const OAUTH_PATHS: AnswerPaths = {
  accessToken: 'access_token',
  refreshToken: 'refresh_token',
  expiresIn: 'expires_in',
};

/** Lifetimes beyond a year are taken as a year: a bogus answer must not make a token immortal. */
export const MAX_LIFETIME_SECONDS = 365 * 24 * 3600;

export class TokenAnswerError extends Error {
  override readonly name = 'TokenAnswerError';
}

/** Reads `data.auth.token` from a JSON value; `undefined` when any step is missing. */
export function readDotPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      const index = Number(key);
      if (!Number.isInteger(index)) return undefined;
      current = current[index];
    } else {
      if (!Object.hasOwn(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current;
}

// A header value must be visible ASCII: anything else would break or smuggle header lines.
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  return new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
}

/** A JWT's claims, read without any check; `undefined` when the token is not a JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(base64UrlDecode(parts[1]));
    return payload && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp` claim of a JWT, in seconds; `undefined` when the token is not a JWT or has none. */
export function jwtExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
}

function toSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Names the keys the answer does have, never their values (they may be secrets). */
function describeKeys(answer: unknown): string {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return t('answerNotObject');
  const keys = Object.keys(answer);
  return keys.length ? t('answerHasKeys', keys.map((k) => JSON.stringify(k)).join(', ')) : t('answerEmpty');
}

export function parseTokenAnswer(
  answer: unknown,
  paths: AnswerPaths,
  now: number,
  defaultLifetimeSeconds: number,
): Tokens {
  const accessToken = readDotPath(answer, paths.accessToken);
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new TokenAnswerError(t('noAccessToken', paths.accessToken, describeKeys(answer)));
  }
  if (!TOKEN_CHARACTERS.test(accessToken)) {
    throw new TokenAnswerError(t('tokenCharacters', paths.accessToken));
  }
  const rawRefresh = readDotPath(answer, paths.refreshToken);
  const refreshToken = typeof rawRefresh === 'string' && rawRefresh.length > 0 ? rawRefresh : undefined;

  const latest = now + MAX_LIFETIME_SECONDS * 1000;
  const expiresIn = toSeconds(readDotPath(answer, paths.expiresIn));
  if (expiresIn !== undefined) {
    const expiresAt = Math.min(now + expiresIn * 1000, latest);
    return { accessToken, refreshToken, issuedAt: now, expiresAt, expirySource: 'answer' };
  }
  const exp = jwtExpiry(accessToken);
  if (exp !== undefined) {
    return {
      accessToken,
      refreshToken,
      issuedAt: now,
      expiresAt: Math.min(exp * 1000, latest),
      expirySource: 'jwt',
    };
  }
  return {
    accessToken,
    refreshToken,
    issuedAt: now,
    expiresAt: now + defaultLifetimeSeconds * 1000,
    expirySource: 'default',
  };
}

/** The message a server put in an error answer, as it wrote it, for the user to read. */
export function serverMessage(body: string, contentType: string | null): string | undefined {
  if (contentType?.includes('json') || /^\s*[{[]/.test(body)) {
    try {
      const json: unknown = JSON.parse(body);
      const error = readDotPath(json, 'error');
      const description = readDotPath(json, 'error_description');
      if (typeof error === 'string' && typeof description === 'string') return `${error}: ${description}`;
      for (const path of [
        'error_description',
        'message',
        'detail',
        'error.message',
        'error',
        'title',
        'errors.0.message',
      ]) {
        const value = readDotPath(json, path);
        if (typeof value === 'string' && value.trim()) return value.trim();
      }
    } catch {
      // not JSON after all: fall through to the text
    }
  }
  // `[^<>]` keeps this linear: `[^>]*` would rescan to the end from every `<` of a body with no `>`.
  const text = body
    .replace(/<[^<>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text ? text.slice(0, 200) : undefined;
}
