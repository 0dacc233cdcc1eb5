// The options form as data: a profile's fields as the form shows them, and back. Pure: the page
// only copies these values into its inputs and out again. Every valid profile comes back from
// its fields unchanged (a property test holds this), except its client secret, which never
// reaches a page: the background keeps the stored one when the form leaves it empty.
import { isAuthKind, traitsOf } from './auth-kinds.js';
import { isOAuth } from './auth-requests.js';
import type { Endpoint, Profile } from './profile.js';
import { type MessageKey, t } from './text.js';
import { DEFAULT_HEADER, DEFAULT_REFRESH, DEFAULT_TOKEN_PATHS } from './valid-profile.js';

/** One entry per form input, by its `name`: text for every input but the `enabled` checkbox. */
export interface ProfileFields {
  name: string;
  enabled: boolean;
  /** One host (or page) per line. */
  hosts: string;
  pages: string;
  /** The first header the profile sets. */
  headerName: string;
  headerValue: string;
  /** The others, as a JSON object of names to values (Supabase's `apikey`). */
  moreHeaders: string;
  kind: Profile['auth']['kind'] | string;
  loginUrl: string;
  /** JSON texts. */
  loginBody: string;
  refreshUrl: string;
  refreshBody: string;
  accessTokenPath: string;
  refreshTokenPath: string;
  expiresInPath: string;
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  /** Always empty when shown: a stored secret never comes to a page. */
  clientSecret: string;
  scope: string;
  /** Empty: the first method the provider's metadata lists. */
  clientAuthMethod: string;
  /** JSON objects of extra request parameters. */
  authorizationParameters: string;
  tokenParameters: string;
  /** Send the scope with each refresh (a checkbox; the grants with a refresh token). */
  scopeOnRefresh: boolean;
  leadSeconds: string;
  defaultLifetimeSeconds: string;
  /** Refresh at once on a 401 (a checkbox). */
  on401: boolean;
  testUrl: string;
}

/** What a new profile's form starts with. */
const NEW_PROFILE: ProfileFields = {
  name: '',
  enabled: true,
  hosts: '',
  pages: '',
  headerName: DEFAULT_HEADER.name,
  headerValue: DEFAULT_HEADER.value,
  moreHeaders: '',
  kind: 'json-login',
  loginUrl: '',
  loginBody: '{ "email": "{username}", "password": "{password}" }',
  refreshUrl: '',
  refreshBody: '{ "refresh_token": "{refresh_token}" }',
  accessTokenPath: DEFAULT_TOKEN_PATHS.accessToken,
  refreshTokenPath: DEFAULT_TOKEN_PATHS.refreshToken,
  expiresInPath: DEFAULT_TOKEN_PATHS.expiresIn,
  issuer: '',
  authorizationUrl: '',
  tokenUrl: '',
  clientId: '',
  clientSecret: '',
  scope: '',
  clientAuthMethod: '',
  authorizationParameters: '',
  tokenParameters: '',
  scopeOnRefresh: false,
  leadSeconds: String(DEFAULT_REFRESH.leadSeconds),
  defaultLifetimeSeconds: String(DEFAULT_REFRESH.defaultLifetimeSeconds),
  on401: true,
  testUrl: '',
};

const json = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value, null, 2));

/** The form's fields for a profile; a new profile's defaults without one. */
export function fieldsFromProfile(profile?: Profile): ProfileFields {
  if (!profile) return { ...NEW_PROFILE };
  const { auth } = profile;
  const [first, ...others] = profile.headers;
  const fields: ProfileFields = {
    ...NEW_PROFILE,
    name: profile.name,
    enabled: profile.enabled,
    hosts: profile.hosts.join('\n'),
    pages: profile.pages.join('\n'),
    headerName: first?.name ?? '',
    headerValue: first?.value ?? '',
    moreHeaders: others.length
      ? json(Object.fromEntries(others.map(({ name, value }) => [name, value])))
      : '',
    kind: auth.kind,
    leadSeconds: String(profile.refresh.leadSeconds),
    defaultLifetimeSeconds: String(profile.refresh.defaultLifetimeSeconds),
    on401: profile.refresh.on401 !== false,
    testUrl: profile.testUrl ?? '',
  };
  if (auth.kind === 'json-login') {
    return {
      ...fields,
      loginUrl: auth.login.url,
      loginBody: json(auth.login.body),
      refreshUrl: auth.refresh?.url ?? '',
      refreshBody: json(auth.refresh?.body),
      accessTokenPath: auth.response.accessToken,
      refreshTokenPath: auth.response.refreshToken,
      expiresInPath: auth.response.expiresIn,
    };
  }
  if (isOAuth(auth)) {
    return {
      ...fields,
      issuer: ('issuer' in auth && auth.issuer) || '',
      authorizationUrl: ('authorizationUrl' in auth && auth.authorizationUrl) || '',
      tokenUrl: auth.tokenUrl ?? '',
      clientId: auth.clientId,
      scope: auth.scope ?? '',
      clientAuthMethod: auth.clientAuthMethod ?? '',
      authorizationParameters: json(
        'authorizationParameters' in auth ? auth.authorizationParameters : undefined,
      ),
      tokenParameters: json(auth.tokenParameters),
      scopeOnRefresh: 'scopeOnRefresh' in auth && auth.scopeOnRefresh === true,
    };
  }
  return fields;
}

/** A field whose text is not what it should be (JSON that does not parse). */
export class FieldProblem extends Error {}

const lines = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);

/** The key with its value, or nothing for an empty field. */
const optional = <T>(key: string, value: T | undefined): Record<string, T> =>
  value === undefined || value === '' ? {} : { [key]: value };

function parseJson(text: string, label: MessageKey): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FieldProblem(t('notJson', t(label), (error as Error).message));
  }
}

/** A whole number as a number; anything else as typed, for the validation to name. */
const number = (text: string): number | string => (/^\d+$/.test(text.trim()) ? Number(text) : text.trim());

/**
 * The profile the fields describe, still to be validated. What the form does not show (a login
 * request's method and headers) is kept from `previous`, the profile being edited or copied.
 * Throws FieldProblem for a JSON field that does not parse.
 */
export function profileFromFields(fields: ProfileFields, previous?: Profile): unknown {
  const { kind } = fields;
  const previousAuth = previous?.auth.kind === kind ? previous.auth : undefined;
  const endpoint = (url: string, body: string, label: MessageKey, kept: Endpoint | undefined) => {
    const parsed = parseJson(body, label);
    return { ...kept, url: url.trim(), ...(parsed === undefined ? {} : { body: parsed }) };
  };
  let auth: Record<string, unknown> = { kind };
  if (kind === 'json-login') {
    const kept = previousAuth?.kind === 'json-login' ? previousAuth : undefined;
    const { body: _login, ...login } = kept?.login ?? {};
    const { body: _refresh, ...refresh } = kept?.refresh ?? {};
    auth = {
      kind,
      login: endpoint(fields.loginUrl, fields.loginBody, 'fieldLoginBody', login as Endpoint),
      ...(fields.refreshUrl.trim()
        ? {
            refresh: endpoint(fields.refreshUrl, fields.refreshBody, 'fieldRefreshBody', refresh as Endpoint),
          }
        : {}),
      response: {
        // What the form does not show (an expiry's unit, the ID token's place) stays as it was.
        ...kept?.response,
        accessToken: fields.accessTokenPath.trim() || DEFAULT_TOKEN_PATHS.accessToken,
        refreshToken: fields.refreshTokenPath.trim() || DEFAULT_TOKEN_PATHS.refreshToken,
        expiresIn: fields.expiresInPath.trim() || DEFAULT_TOKEN_PATHS.expiresIn,
      },
    };
  } else if (isAuthKind(kind) && traitsOf(kind).oauth) {
    const codeFlow = traitsOf(kind).hasIssuer;
    auth = {
      kind,
      ...(codeFlow ? optional('issuer', fields.issuer.trim()) : {}),
      ...(codeFlow ? optional('authorizationUrl', fields.authorizationUrl.trim()) : {}),
      ...optional('tokenUrl', fields.tokenUrl.trim()),
      clientId: fields.clientId.trim(),
      ...optional('clientSecret', fields.clientSecret.trim()),
      ...optional('scope', fields.scope.trim()),
      ...optional('clientAuthMethod', fields.clientAuthMethod),
      ...optional('tokenParameters', parseJson(fields.tokenParameters, 'fieldTokenParameters')),
      // Written only when on, as files without it read: off.
      ...(fields.scopeOnRefresh && traitsOf(kind).mayResendScope ? { scopeOnRefresh: true } : {}),
      ...(codeFlow
        ? optional(
            'authorizationParameters',
            parseJson(fields.authorizationParameters, 'fieldAuthorizationParameters'),
          )
        : {}),
    };
  }
  const moreHeaders = parseJson(fields.moreHeaders, 'fieldMoreHeaders') as
    | Record<string, unknown>
    | undefined;
  if (
    moreHeaders !== undefined &&
    (typeof moreHeaders !== 'object' || moreHeaders === null || Array.isArray(moreHeaders))
  )
    throw new FieldProblem(t('notJsonObject', t('fieldMoreHeaders')));
  return {
    name: fields.name.trim(),
    enabled: fields.enabled,
    hosts: lines(fields.hosts),
    pages: lines(fields.pages),
    headers: [
      { name: fields.headerName.trim(), value: fields.headerValue },
      ...Object.entries(moreHeaders ?? {}).map(([name, value]) => ({ name: name.trim(), value })),
    ],
    auth,
    refresh: {
      leadSeconds: number(fields.leadSeconds),
      defaultLifetimeSeconds: number(fields.defaultLifetimeSeconds),
      // Written only when turned off: on is the default, and files stay as older versions wrote them.
      ...(fields.on401 ? {} : { on401: false }),
    },
    ...optional('testUrl', fields.testUrl.trim()),
  };
}
