// The options page's "Start from" templates: one per sign-in service of docs/providers.md. The
// user gives only what is theirs (a tenant, a project URL, a client id), and the template makes
// the rest of a profile as that service's documentation says. Pure; each example file under
// docs/examples/ is a template filled with its `example` values (a unit test holds this).
import type { MessageKey } from './text.js';

export interface TemplateInput {
  /** The key the template reads. */
  readonly key: string;
  /** What the user sees, in the service's own words. */
  readonly label: MessageKey;
  /** A value of the right shape, shown as the field's placeholder and used in docs/examples. */
  readonly example: string;
  /** Left empty, this is used. */
  readonly optional?: boolean;
}

export interface Template {
  /** Also the example's file name (docs/examples/ID.json) and the section in docs/providers.md. */
  readonly id: string;
  readonly name: string;
  readonly inputs: readonly TemplateInput[];
  /** The profile (still to be validated) for these values; every input is there, trimmed. */
  readonly profile: (values: Readonly<Record<string, string>>) => Record<string, unknown>;
}

/** `https://api.example.com:8443/v1` → `api.example.com:8443`; over http, `http://…` (local development). */
export function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' ? `http://${parsed.host}` : parsed.host;
  } catch {
    return url; // the profile's validation names it
  }
}

/** A URL the user pasted, without the slash at its end, so paths join cleanly. */
const base = (url: string): string => url.replace(/\/+$/, '');

/** A host or URL the user typed, as a host entry: `api.example.com` and `https://api.example.com/` alike. */
const hostEntry = (text: string): string => (/^https?:\/\//.test(text) ? hostOf(text) : text);

/** The API the header goes to, asked of every OAuth template. */
const apiInput: TemplateInput = {
  key: 'api',
  label: 'tplApiHost',
  example: 'api.example.com',
};
const clientIdInput = (label: MessageKey = 'tplClientId'): TemplateInput => ({
  key: 'clientId',
  label,
  example: 'your-client-id',
});

export const TEMPLATES: readonly Template[] = [
  {
    id: 'auth0',
    name: 'Auth0',
    inputs: [
      { key: 'domain', label: 'tplAuth0Domain', example: 'your-tenant.us.auth0.com' },
      clientIdInput(),
      { key: 'audience', label: 'tplAuth0Audience', example: 'https://api.example.com' },
      apiInput,
    ],
    profile: (v) => ({
      name: 'Auth0',
      hosts: [hostEntry(v.api ?? '')],
      auth: {
        kind: 'oauth2-authorization-code',
        issuer: `https://${hostEntry(v.domain ?? '')}/`,
        clientId: v.clientId,
        scope: 'openid profile email offline_access',
        // Without an audience Auth0 issues a token for its /userinfo only.
        authorizationParameters: { audience: v.audience },
      },
    }),
  },
  {
    id: 'google',
    name: 'Google',
    inputs: [
      clientIdInput('tplGoogleClientId'),
      { key: 'clientSecret', label: 'tplClientSecret', example: 'your-client-secret' },
      {
        key: 'scope',
        label: 'tplGoogleScope',
        example: 'https://www.googleapis.com/auth/drive.readonly',
      },
      { ...apiInput, example: 'www.googleapis.com' },
    ],
    profile: (v) => ({
      name: 'Google',
      hosts: [hostEntry(v.api ?? '')],
      auth: {
        kind: 'oauth2-authorization-code',
        issuer: 'https://accounts.google.com',
        clientId: v.clientId,
        // A web application client's secret is required at the token endpoint, PKCE or not.
        clientSecret: v.clientSecret,
        scope: `openid email ${v.scope}`.trim(),
        // Google refuses the offline_access scope: a refresh token takes access_type=offline, and
        // comes again on a later sign-in only with prompt=consent; select_account lets a second account
        // (README: two accounts side by side) pick its user instead of the one signed in to Google.
        authorizationParameters: { access_type: 'offline', prompt: 'consent select_account' },
      },
    }),
  },
  {
    id: 'entra-id',
    name: 'Microsoft Entra ID',
    inputs: [
      {
        key: 'tenant',
        label: 'tplEntraTenant',
        example: 'organizations',
      },
      clientIdInput('tplEntraClientId'),
      { key: 'scope', label: 'tplEntraScope', example: 'api://your-api-id/access_as_user' },
      apiInput,
    ],
    profile: (v) => ({
      name: 'Entra ID',
      hosts: [hostEntry(v.api ?? '')],
      auth: {
        kind: 'oauth2-authorization-code',
        issuer: `https://login.microsoftonline.com/${v.tenant}/v2.0`,
        clientId: v.clientId,
        scope: `openid profile offline_access ${v.scope}`.trim(),
        // Microsoft's refresh request names the scopes it wants; without them a refresh for a
        // custom API fails (AADSTS90009) or brings a token for another resource.
        scopeOnRefresh: true,
        // Entra gives a refresh token for offline_access without prompt=consent, which users
        // without consent rights cannot pass ("needs admin approval").
        authorizationParameters: { prompt: 'select_account' },
      },
    }),
  },
  {
    id: 'okta',
    name: 'Okta',
    inputs: [
      { key: 'domain', label: 'tplOktaDomain', example: 'dev-123456.okta.com' },
      { key: 'server', label: 'tplOktaServer', example: 'default' },
      clientIdInput(),
      { key: 'scope', label: 'tplOktaScope', example: 'api.read', optional: true },
      apiInput,
    ],
    profile: (v) => ({
      name: 'Okta',
      hosts: [hostEntry(v.api ?? '')],
      auth: {
        kind: 'oauth2-authorization-code',
        issuer: `https://${hostEntry(v.domain ?? '')}/oauth2/${v.server || 'default'}`,
        clientId: v.clientId,
        scope: `openid profile offline_access ${v.scope ?? ''}`.trim(),
        // Okta asks for consent only where the app is set to: prompt=consent would be refused otherwise.
        authorizationParameters: { prompt: '' },
      },
    }),
  },
  {
    id: 'cognito',
    name: 'Amazon Cognito',
    inputs: [
      { key: 'region', label: 'tplAwsRegion', example: 'eu-west-1' },
      { key: 'userPool', label: 'tplCognitoPool', example: 'eu-west-1_AbCdEfGhI' },
      clientIdInput('tplCognitoClientId'),
      { ...apiInput, example: 'abc123.execute-api.eu-west-1.amazonaws.com' },
    ],
    profile: (v) => ({
      name: 'Cognito',
      hosts: [hostEntry(v.api ?? '')],
      // API Gateway's Cognito authorizer reads the ID token, as the whole header value.
      headers: [{ name: 'Authorization', value: '{id_token}' }],
      auth: {
        kind: 'oauth2-authorization-code',
        // The issuer names the user pool; its discovery names the sign-in pages on the pool's
        // own domain (*.amazoncognito.com), which the save asks access to as well.
        issuer: `https://cognito-idp.${v.region}.amazonaws.com/${v.userPool}`,
        clientId: v.clientId,
        scope: 'openid email profile',
      },
    }),
  },
  {
    id: 'keycloak',
    name: 'Keycloak',
    inputs: [
      { key: 'server', label: 'tplKeycloakUrl', example: 'https://sso.example.com' },
      { key: 'realm', label: 'tplKeycloakRealm', example: 'myrealm' },
      clientIdInput(),
      apiInput,
    ],
    profile: (v) => ({
      name: 'Keycloak',
      hosts: [hostEntry(v.api ?? '')],
      auth: {
        kind: 'oauth2-authorization-code',
        issuer: `${base(v.server ?? '')}/realms/${v.realm}`,
        clientId: v.clientId,
        scope: 'openid offline_access',
      },
    }),
  },
  {
    id: 'github',
    name: 'GitHub',
    inputs: [
      clientIdInput('tplGithubClientId'),
      { key: 'clientSecret', label: 'tplClientSecret', example: 'your-client-secret' },
    ],
    profile: (v) => ({
      name: 'GitHub',
      hosts: ['api.github.com'],
      auth: {
        kind: 'oauth2-authorization-code',
        authorizationUrl: 'https://github.com/login/oauth/authorize',
        tokenUrl: 'https://github.com/login/oauth/access_token',
        clientId: v.clientId,
        clientSecret: v.clientSecret,
        // GitHub reads the secret from the form, not from HTTP Basic.
        clientAuthMethod: 'client_secret_post',
      },
      testUrl: 'https://api.github.com/user',
    }),
  },
  {
    id: 'supabase',
    name: 'Supabase',
    inputs: [
      { key: 'project', label: 'tplSupabaseProject', example: 'https://abcdefghijklmnop.supabase.co' },
      { key: 'anonKey', label: 'tplSupabaseAnonKey', example: 'your-anon-key' },
    ],
    profile: (v) => {
      const project = base(v.project ?? '');
      const apikey = { apikey: v.anonKey };
      return {
        name: 'Supabase',
        hosts: [hostOf(project)],
        // Every request to the project needs both: the anon key, and the user's token.
        headers: [
          { name: 'Authorization', value: 'Bearer {access_token}' },
          { name: 'apikey', value: v.anonKey },
        ],
        auth: {
          kind: 'json-login',
          login: {
            url: `${project}/auth/v1/token?grant_type=password`,
            headers: apikey,
            body: { email: '{username}', password: '{password}' },
          },
          refresh: {
            url: `${project}/auth/v1/token?grant_type=refresh_token`,
            headers: apikey,
            body: { refresh_token: '{refresh_token}' },
          },
        },
        testUrl: `${project}/auth/v1/user`,
      };
    },
  },
  {
    id: 'firebase',
    name: 'Firebase Authentication',
    inputs: [
      { key: 'apiKey', label: 'tplFirebaseApiKey', example: 'your-web-api-key' },
      { ...apiInput, example: 'firestore.googleapis.com' },
    ],
    profile: (v) => {
      const key = encodeURIComponent(v.apiKey ?? '');
      return {
        name: 'Firebase',
        hosts: [hostEntry(v.api ?? '')],
        auth: {
          kind: 'json-login',
          login: {
            url: `https://identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=${key}`,
            body: { email: '{username}', password: '{password}', returnSecureToken: true },
          },
          // The refresh is Google's secure token service: a form, answering in other names.
          refresh: {
            url: `https://securetoken.googleapis.com/v1/token?key=${key}`,
            encoding: 'form',
            body: { grant_type: 'refresh_token', refresh_token: '{refresh_token}' },
            response: { accessToken: 'id_token', refreshToken: 'refresh_token', expiresIn: 'expires_in' },
          },
          response: { accessToken: 'idToken', refreshToken: 'refreshToken', expiresIn: 'expiresIn' },
        },
      };
    },
  },
  {
    id: 'directus',
    name: 'Directus',
    inputs: [{ key: 'url', label: 'tplDirectusUrl', example: 'https://cms.example.com' }],
    profile: (v) => {
      const url = base(v.url ?? '');
      const response = {
        accessToken: 'data.access_token',
        refreshToken: 'data.refresh_token',
        expiresIn: 'data.expires',
        expiresInUnit: 'milliseconds',
      };
      return {
        name: 'Directus',
        hosts: [hostOf(url)],
        auth: {
          kind: 'json-login',
          login: { url: `${url}/auth/login`, body: { email: '{username}', password: '{password}' } },
          refresh: { url: `${url}/auth/refresh`, body: { refresh_token: '{refresh_token}', mode: 'json' } },
          response,
        },
        testUrl: `${url}/users/me`,
      };
    },
  },
  {
    id: 'strapi',
    name: 'Strapi',
    inputs: [{ key: 'url', label: 'tplStrapiUrl', example: 'https://cms.example.com' }],
    profile: (v) => {
      const url = base(v.url ?? '');
      return {
        name: 'Strapi',
        hosts: [hostOf(url)],
        auth: {
          kind: 'json-login',
          // No refresh: the JWT lives 30 days by default, and its `exp` says when to sign in again.
          login: { url: `${url}/api/auth/local`, body: { identifier: '{username}', password: '{password}' } },
          response: { accessToken: 'jwt' },
        },
        testUrl: `${url}/api/users/me`,
      };
    },
  },
  {
    id: 'pocketbase',
    name: 'PocketBase',
    inputs: [
      { key: 'url', label: 'tplPocketbaseUrl', example: 'https://pb.example.com' },
      { key: 'collection', label: 'tplPocketbaseCollection', example: 'users' },
    ],
    profile: (v) => {
      const collection = `${base(v.url ?? '')}/api/collections/${v.collection || 'users'}`;
      return {
        name: 'PocketBase',
        hosts: [hostOf(v.url ?? '')],
        // PocketBase reads the token as the whole Authorization value.
        headers: [{ name: 'Authorization', value: '{access_token}' }],
        auth: {
          kind: 'json-login',
          login: {
            url: `${collection}/auth-with-password`,
            body: { identity: '{username}', password: '{password}' },
          },
          // Its refresh takes the current token, not a refresh token: it renews while that is valid.
          refresh: { url: `${collection}/auth-refresh`, headers: { Authorization: '{access_token}' } },
          response: { accessToken: 'token' },
        },
      };
    },
  },
];

/** The template's example values: what docs/examples/ID.json is made of. */
export const exampleValues = (template: Template): Record<string, string> =>
  Object.fromEntries(template.inputs.map(({ key, example }) => [key, example]));

export function templateById(id: string): Template | undefined {
  return TEMPLATES.find((template) => template.id === id);
}
