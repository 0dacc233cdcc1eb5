// The profile file format (../shared/spec/profile-format.md), version 1, as a schema. The schema is
// the one source of the types; every read (import, storage, options form) goes through it.

import * as v from 'valibot';
import { traitsOf } from './auth-kinds.js';
import { parseHostPattern, urlMatchesHost } from './hosts.js';
import { sharedSuffixProblem } from './public-suffix.js';
import { type MessageKey, t } from './text.js';
import {
  DEFAULT_REFRESH,
  DEFAULT_TOKEN_PATHS,
  headersOf,
  MAX_FILE_BYTES,
  needsIdToken,
} from './valid-profile.js';

/** A message looked up when the problem is reported, in the user's language. */
const say =
  (key: MessageKey, ...substitutions: Array<string | number>) =>
  (): string =>
    t(key, ...substitutions);

export const FILE_VERSION = 1;

/** Why a host or page entry is refused, or undefined where it is fine. */
function hostProblem(text: string, use: 'host' | 'page'): string | undefined {
  const parsed = parseHostPattern(text);
  return parsed.ok ? sharedSuffixProblem(parsed.host, use) : parsed.error;
}

const hostEntrySchema = (use: 'host' | 'page') =>
  v.pipe(
    v.string(say('mustBeString')),
    v.check(
      (text) => hostProblem(text, use) === undefined,
      (issue) => hostProblem(String(issue.input), use) ?? '',
    ),
  );
const hostSchema = hostEntrySchema('host');
const pageSchema = hostEntrySchema('page');

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Sizes that no real profile comes near, and that keep a hostile file or policy small to handle. */
export const LIMITS = {
  text: 2048,
  headerValue: 8192,
  headers: 32,
  /** Headers a profile sets on API requests (Supabase needs two). */
  profileHeaders: 8,
  /** Levels of nesting in a request body: real ones have two or three. */
  bodyDepth: 32,
} as const;

/** A string of at most `max` characters, read without the spaces around it. */
const text = (max: number = LIMITS.text) =>
  v.pipe(v.string(say('mustBeString')), v.trim(), v.maxLength(max, say('atMostCharacters', max)));

const urlSchema = v.pipe(
  text(),
  v.check(isHttpUrl, (issue) => t('notHttpUrl', JSON.stringify(issue.input))),
);

/**
 * The Fetch standard's forbidden request headers, which the browser sets itself (and drops or
 * refuses from an extension), and the ones servers read as something else than a credential.
 */
const SPECIAL_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);
const isSpecialHeader = (name: string): boolean => {
  const lower = name.toLowerCase();
  return SPECIAL_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-');
};

// RFC 9110 field-name token characters.
const headerNameSchema = v.pipe(text(256), v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, say('badHeaderName')));
/** A header the profile sets on API requests: not one the browser or server treats specially. */
const injectedHeaderNameSchema = v.pipe(
  headerNameSchema,
  v.check(
    (name) => !isSpecialHeader(name),
    (issue) => t('specialHeader', JSON.stringify(issue.input)),
  ),
);
/** RFC 9110 field value, ASCII only: visible characters, spaces and tabs; no control character. */
const headerValueSchema = v.pipe(
  text(LIMITS.headerValue),
  v.regex(/^[\t\x20-\x7e]*$/, say('headerValueCharacters')),
);

/** How deep a JSON value nests, counted without recursion (a hostile value may nest thousands deep). */
export function jsonDepth(value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** A form-encoded body is one level of names to text (numbers and booleans are written as text). */
const isFlatObject = (body: unknown): boolean =>
  body === undefined ||
  (typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.values(body).every((value) => ['string', 'number', 'boolean'].includes(typeof value)));

const endpointFields = {
  url: urlSchema,
  method: v.optional(v.picklist(['POST', 'PUT', 'PATCH', 'GET'], say('badMethod')), 'POST'),
  headers: v.optional(
    v.pipe(
      v.record(injectedHeaderNameSchema, headerValueSchema, say('headersObject')),
      v.check(
        (headers) => Object.keys(headers).length <= LIMITS.headers,
        say('tooManyHeaders', LIMITS.headers),
      ),
    ),
    {},
  ),
  /** Any JSON value: the file is JSON, and the options form parses its JSON fields. */
  body: v.optional(
    v.pipe(
      v.unknown(),
      v.check(
        (body) => jsonDepth(body, LIMITS.bodyDepth) <= LIMITS.bodyDepth,
        say('bodyTooDeep', LIMITS.bodyDepth),
      ),
    ),
  ),
  /** How the body is sent: JSON (default) or an HTML form (`application/x-www-form-urlencoded`). */
  encoding: v.optional(v.picklist(['json', 'form'], say('badEncoding'))),
};

/** A form body must be flat: a nested value has no form encoding. */
const bodyFitsEncoding = <T extends { body?: unknown; encoding?: 'json' | 'form' | undefined }>(
  endpoint: T,
): boolean => endpoint.encoding !== 'form' || isFlatObject(endpoint.body);

const endpointSchema = v.pipe(
  v.strictObject(endpointFields),
  v.check((endpoint) => bodyFitsEncoding(endpoint), say('formBodyFlat')),
);

const path = v.pipe(text(256), v.minLength(1, say('mustNotBeEmpty')));

/**
 * Where the tokens are in an answer. The three first keys are filled with their defaults (stored
 * profiles have them); the later ones stay absent unless given, so that a profile stored before
 * them reads exactly the same (its sign-in settings, and so its session, unchanged).
 */
const responseFields = {
  accessToken: v.optional(path, DEFAULT_TOKEN_PATHS.accessToken),
  refreshToken: v.optional(path, DEFAULT_TOKEN_PATHS.refreshToken),
  expiresIn: v.optional(path, DEFAULT_TOKEN_PATHS.expiresIn),
  /** Default `id_token`: what `{id_token}` in a header carries. */
  idToken: v.optional(path),
  /** Default `seconds`; Directus gives `expires` in milliseconds. */
  expiresInUnit: v.optional(v.picklist(['seconds', 'milliseconds'], say('badExpiresInUnit'))),
  /** An absolute expiry (epoch seconds or milliseconds, or an ISO 8601 date), read before `expiresIn`. */
  expiresAt: v.optional(path),
};
const responseSchema = v.strictObject(responseFields);

const jsonLoginSchema = v.strictObject({
  kind: v.literal('json-login'),
  login: endpointSchema,
  /** Its own `response` when the refresh answers in other names than the login (Firebase). */
  refresh: v.optional(
    v.pipe(
      v.strictObject({ ...endpointFields, response: v.optional(responseSchema) }),
      v.check((endpoint) => bodyFitsEncoding(endpoint), say('formBodyFlat')),
    ),
  ),
  response: v.optional(responseSchema, { ...DEFAULT_TOKEN_PATHS }),
});

const nonEmpty = v.pipe(text(), v.minLength(1, say('mustNotBeEmpty')));
/** Parameters the OAuth protocol itself sets: a profile's extra parameters may not override them. */
export const PROTOCOL_PARAMETERS = new Set([
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'redirect_uri',
  'response_type',
  'response_mode',
  'state',
  'nonce',
  'code',
  'code_challenge',
  'code_challenge_method',
  'code_verifier',
  'grant_type',
  'refresh_token',
  'username',
  'password',
  'scope',
  'request',
  'request_uri',
]);

/** Extra request parameters (`audience`, `resource`, `access_type`, `login_hint`, `prompt`, …). */
const parametersSchema = v.pipe(
  v.record(
    v.pipe(
      text(256),
      v.regex(/^[A-Za-z0-9_.-]+$/, say('badParameterName')),
      v.check(
        (name) => !PROTOCOL_PARAMETERS.has(name),
        (issue) => t('protocolParameter', JSON.stringify(issue.input)),
      ),
    ),
    text(),
    say('parametersObject'),
  ),
  v.check(
    (parameters) => Object.keys(parameters).length <= LIMITS.headers,
    say('tooManyParameters', LIMITS.headers),
  ),
);

const clientFields = {
  clientId: nonEmpty,
  clientSecret: v.optional(nonEmpty),
  /** An empty scope is no scope: left out (see withoutEmptyScope). */
  scope: v.optional(text()),
  /** How the client proves itself at the token endpoint; default: the provider's first supported. */
  clientAuthMethod: v.optional(
    v.picklist(['client_secret_basic', 'client_secret_post', 'none'], say('badClientAuthMethod')),
  ),
  /** Added to every token request (code exchange, grants, refresh). */
  tokenParameters: v.optional(parametersSchema),
};

/**
 * For the grants that give a refresh token: the refresh sends `scope`, the profile's (the sign-in's:
 * changing it signs the profile out). RFC 6749 §6 makes it optional; Entra ID refreshes a token for
 * a custom API only with it (docs/providers.md).
 */
const refreshFields = {
  scopeOnRefresh: v.optional(v.boolean(say('mustBeBoolean'))),
};

const passwordSchema = v.strictObject({
  kind: v.literal('oauth2-password'),
  tokenUrl: urlSchema,
  ...clientFields,
  ...refreshFields,
});

/** Its `clientSecret` may be left out of a file (an export never holds it): the popup asks for it. */
const clientCredentialsSchema = v.strictObject({
  kind: v.literal('oauth2-client-credentials'),
  tokenUrl: urlSchema,
  ...clientFields,
});

const authorizationCodeSchema = v.pipe(
  v.strictObject({
    kind: v.literal('oauth2-authorization-code'),
    issuer: v.optional(urlSchema),
    authorizationUrl: v.optional(urlSchema),
    tokenUrl: v.optional(urlSchema),
    ...clientFields,
    ...refreshFields,
    /** Added to the authorization URL; `prompt` here replaces the default. */
    authorizationParameters: v.optional(parametersSchema),
  }),
  v.check(
    ({ issuer, authorizationUrl, tokenUrl }) => !!issuer || !!(authorizationUrl && tokenUrl),
    say('issuerOrEndpoints'),
  ),
);

const manualSchema = v.strictObject({ kind: v.literal('manual') });

const authSchema = v.variant(
  'kind',
  [jsonLoginSchema, passwordSchema, clientCredentialsSchema, authorizationCodeSchema, manualSchema],
  say('unknownKind'),
);

const headerSchema = v.strictObject({ name: injectedHeaderNameSchema, value: headerValueSchema });
export type HeaderTemplate = v.InferOutput<typeof headerSchema>;

/** Every profile is read with `headers`, whichever key its file used. */
function withHeaders<
  T extends { header?: HeaderTemplate | undefined; headers?: HeaderTemplate[] | undefined },
>(profile: T): Omit<T, 'header' | 'headers'> & { headers: HeaderTemplate[] } {
  const { header: _one, headers: _several, ...rest } = profile;
  return { ...rest, headers: [...headersOf(profile)] };
}

const seconds = (min: number, max: number) =>
  v.pipe(
    v.number(say('mustBeNumber')),
    v.integer(say('mustBeWholeNumber')),
    v.minValue(min, say('atLeast', min)),
    v.maxValue(max, say('atMost', max)),
  );

/** An empty scope means no scope: it is left out, so that a profile reads the same however written. */
function withoutEmptyScope<T extends { auth: object }>(profile: T): T {
  if (!('scope' in profile.auth) || profile.auth.scope) return profile;
  const { scope: _empty, ...auth } = profile.auth;
  return { ...profile, auth };
}

export const profileSchema = v.pipe(
  v.strictObject({
    name: v.pipe(
      v.string(say('mustBeString')),
      v.trim(),
      v.minLength(1, say('mustNotBeEmpty')),
      v.maxLength(80, say('atMostCharacters', 80)),
    ),
    enabled: v.optional(v.boolean(say('mustBeBoolean')), true),
    hosts: v.pipe(
      v.array(hostSchema, say('listOfHosts')),
      v.minLength(1, say('needsHost')),
      v.maxLength(100, say('tooManyHosts', 100)),
    ),
    pages: v.optional(
      v.pipe(v.array(pageSchema, say('listOfHosts')), v.maxLength(100, say('tooManyPages', 100))),
      [],
    ),
    /** One header (every version-1 file); `headers` sets several. Read as `headers` either way. */
    header: v.optional(headerSchema),
    headers: v.optional(
      v.pipe(
        v.array(headerSchema, say('listOfHeaders')),
        v.minLength(1, say('needsHeader')),
        v.maxLength(LIMITS.profileHeaders, say('tooManyHeaders', LIMITS.profileHeaders)),
        v.check(
          (headers) => new Set(headers.map((h) => h.name.toLowerCase())).size === headers.length,
          say('duplicateHeader'),
        ),
      ),
    ),
    auth: authSchema,
    refresh: v.optional(
      v.strictObject({
        leadSeconds: v.optional(seconds(0, 86_400), DEFAULT_REFRESH.leadSeconds),
        defaultLifetimeSeconds: v.optional(seconds(1, 31_536_000), DEFAULT_REFRESH.defaultLifetimeSeconds),
        /** Refresh at once when the API answers 401 to the token (on unless `false`). */
        on401: v.optional(v.boolean(say('mustBeBoolean'))),
      }),
      { ...DEFAULT_REFRESH },
    ),
    testUrl: v.optional(urlSchema),
  }),
  v.forward(
    v.partialCheck(
      [['testUrl'], ['hosts']],
      // valibot runs this even where testUrl itself was refused: a URL that does not parse is that
      // check's problem, not this one's.
      ({ testUrl, hosts }) =>
        testUrl === undefined ||
        !isHttpUrl(testUrl) ||
        hosts.some((text) => {
          const parsed = parseHostPattern(text);
          return parsed.ok && urlMatchesHost(new URL(testUrl).href, parsed.host);
        }),
      (issue) => t('testUrlOffHosts', JSON.stringify((issue.input as { testUrl?: string }).testUrl)),
    ),
    ['testUrl'],
  ),
  v.forward(
    v.partialCheck(
      [['header'], ['headers']],
      ({ header, headers }) => !(header && headers),
      say('headerAndHeaders'),
    ),
    ['headers'],
  ),
  v.forward(
    v.partialCheck(
      [['header'], ['headers'], ['auth']],
      (profile) => !needsIdToken(headersOf(profile)) || traitsOf(profile.auth.kind).mayBringIdToken,
      (issue) => t('noIdTokenForKind', (issue.input as { auth: { kind: string } }).auth.kind),
    ),
    ['headers'],
  ),
  v.transform(withoutEmptyScope),
  v.transform(withHeaders),
);

export const profileFileSchema = v.strictObject({
  autobearer: v.literal(FILE_VERSION, say('fileVersion', FILE_VERSION)),
  /** A team file's version, which only grows (docs/profile-format.md, "Signed files"). */
  serial: v.optional(
    v.pipe(
      v.number(say('serialNotInteger')),
      v.check((n) => Number.isSafeInteger(n) && n >= 0, say('serialNotInteger')),
    ),
  ),
  /** When a team file stops vouching for itself: an ISO 8601 date or date and time. */
  expires: v.optional(
    v.pipe(
      v.string(say('expiresNotDate')),
      v.check(
        (text) => /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)),
        say('expiresNotDate'),
      ),
    ),
  ),
  profiles: v.array(profileSchema, say('listOfProfiles')),
});

/** Names must be unique within a file. Checked on the raw JSON so it is listed with every other problem. */
function duplicateNames(json: unknown): string[] {
  const profiles = (json as { profiles?: unknown }).profiles;
  if (!Array.isArray(profiles)) return [];
  const seen = new Map<string, number>();
  return profiles.flatMap((profile: unknown, index) => {
    const name = (profile as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return [];
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      return [];
    }
    return [
      t(
        'problemAt',
        formatPath(['profiles', index, 'name']),
        t('duplicateName', JSON.stringify(name), formatPath(['profiles', first])),
      ),
    ];
  });
}

export type Profile = v.InferOutput<typeof profileSchema>;
export type Auth = Profile['auth'];
export type JsonLoginAuth = v.InferOutput<typeof jsonLoginSchema>;
export type Endpoint = v.InferOutput<typeof endpointSchema>;
export type ProfileFile = v.InferOutput<typeof profileFileSchema>;

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** `["profiles", 2, "hosts", 0]` → `profiles[2].hosts[0]` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

type Issue = v.BaseIssue<unknown>;

function describeIssue(issue: Issue, prefix: ReadonlyArray<PropertyKey>): string {
  const keys: PropertyKey[] = [...prefix, ...(issue.path ?? []).map((item) => item.key as PropertyKey)];
  let message = issue.message;
  if (issue.type === 'strict_object' && issue.received !== 'undefined') {
    // An unknown key: the path ends at the key itself.
    const key = keys.pop();
    message = t('unknownKey', JSON.stringify(key));
  } else if (issue.kind === 'schema' && issue.received === 'undefined' && issue.type !== 'variant') {
    message = t('isRequired');
  }
  const where = formatPath(keys);
  return where ? t('problemAt', where, message) : message;
}

/** Parses a profile file's text: every problem is listed by its path, or the file is whole. */
export function parseProfileFile(text: string): Validated<ProfileFile> {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_FILE_BYTES) {
    return { ok: false, problems: [t('fileTooBig', bytes)] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [t('fileNotJson', (error as Error).message)] };
  }
  return validateProfileFile(json);
}

export function validateProfileFile(json: unknown): Validated<ProfileFile> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      problems: [t('fileNotObject')],
    };
  }
  const result = v.safeParse(profileFileSchema, json);
  const duplicates = duplicateNames(json);
  if (!result.success) {
    return { ok: false, problems: [...result.issues.map((i) => describeIssue(i, [])), ...duplicates] };
  }
  return duplicates.length ? { ok: false, problems: duplicates } : { ok: true, value: result.output };
}

/** Validates one profile (the options form, stored data), with paths relative to it. */
export function validateProfile(json: unknown): Validated<Profile> {
  const result = v.safeParse(profileSchema, json);
  if (!result.success) return { ok: false, problems: result.issues.map((i) => describeIssue(i, [])) };
  return { ok: true, value: result.output };
}

/**
 * A profile as a file writes it: one header as `header`, which every version of AutoBearer reads;
 * several as `headers`.
 */
export function asWritten(profile: Profile): Omit<Profile, 'headers'> & {
  header?: HeaderTemplate;
  headers?: HeaderTemplate[];
} {
  const { headers, ...rest } = profile;
  const [only] = headers;
  return headers.length === 1 && only ? { ...rest, header: only } : profile;
}

export function serializeProfileFile(profiles: readonly Profile[]): string {
  const file = { autobearer: FILE_VERSION, profiles: profiles.map(asWritten) };
  return `${JSON.stringify(file, null, 2)}\n`;
}
