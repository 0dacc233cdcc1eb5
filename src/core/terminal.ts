// Terminal access (docs/terminal.md): a profile's live token handed to the user's own terminal
// through the `autobearer` command, over native messaging. Off by default; the user turns it on
// per profile for a while, and what it hands out is only what the profile's headers carry (an
// access token, or an ID token where a header names one): never a refresh token, a password or a
// client secret. Pure: the background keeps the grants in storage.session (gone when the browser
// closes) and answers the requests with this module's decisions.
import type { Tokens } from './token-answer.js';

/** The native messaging host's name, as the host manifests register it. */
export const NATIVE_HOST = 'dev.autobearer.bridge';
/** The alarm that ends the earliest grant. */
export const TERMINAL_ALARM = 'terminal-ends';
/** The longest a grant may last; "until the browser closes" is `until: null`. */
export const MAX_TERMINAL_HOURS = 24;
/** The environment variable `autobearer exec` puts the token in. */
export const TOKEN_VARIABLE = 'AUTOBEARER_TOKEN';

/** Terminal access for one profile: until when (null: until the browser closes), and its use. */
export interface TerminalGrant {
  readonly profileId: string;
  readonly since: number;
  readonly until: number | null;
  /** How many tokens were handed out, and when the last one was. */
  readonly handedOut: number;
  readonly lastAt?: number;
}

export const isTerminalGrant = (value: unknown): value is TerminalGrant => {
  const grant = value as TerminalGrant;
  return (
    typeof grant === 'object' &&
    grant !== null &&
    typeof grant.profileId === 'string' &&
    typeof grant.since === 'number' &&
    (grant.until === null || typeof grant.until === 'number') &&
    typeof grant.handedOut === 'number'
  );
};

/** The grants still in force at `now`. */
export const grantsInForce = (grants: readonly TerminalGrant[], now: number): TerminalGrant[] =>
  grants.filter((grant) => grant.until === null || grant.until > now);

/** A new grant for `hours` (null: until the browser closes); undefined for a length not allowed. */
export function newGrant(profileId: string, hours: number | null, now: number): TerminalGrant | undefined {
  if (hours !== null && !(Number.isFinite(hours) && hours > 0 && hours <= MAX_TERMINAL_HOURS))
    return undefined;
  return { profileId, since: now, until: hours === null ? null : now + hours * 3_600_000, handedOut: 0 };
}

/** When the next grant ends (for the alarm that turns it off); undefined when none ends by time. */
export function nextGrantEnd(grants: readonly TerminalGrant[]): number | undefined {
  const ends = grants.flatMap((grant) => (grant.until === null ? [] : [grant.until]));
  return ends.length ? Math.min(...ends) : undefined;
}

/** What the terminal asks for: a profile's token, by name, of its default or an added account. */
export interface TokenRequest {
  readonly profile: string;
  /** An added account's number ("2"); the default account when absent. */
  readonly account?: string;
  /** Refresh first when the token would expire within this many seconds. */
  readonly minTtl?: number;
}

/** Why a request gets no token; the CLI turns each into its exit code and message. */
export type Refusal =
  | 'forbidden' // the organization's policy turns terminal access off
  | 'unknown-profile'
  | 'access-off' // terminal access is off for that profile
  | 'signed-out'
  | 'refresh-failed'
  | 'bad-request';

export interface TokenAnswer {
  readonly ok: true;
  readonly token: string;
  readonly expiresAt: number;
  /** The headers as the profile sets them (name → value), with the token in them. */
  readonly headers: Readonly<Record<string, string>>;
}

export type TerminalAnswer =
  | TokenAnswer
  | { readonly ok: false; readonly refusal: Refusal; readonly message: string };

/** A request as it arrived (from a local program: anything), or undefined when it is not one. */
export function parseTokenRequest(value: unknown): TokenRequest | undefined {
  const request = value as Record<string, unknown>;
  if (typeof request !== 'object' || request === null || request.type !== 'token') return undefined;
  const { profile, account, minTtl } = request;
  if (typeof profile !== 'string' || profile === '' || profile.length > 200) return undefined;
  if (account !== undefined && !(typeof account === 'string' && /^[1-9][0-9]{0,3}$/.test(account)))
    return undefined;
  if (minTtl !== undefined && !(typeof minTtl === 'number' && Number.isFinite(minTtl) && minTtl >= 0))
    return undefined;
  return {
    profile,
    ...(account !== undefined ? { account } : {}),
    ...(minTtl !== undefined ? { minTtl } : {}),
  };
}

/**
 * The token a request gets: the one the profile's first header carries (an ID token where that
 * header names `{id_token}`, else the access token). Never anything else of `tokens`.
 */
export function handedOutToken(
  headerTemplate: string,
  tokens: Pick<Tokens, 'accessToken' | 'idToken'>,
): string {
  return headerTemplate.includes('{id_token}') && tokens.idToken ? tokens.idToken : tokens.accessToken;
}

/** The grant after it handed out a token at `now`. */
export const afterHandOut = (grant: TerminalGrant, now: number): TerminalGrant => ({
  ...grant,
  handedOut: grant.handedOut + 1,
  lastAt: now,
});

/** A shell word: as it is when plain, else in single quotes (a quote inside ends, escapes, reopens). */
const shellWord = (text: string): string =>
  /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;

/** "Copy as curl": the command that sends one GET to `url` with these headers. */
export function curlCommand(url: string, headers: Readonly<Record<string, string>>): string {
  const flags = Object.entries(headers).map(([name, value]) => `-H ${shellWord(`${name}: ${value}`)}`);
  return ['curl', ...flags, shellWord(url)].join(' ');
}
