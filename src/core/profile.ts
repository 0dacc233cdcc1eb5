// The profile file format (../shared/spec/profile-format.md), version 1, as a schema. The schema is
// the one source of the types; every read (import, storage, options form) goes through it.
import * as v from 'valibot';
import { parseHostPattern, urlMatchesHost } from './hosts.js';

export const FILE_VERSION = 1;
export const MAX_FILE_BYTES = 1024 * 1024;

const hostSchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (text) => parseHostPattern(text).ok,
    (issue) => {
      const parsed = parseHostPattern(String(issue.input));
      return parsed.ok ? '' : parsed.error;
    },
  ),
);

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const urlSchema = v.pipe(
  v.string('must be a string'),
  v.check(isHttpUrl, (issue) => `${JSON.stringify(issue.input)} is not an absolute http(s) URL`),
);

// RFC 9110 field-name token characters.
const headerNameSchema = v.pipe(
  v.string('must be a string'),
  v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'is not a valid header name'),
);
const noLineBreaks = v.pipe(
  v.string('must be a string'),
  v.regex(/^[^\r\n]*$/, 'must not contain line breaks'),
);

const endpointSchema = v.strictObject({
  url: urlSchema,
  method: v.optional(v.picklist(['POST', 'PUT', 'PATCH', 'GET'], 'must be POST, PUT, PATCH or GET'), 'POST'),
  headers: v.optional(
    v.record(headerNameSchema, noLineBreaks, 'must be an object of header names to values'),
    {},
  ),
  /** Any JSON value: the file is JSON, and the options form parses its JSON fields. */
  body: v.optional(v.unknown()),
});

const path = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'));

const jsonLoginSchema = v.strictObject({
  kind: v.literal('json-login'),
  login: endpointSchema,
  refresh: v.optional(endpointSchema),
  response: v.optional(
    v.strictObject({
      accessToken: v.optional(path, 'access_token'),
      refreshToken: v.optional(path, 'refresh_token'),
      expiresIn: v.optional(path, 'expires_in'),
    }),
    { accessToken: 'access_token', refreshToken: 'refresh_token', expiresIn: 'expires_in' },
  ),
});

const nonEmpty = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'));
const clientFields = {
  clientId: nonEmpty,
  clientSecret: v.optional(nonEmpty),
  scope: v.optional(v.string('must be a string')),
};

const passwordSchema = v.strictObject({
  kind: v.literal('oauth2-password'),
  tokenUrl: urlSchema,
  ...clientFields,
});

const clientCredentialsSchema = v.strictObject({
  kind: v.literal('oauth2-client-credentials'),
  tokenUrl: urlSchema,
  ...clientFields,
  clientSecret: nonEmpty,
});

const authorizationCodeSchema = v.pipe(
  v.strictObject({
    kind: v.literal('oauth2-authorization-code'),
    issuer: v.optional(urlSchema),
    authorizationUrl: v.optional(urlSchema),
    tokenUrl: v.optional(urlSchema),
    ...clientFields,
  }),
  v.check(
    ({ issuer, authorizationUrl, tokenUrl }) => !!issuer || !!(authorizationUrl && tokenUrl),
    'give "issuer", or both "authorizationUrl" and "tokenUrl"',
  ),
);

const manualSchema = v.strictObject({ kind: v.literal('manual') });

const authSchema = v.variant(
  'kind',
  [jsonLoginSchema, passwordSchema, clientCredentialsSchema, authorizationCodeSchema, manualSchema],
  'has an unknown "kind": use json-login, oauth2-password, oauth2-client-credentials, oauth2-authorization-code or manual',
);

export const DEFAULT_HEADER = { name: 'Authorization', value: 'Bearer {access_token}' } as const;
export const DEFAULT_REFRESH = { leadSeconds: 300, defaultLifetimeSeconds: 3600 } as const;

const seconds = (min: number, max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

export const profileSchema = v.pipe(
  v.strictObject({
    name: v.pipe(
      v.string('must be a string'),
      v.minLength(1, 'must not be empty'),
      v.maxLength(80, 'must be at most 80 characters'),
    ),
    enabled: v.optional(v.boolean('must be true or false'), true),
    hosts: v.pipe(
      v.array(hostSchema, 'must be a list of hosts'),
      v.minLength(1, 'needs at least one host'),
      v.maxLength(100, 'allows at most 100 hosts'),
    ),
    pages: v.optional(
      v.pipe(v.array(hostSchema, 'must be a list of hosts'), v.maxLength(100, 'allows at most 100 pages')),
      [],
    ),
    header: v.optional(v.strictObject({ name: headerNameSchema, value: noLineBreaks }), {
      ...DEFAULT_HEADER,
    }),
    auth: authSchema,
    refresh: v.optional(
      v.strictObject({
        leadSeconds: v.optional(seconds(0, 86_400), DEFAULT_REFRESH.leadSeconds),
        defaultLifetimeSeconds: v.optional(seconds(1, 31_536_000), DEFAULT_REFRESH.defaultLifetimeSeconds),
      }),
      { ...DEFAULT_REFRESH },
    ),
    testUrl: v.optional(urlSchema),
  }),
  v.forward(
    v.partialCheck(
      [['testUrl'], ['hosts']],
      ({ testUrl, hosts }) =>
        testUrl === undefined ||
        hosts.some((text) => {
          const parsed = parseHostPattern(text);
          return parsed.ok && urlMatchesHost(new URL(testUrl).href, parsed.host);
        }),
      (issue) =>
        `${JSON.stringify((issue.input as { testUrl?: string }).testUrl)} is not on one of the profile's hosts`,
    ),
    ['testUrl'],
  ),
);

export const profileFileSchema = v.strictObject({
  autobearer: v.literal(
    FILE_VERSION,
    `must be ${FILE_VERSION}: this version of AutoBearer reads profile files of version ${FILE_VERSION}`,
  ),
  profiles: v.array(profileSchema, 'must be a list of profiles'),
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
    return [`profiles[${index}].name: ${JSON.stringify(name)} is already the name of profiles[${first}]`];
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
    message = `unknown key ${JSON.stringify(key)}`;
  } else if (issue.kind === 'schema' && issue.received === 'undefined' && issue.type !== 'variant') {
    message = 'is required';
  }
  const where = formatPath(keys);
  return where ? `${where}: ${message}` : message;
}

/** Parses a profile file's text: every problem is listed by its path, or the file is whole. */
export function parseProfileFile(text: string): Validated<ProfileFile> {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_FILE_BYTES) {
    return { ok: false, problems: [`the file is ${bytes} bytes; a profile file is at most 1 MiB`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`the file is not JSON: ${(error as Error).message}`] };
  }
  return validateProfileFile(json);
}

export function validateProfileFile(json: unknown): Validated<ProfileFile> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      problems: ['the file must be a JSON object: { "autobearer": 1, "profiles": [ … ] }'],
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

export function serializeProfileFile(profiles: readonly Profile[]): string {
  const file: ProfileFile = { autobearer: FILE_VERSION, profiles: [...profiles] };
  return `${JSON.stringify(file, null, 2)}\n`;
}
