// The profile file format (../shared/spec/profile-format.md), version 1, as a schema. The schema is
// the one source of the types; every read (import, storage, options form) goes through it.
import { z } from 'zod';
import { parseHostPattern, urlMatchesHost } from './hosts.js';

export const FILE_VERSION = 1;
export const MAX_FILE_BYTES = 1024 * 1024;

/** The kinds this version of AutoBearer can sign in with. The others validate but are refused. */
export const SUPPORTED_KINDS = new Set(['json-login', 'oauth2-password', 'manual']);

const hostSchema = z.string().check((ctx) => {
  const parsed = parseHostPattern(ctx.value);
  if (!parsed.ok) ctx.issues.push({ code: 'custom', message: parsed.error, input: ctx.value });
});

const urlSchema = z.string().check((ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(ctx.value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    ctx.issues.push({
      code: 'custom',
      message: `${JSON.stringify(ctx.value)} is not an absolute http(s) URL`,
      input: ctx.value,
    });
  }
});

// RFC 9110 field-name token characters.
const headerNameSchema = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'is not a valid header name');
const noLineBreaks = z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks');

const jsonValue: z.ZodType<unknown> = z.json();

const endpointSchema = z.strictObject({
  url: urlSchema,
  method: z.enum(['POST', 'PUT', 'PATCH', 'GET']).default('POST'),
  headers: z.record(headerNameSchema, noLineBreaks).default({}),
  body: jsonValue.optional(),
});

const jsonLoginSchema = z.strictObject({
  kind: z.literal('json-login'),
  login: endpointSchema,
  refresh: endpointSchema.optional(),
  response: z
    .strictObject({
      accessToken: z.string().min(1).default('access_token'),
      refreshToken: z.string().min(1).default('refresh_token'),
      expiresIn: z.string().min(1).default('expires_in'),
    })
    .default({ accessToken: 'access_token', refreshToken: 'refresh_token', expiresIn: 'expires_in' }),
});

const clientFields = {
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  scope: z.string().optional(),
};

const passwordSchema = z.strictObject({
  kind: z.literal('oauth2-password'),
  tokenUrl: urlSchema,
  ...clientFields,
});

const clientCredentialsSchema = z.strictObject({
  kind: z.literal('oauth2-client-credentials'),
  tokenUrl: urlSchema,
  ...clientFields,
  clientSecret: z.string().min(1),
});

const authorizationCodeSchema = z
  .strictObject({
    kind: z.literal('oauth2-authorization-code'),
    issuer: urlSchema.optional(),
    authorizationUrl: urlSchema.optional(),
    tokenUrl: urlSchema.optional(),
    ...clientFields,
  })
  .check((ctx) => {
    const { issuer, authorizationUrl, tokenUrl } = ctx.value;
    if (!issuer && !(authorizationUrl && tokenUrl)) {
      ctx.issues.push({
        code: 'custom',
        message: 'give "issuer", or both "authorizationUrl" and "tokenUrl"',
        input: ctx.value,
      });
    }
  });

const manualSchema = z.strictObject({ kind: z.literal('manual') });

const authSchema = z.discriminatedUnion(
  'kind',
  [jsonLoginSchema, passwordSchema, clientCredentialsSchema, authorizationCodeSchema, manualSchema],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'has an unknown "kind": use json-login, oauth2-password, oauth2-client-credentials, oauth2-authorization-code or manual'
        : undefined,
  },
);

export const DEFAULT_HEADER = { name: 'Authorization', value: 'Bearer {access_token}' } as const;
export const DEFAULT_REFRESH = { leadSeconds: 300, defaultLifetimeSeconds: 3600 } as const;

export const profileSchema = z
  .strictObject({
    name: z.string().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
    enabled: z.boolean().default(true),
    hosts: z.array(hostSchema).min(1, 'needs at least one host').max(100, 'allows at most 100 hosts'),
    pages: z.array(hostSchema).max(100, 'allows at most 100 pages').default([]),
    header: z.strictObject({ name: headerNameSchema, value: noLineBreaks }).default({ ...DEFAULT_HEADER }),
    auth: authSchema,
    refresh: z
      .strictObject({
        leadSeconds: z.int().min(0).max(86_400).default(DEFAULT_REFRESH.leadSeconds),
        defaultLifetimeSeconds: z
          .int()
          .min(1)
          .max(31_536_000)
          .default(DEFAULT_REFRESH.defaultLifetimeSeconds),
      })
      .default({ ...DEFAULT_REFRESH }),
    testUrl: urlSchema.optional(),
  })
  .check((ctx) => {
    const { testUrl, hosts } = ctx.value;
    if (testUrl === undefined) return;
    let href: string;
    try {
      href = new URL(testUrl).href;
    } catch {
      return; // already reported as not a URL
    }
    const onHost = hosts.some((text) => {
      const parsed = parseHostPattern(text);
      return parsed.ok && urlMatchesHost(href, parsed.host);
    });
    if (!onHost) {
      ctx.issues.push({
        code: 'custom',
        path: ['testUrl'],
        message: `${JSON.stringify(testUrl)} is not on one of the profile's hosts`,
        input: testUrl,
      });
    }
  });

export const profileFileSchema = z.strictObject({
  autobearer: z.literal(FILE_VERSION, {
    error: `must be ${FILE_VERSION}: this version of AutoBearer reads profile files of version ${FILE_VERSION}`,
  }),
  profiles: z.array(profileSchema),
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

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type Auth = Profile['auth'];
export type JsonLoginAuth = z.output<typeof jsonLoginSchema>;
export type Endpoint = z.output<typeof endpointSchema>;
export type ProfileFile = z.output<typeof profileFileSchema>;

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** `["profiles", 2, "hosts", 0]` → `profiles[2].hosts[0]` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue, prefix: ReadonlyArray<PropertyKey>): string {
  const path = formatPath([...prefix, ...issue.path]);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    message = 'is required';
  }
  return path ? `${path}: ${message}` : message;
}

function unsupportedKinds(profiles: readonly Profile[], prefix: ReadonlyArray<PropertyKey>): string[] {
  return profiles.flatMap((profile, index) =>
    SUPPORTED_KINDS.has(profile.auth.kind)
      ? []
      : [
          `${formatPath([...prefix, index, 'auth', 'kind'])}: "${profile.auth.kind}" is not supported yet by this version of AutoBearer`,
        ],
  );
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
  const result = profileFileSchema.safeParse(json);
  const duplicates = duplicateNames(json);
  if (!result.success) {
    return { ok: false, problems: [...result.error.issues.map((i) => describeIssue(i, [])), ...duplicates] };
  }
  const problems = [...duplicates, ...unsupportedKinds(result.data.profiles, ['profiles'])];
  return problems.length ? { ok: false, problems } : { ok: true, value: result.data };
}

/** Validates one profile (the options form, stored data), with paths relative to it. */
export function validateProfile(json: unknown): Validated<Profile> {
  const result = profileSchema.safeParse(json);
  if (!result.success) return { ok: false, problems: result.error.issues.map((i) => describeIssue(i, [])) };
  const problems = unsupportedKinds([result.data], []).map((p) => p.replace(/^\[0\]\./, ''));
  return problems.length ? { ok: false, problems } : { ok: true, value: result.data };
}

export function serializeProfileFile(profiles: readonly Profile[]): string {
  const file: ProfileFile = { autobearer: FILE_VERSION, profiles: [...profiles] };
  return `${JSON.stringify(file, null, 2)}\n`;
}
