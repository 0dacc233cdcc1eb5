// docs/providers.md, recipe by recipe: each example file validates and is its template filled
// in; each signs in, reaches the API with the headers the service wants, and refreshes, against a
// local stand-in that answers as the service's documentation says (the JSON logins), or
// oidc-provider configured the same way (the OAuth ones), or at the fetch seam where what
// matters is what is sent (parameters, client authentication).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { renew, signIn, type TokenServiceDeps } from '../../src/background/token-service.js';
import { type Profile, parseProfileFile, validateProfile } from '../../src/core/profile.js';
import { headersFor } from '../../src/core/rules.js';
import { exampleValues, TEMPLATES, type Template, templateById } from '../../src/core/templates.js';
import { jwtClaims } from '../../src/core/token-answer.js';
import { failure } from '../support/failure.js';
import { PUBLIC_CLIENT, TestProvider } from '../support/oidc.js';
import {
  FIREBASE_API_KEY,
  SERVICE_USER,
  type ServiceName,
  ServiceStandIn,
  SUPABASE_ANON_KEY,
} from '../support/services.js';
import '../support/messages.js';

const REDIRECT = 'https://extension.example/';
const credentials = { username: SERVICE_USER.email, password: SERVICE_USER.password };

/** The template filled in, with every URL on `from` moved to `to` (a stand-in on loopback). */
function profileFrom(
  template: Template,
  values: Record<string, string>,
  moves: Array<[string, string]> = [],
): Profile {
  let text = JSON.stringify(template.profile({ ...exampleValues(template), ...values }));
  for (const [from, to] of moves) text = text.split(from).join(to);
  const valid = validateProfile(JSON.parse(text));
  assert.ok(valid.ok, JSON.stringify(valid));
  return valid.value;
}

const template = (id: string): Template => {
  const found = templateById(id);
  assert.ok(found, id);
  return found;
};

const depsWith = (launch: (url: string) => Promise<string> = async () => assert.fail('no window')) =>
  ({
    fetch,
    now: () => Date.now(),
    timeoutMs: 2_000,
    webAuthFlow: { redirectUrl: () => REDIRECT, launch },
  }) satisfies TokenServiceDeps;

describe('recipes: the example files', () => {
  it('every template has its example file, which validates and is the template filled with its example values', () => {
    const files = readdirSync('docs/examples').filter((name) => name.endsWith('.json'));
    assert.deepEqual(files.sort(), TEMPLATES.map((t) => `${t.id}.json`).sort());
    for (const t of TEMPLATES) {
      const parsed = parseProfileFile(readFileSync(`docs/examples/${t.id}.json`, 'utf8'));
      assert.ok(parsed.ok, `${t.id}: ${JSON.stringify(parsed)}`);
      const filled = validateProfile(t.profile(exampleValues(t)));
      assert.ok(filled.ok, t.id);
      assert.deepEqual(parsed.value.profiles, [filled.value], t.id);
    }
  });

  it('docs/providers.md has a section for every template, linking its example, and the README links it', () => {
    const guide = readFileSync('docs/providers.md', 'utf8');
    for (const t of TEMPLATES) {
      assert.match(guide, new RegExp(`\\(examples/${t.id}\\.json\\)`), t.id);
    }
    assert.match(readFileSync('README.md', 'utf8'), /docs\/providers\.md/);
  });
});

describe('recipes: the JSON logins, against stand-ins of the services', () => {
  const standIns = new Map<ServiceName, ServiceStandIn>();
  const names: ServiceName[] = ['supabase', 'firebase', 'directus', 'pocketbase', 'strapi'];
  before(async () => {
    for (const name of names) {
      const standIn = new ServiceStandIn(name);
      await standIn.start();
      standIns.set(name, standIn);
    }
  });
  after(async () => {
    for (const standIn of standIns.values()) await standIn.stop();
  });
  const standIn = (name: ServiceName) => standIns.get(name) as ServiceStandIn;

  /** The API call a page makes, with the headers the rules would set. */
  const callApi = async (
    service: ServiceStandIn,
    profile: Profile,
    tokens: Parameters<typeof headersFor>[1],
  ) => (await fetch(`${service.origin}${service.dataPath}`, { headers: headersFor(profile, tokens) })).status;

  it('Supabase: the anon key on the login, and two headers on every API request', async () => {
    const service = standIn('supabase');
    const profile = profileFrom(template('supabase'), {
      project: service.origin,
      anonKey: SUPABASE_ANON_KEY,
    });
    const { tokens } = await signIn(profile, credentials, depsWith());
    assert.equal(await callApi(service, profile, tokens), 200);
    assert.deepEqual(Object.keys(headersFor(profile, tokens)).sort(), ['Authorization', 'apikey']);
    const { tokens: renewed } = await renew(profile, tokens, depsWith());
    assert.notEqual(renewed.accessToken, tokens.accessToken);
    assert.equal(await callApi(service, profile, renewed), 200);
    const withoutKey = { ...profile, headers: profile.headers.slice(0, 1) };
    assert.equal(await callApi(service, withoutKey, renewed), 401, 'the stand-in wants both headers');
    const refused = await failure(signIn(profile, { ...credentials, password: 'wrong' }, depsWith()));
    assert.match(refused.message, /answered 400: Invalid login credentials/);
  });

  it('Firebase: a JSON login, then a form-encoded refresh that answers in other names, lifetimes as text', async () => {
    const service = standIn('firebase');
    const profile = profileFrom(template('firebase'), { apiKey: FIREBASE_API_KEY, api: service.origin }, [
      ['https://identitytoolkit.googleapis.com', service.origin],
      ['https://securetoken.googleapis.com', service.origin],
    ]);
    const before = Date.now();
    const { tokens } = await signIn(profile, credentials, depsWith());
    assert.equal(tokens.expirySource, 'answer');
    assert.ok(Math.abs(tokens.expiresAt - before - 3_600_000) < 5_000, '"3600" is seconds');
    assert.equal(await callApi(service, profile, tokens), 200);
    const { tokens: renewed } = await renew(profile, tokens, depsWith());
    assert.notEqual(renewed.refreshToken, tokens.refreshToken, 'the refresh answer’s refresh_token is read');
    assert.equal(await callApi(service, profile, renewed), 200);
    const refresh = service.received.find((r) => r.path.startsWith('/v1/token'));
    assert.equal(refresh?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(new URLSearchParams(refresh?.body).get('grant_type'), 'refresh_token');
    const refused = await failure(signIn(profile, { ...credentials, password: 'wrong' }, depsWith()));
    assert.match(refused.message, /INVALID_LOGIN_CREDENTIALS/);
  });

  it('Directus: expires in milliseconds, the refresh in JSON mode', async () => {
    const service = standIn('directus');
    const profile = profileFrom(template('directus'), { url: service.origin });
    const before = Date.now();
    const { tokens } = await signIn(profile, credentials, depsWith());
    assert.ok(Math.abs(tokens.expiresAt - before - 3_600_000) < 5_000, 'an hour, not a thousand hours');
    assert.equal(await callApi(service, profile, tokens), 200);
    const { tokens: renewed } = await renew(profile, tokens, depsWith());
    assert.equal(await callApi(service, profile, renewed), 200);
    const refused = await failure(signIn(profile, { ...credentials, password: 'wrong' }, depsWith()));
    assert.match(refused.message, /answered 401: Invalid user credentials\./);
  });

  it('PocketBase: the token as the whole header, renewed with itself (no refresh token)', async () => {
    const service = standIn('pocketbase');
    const profile = profileFrom(template('pocketbase'), { url: service.origin });
    const { tokens } = await signIn(profile, credentials, depsWith());
    assert.equal(tokens.refreshToken, undefined);
    assert.equal(tokens.expirySource, 'jwt');
    assert.equal(await callApi(service, profile, tokens), 200);
    const { tokens: renewed } = await renew(profile, tokens, depsWith());
    assert.notEqual(renewed.accessToken, tokens.accessToken);
    assert.equal(await callApi(service, profile, renewed), 200);
    const refused = await failure(signIn(profile, { ...credentials, password: 'wrong' }, depsWith()));
    assert.match(refused.message, /answered 400: Failed to authenticate\./);
  });

  it('Strapi: the JWT’s own expiry, no refresh', async () => {
    const service = standIn('strapi');
    service.lifetimeSeconds = 30 * 24 * 3600;
    const profile = profileFrom(template('strapi'), { url: service.origin });
    const { tokens } = await signIn(profile, credentials, depsWith());
    assert.equal(tokens.expirySource, 'jwt');
    assert.ok(tokens.expiresAt > Date.now() + 29 * 24 * 3600_000);
    assert.equal(await callApi(service, profile, tokens), 200);
    await assert.rejects(renew(profile, tokens, depsWith()), /nothing to renew|sign in again/i);
    const refused = await failure(signIn(profile, { ...credentials, password: 'wrong' }, depsWith()));
    assert.match(refused.message, /Invalid identifier or password/);
  });
});

describe('recipes: OAuth, against oidc-provider', () => {
  it('Entra ID, multi-tenant: signs in through "organizations" and checks the token’s tenant', async () => {
    const provider = new TestProvider({
      hostname: '127.0.0.1',
      redirectUri: REDIRECT,
      allowedOrigins: [],
      accessTokenSeconds: 60,
      multiTenant: { tenant: '9188040d-6c67-4c5b-b112-36a304b66dad' },
    });
    await provider.start();
    try {
      const profile = profileFrom(template('entra-id'), { clientId: PUBLIC_CLIENT, scope: 'api' }, [
        ['https://login.microsoftonline.com', provider.origin],
      ]);
      let opened: URL | undefined;
      const tokenRequests: URLSearchParams[] = [];
      const deps = {
        ...depsWith((url) => {
          opened = new URL(url);
          return provider.signInWithoutBrowser(url, 'ines');
        }),
        fetch: async (input: string | URL | Request, init?: RequestInit) => {
          if (String(input).endsWith('/token')) tokenRequests.push(new URLSearchParams(String(init?.body)));
          return fetch(input, init);
        },
      };
      const { tokens } = await signIn(profile, undefined, deps);
      assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`));
      assert.equal(opened?.searchParams.get('prompt'), 'select_account', 'not consent');
      const { tokens: renewed } = await renew(profile, tokens, deps);
      assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`));
      // Microsoft's refresh names the scopes again, those of the sign-in (docs/providers.md);
      // a public client: no secret in any request (Microsoft refuses one with an Origin).
      const refresh = tokenRequests.find((body) => body.get('grant_type') === 'refresh_token');
      assert.equal(refresh?.get('scope'), opened?.searchParams.get('scope'));
      assert.equal(refresh?.get('scope'), 'openid profile offline_access api');
      assert.ok(tokenRequests.every((body) => !body.has('client_secret')));
    } finally {
      await provider.stop();
    }
  });

  it('Cognito: the ID token is the header, and the token stops with it', async () => {
    const provider = new TestProvider({
      hostname: '127.0.0.1',
      path: '/eu-west-1_AbCdEfGhI',
      redirectUri: REDIRECT,
      allowedOrigins: [],
      accessTokenSeconds: 3600,
    });
    await provider.start();
    try {
      const profile = profileFrom(template('cognito'), { clientId: PUBLIC_CLIENT }, [
        ['https://cognito-idp.eu-west-1.amazonaws.com', provider.origin],
      ]);
      const deps = depsWith((url) => provider.signInWithoutBrowser(url, 'olga'));
      const { tokens } = await signIn(profile, undefined, deps);
      const header = headersFor(profile, tokens).Authorization;
      assert.equal(header, tokens.idToken);
      assert.equal(jwtClaims(header ?? '')?.iss, provider.issuer);
      // oidc-provider's ID tokens live an hour, as its access tokens here: the header lasts no longer.
      const exp = jwtClaims(tokens.idToken ?? '')?.exp as number;
      assert.ok(tokens.expiresAt <= exp * 1000);
      // Without openid there is no ID token: the sign-in says so, rather than sending "{id_token}".
      const noOpenId = { ...profile, auth: { ...profile.auth, scope: 'offline_access' } } as Profile;
      const refused = await failure(signIn(noOpenId, undefined, deps));
      assert.match(refused.message, /no ID token/);
    } finally {
      await provider.stop();
    }
  });

  it('Keycloak: the realm’s issuer', async () => {
    const provider = new TestProvider({
      hostname: '127.0.0.1',
      path: '/realms/myrealm',
      redirectUri: REDIRECT,
      allowedOrigins: [],
      accessTokenSeconds: 60,
    });
    await provider.start();
    try {
      const profile = profileFrom(template('keycloak'), { server: provider.origin, clientId: PUBLIC_CLIENT });
      const deps = depsWith((url) => provider.signInWithoutBrowser(url, 'kim'));
      const { tokens } = await signIn(profile, undefined, deps);
      const { tokens: renewed } = await renew(profile, tokens, deps);
      assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`));
    } finally {
      await provider.stop();
    }
  });
});

describe('recipes: OAuth, what is sent (the fetch seam)', () => {
  /** A provider at the template's own URLs: discovery, and a token endpoint that records each request. */
  const seam = (issuer: string | undefined, tokenUrl: string, authorizationUrl: string) => {
    const tokenRequests: Array<{ body: URLSearchParams; headers: Headers }> = [];
    const fake = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (issuer && url.startsWith(issuer.replace(/\/$/, '')) && url.includes('/.well-known/')) {
        return Response.json({ issuer, authorization_endpoint: authorizationUrl, token_endpoint: tokenUrl });
      }
      if (url === tokenUrl) {
        tokenRequests.push({
          body: new URLSearchParams(String(init?.body)),
          headers: new Headers(init?.headers),
        });
        return Response.json({
          access_token: 'A',
          refresh_token: 'R',
          token_type: 'Bearer',
          expires_in: 3600,
        });
      }
      return new Response('not here', { status: 404 });
    };
    return { tokenRequests, fetch: fake as typeof fetch };
  };
  const signInAt = async (
    profile: Profile,
    issuer: string | undefined,
    tokenUrl: string,
    authorizationUrl: string,
  ) => {
    const { tokenRequests, fetch: fake } = seam(issuer, tokenUrl, authorizationUrl);
    let opened: URL | undefined;
    const deps = {
      ...depsWith(async (url) => {
        opened = new URL(url);
        return `${REDIRECT}?code=C&state=${opened.searchParams.get('state')}`;
      }),
      fetch: fake,
    };
    await signIn(profile, undefined, deps);
    return { opened: opened as URL, tokenRequests };
  };

  it('Auth0: the audience on the sign-in page, so the token is for the API', async () => {
    const profile = profileFrom(template('auth0'), { domain: 'recipe-auth0.eu.auth0.com' });
    const issuer = 'https://recipe-auth0.eu.auth0.com/';
    const { opened } = await signInAt(profile, issuer, `${issuer}oauth/token`, `${issuer}authorize`);
    assert.equal(opened.searchParams.get('audience'), 'https://api.example.com');
    assert.match(opened.searchParams.get('scope') ?? '', /offline_access/);
  });

  it('Google: access_type=offline with prompt=consent (and select_account, for a second account), the secret at oauth2.googleapis.com', async () => {
    const profile = profileFrom(template('google'), {});
    const { opened, tokenRequests } = await signInAt(
      profile,
      'https://accounts.google.com',
      'https://oauth2.googleapis.com/token',
      'https://accounts.google.com/o/oauth2/v2/auth',
    );
    assert.equal(opened.searchParams.get('access_type'), 'offline');
    assert.equal(opened.searchParams.get('prompt'), 'consent select_account');
    assert.doesNotMatch(opened.searchParams.get('scope') ?? '', /offline_access/, 'Google refuses it');
    assert.match(tokenRequests[0]?.headers.get('authorization') ?? '', /^Basic /);
  });

  it('Okta: no prompt=consent', async () => {
    const profile = profileFrom(template('okta'), { domain: 'recipe-okta.okta.com' });
    const issuer = 'https://recipe-okta.okta.com/oauth2/default';
    const { opened } = await signInAt(profile, issuer, `${issuer}/v1/token`, `${issuer}/v1/authorize`);
    assert.equal(opened.searchParams.has('prompt'), false);
  });

  it('GitHub: the secret in the form (client_secret_post)', async () => {
    const profile = profileFrom(template('github'), {});
    const { tokenRequests } = await signInAt(
      profile,
      undefined,
      'https://github.com/login/oauth/access_token',
      'https://github.com/login/oauth/authorize',
    );
    assert.equal(tokenRequests[0]?.body.get('client_secret'), 'your-client-secret');
    assert.equal(tokenRequests[0]?.headers.get('authorization'), null);
    assert.match(
      tokenRequests[0]?.headers.get('accept') ?? '',
      /application\/json/,
      'GitHub answers JSON only when asked',
    );
  });
});
