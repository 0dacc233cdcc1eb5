// Turning a token endpoint's answer into tokens and an expiry. Pure: the clock comes in as `now`.
import { t } from './text.js';

export interface Tokens {
  readonly accessToken: string;
  /** Absent when the server gave none (the caller then keeps the previous one). */
  readonly refreshToken?: string;
  /** The OpenID Connect ID token, when the answer held one: a header may carry it (`{id_token}`). */
  readonly idToken?: string;
  /** Milliseconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Where the lifetime came from, shown to the user to explain an unexpected expiry. */
  readonly expirySource: 'answer' | 'jwt' | 'default';
  /**
   * The token's own expiry (a JWT's `exp`) was past or only moments away by this machine's
   * clock: a clock ahead of the server's, or an endpoint that means harm. It was not believed
   * (plausibleJwtExpiry); the popup says the expiry looks wrong.
   */
  readonly expiryDoubtful?: true;
}

/** A JWT that, by this machine's clock, lives less than this says more about the clocks than the token. */
export const MIN_PLAUSIBLE_LIFETIME_MS = 10_000;

/**
 * When a JWT expires, read as the clock skew it may show: its `exp` where that is plausibly
 * ahead of `now`; where not, the lifetime the server gave it (`exp - iat`, the server's own
 * clock) counted from `now`; where that is not plausible either, `fallbackMs` from now. Never a
 * time in the past, so that a refresh never schedules the next at once.
 */
export function plausibleJwtExpiry(
  claims: Record<string, unknown>,
  now: number,
  fallbackMs: number,
): { expiresAt: number; doubtful: boolean } | undefined {
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  if (exp * 1000 - now >= MIN_PLAUSIBLE_LIFETIME_MS) return { expiresAt: exp * 1000, doubtful: false };
  const lifetime = typeof iat === 'number' && Number.isFinite(iat) ? (exp - iat) * 1000 : 0;
  return {
    expiresAt: now + (lifetime >= MIN_PLAUSIBLE_LIFETIME_MS ? lifetime : fallbackMs),
    doubtful: true,
  };
}

export interface AnswerPaths {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: string;
  /** Where the ID token is; default `id_token`. */
  readonly idToken?: string | undefined;
  /** The unit of the `expiresIn` value; default seconds (OAuth's). */
  readonly expiresInUnit?: 'seconds' | 'milliseconds' | undefined;
  /**
   * Where an absolute expiry is, read before `expiresIn`: seconds or milliseconds since the epoch
   * (told apart by size), or an ISO 8601 date.
   */
  readonly expiresAt?: string | undefined;
}

export const OAUTH_PATHS = {
  accessToken: 'access_token',
  refreshToken: 'refresh_token',
  expiresIn: 'expires_in',
} as const satisfies AnswerPaths;

export const DEFAULT_ID_TOKEN_PATH = 'id_token';

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

/** A positive number, or the text of one (Firebase writes `"3600"`). */
function toPositive(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Epoch values below this are seconds, above it milliseconds: 10^11 seconds is the year 5138,
 * 10^11 milliseconds is 1973, so no real expiry is ambiguous.
 */
const EPOCH_MILLISECONDS_FROM = 1e11;

/** An absolute expiry in milliseconds since the epoch: a number of seconds or milliseconds, or a date's text. */
export function absoluteTime(value: unknown): number | undefined {
  if (typeof value === 'string' && !/^\s*\d+(\.\d+)?\s*$/.test(value)) {
    // ISO 8601 with a date and a time; a bare date or free text is not an expiry.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value.trim())) return undefined;
    const at = Date.parse(value.trim());
    return Number.isFinite(at) ? at : undefined;
  }
  const n = toPositive(value);
  if (n === undefined) return undefined;
  return n < EPOCH_MILLISECONDS_FROM ? n * 1000 : n;
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
  const idTokenPath = paths.idToken ?? DEFAULT_ID_TOKEN_PATH;
  const rawIdToken = readDotPath(answer, idTokenPath);
  const idToken = typeof rawIdToken === 'string' && rawIdToken.length > 0 ? rawIdToken : undefined;
  if (idToken !== undefined && !TOKEN_CHARACTERS.test(idToken)) {
    throw new TokenAnswerError(t('tokenCharacters', idTokenPath));
  }
  const tokens = { accessToken, ...(refreshToken ? { refreshToken } : {}), ...(idToken ? { idToken } : {}) };
  const expiry = expiryOf(answer, paths, accessToken, now, defaultLifetimeSeconds);
  // A lifetime of moments is no use either way: the schedule spaces such refreshes out (plan.ts).
  const useless = expiry.expiresAt - now < MIN_PLAUSIBLE_LIFETIME_MS;
  return { ...tokens, issuedAt: now, ...expiry, ...(useless ? { expiryDoubtful: true as const } : {}) };
}

function expiryOf(
  answer: unknown,
  paths: AnswerPaths,
  accessToken: string,
  now: number,
  defaultLifetimeSeconds: number,
): Pick<Tokens, 'expiresAt' | 'expirySource' | 'expiryDoubtful'> {
  const latest = now + MAX_LIFETIME_SECONDS * 1000;
  const at = paths.expiresAt ? absoluteTime(readDotPath(answer, paths.expiresAt)) : undefined;
  // An absolute time already past says the clocks differ, not that the token is dead: ignored.
  if (at !== undefined && at > now) return { expiresAt: Math.min(at, latest), expirySource: 'answer' };
  const lifetime = toPositive(readDotPath(answer, paths.expiresIn));
  if (lifetime !== undefined) {
    const milliseconds = paths.expiresInUnit === 'milliseconds' ? lifetime : lifetime * 1000;
    return { expiresAt: Math.min(now + milliseconds, latest), expirySource: 'answer' };
  }
  const fromJwt = plausibleJwtExpiry(jwtClaims(accessToken) ?? {}, now, defaultLifetimeSeconds * 1000);
  if (fromJwt) {
    return {
      expiresAt: Math.min(fromJwt.expiresAt, latest),
      expirySource: 'jwt',
      ...(fromJwt.doubtful ? { expiryDoubtful: true as const } : {}),
    };
  }
  return { expiresAt: now + defaultLifetimeSeconds * 1000, expirySource: 'default' };
}

/**
 * Tokens for a profile whose header carries the ID token (`{id_token}`): the answer must hold one,
 * and the header stops with whichever token expires first.
 */
export function fitForIdTokenHeader(tokens: Tokens, needsIdToken: boolean): Tokens {
  if (!needsIdToken) return tokens;
  if (!tokens.idToken) throw new TokenAnswerError(t('noIdToken'));
  const fromJwt = plausibleJwtExpiry(
    jwtClaims(tokens.idToken) ?? {},
    tokens.issuedAt,
    tokens.expiresAt - tokens.issuedAt,
  );
  if (!fromJwt || fromJwt.expiresAt >= tokens.expiresAt) return tokens;
  return {
    ...tokens,
    expiresAt: fromJwt.expiresAt,
    expirySource: 'jwt',
    ...(fromJwt.doubtful ? { expiryDoubtful: true as const } : {}),
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
        'msg',
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
