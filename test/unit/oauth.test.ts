// The OAuth adapter against a real authorization server (oidc-provider on loopback).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  authorizationCodeFlow,
  authorizationServer,
  clientCredentialsGrant,
  passwordGrant,
  refreshGrant,
} from '../../src/background/oauth.js';
import { renew, signIn } from '../../src/background/token-service.js';
import { plainHttpEndpoints } from '../../src/core/auth-requests.js';
import { validateProfile } from '../../src/core/profile.js';
import { afterRefresh, signedIn as signedInSession } from '../../src/core/session.js';
import { jwtClaims } from '../../src/core/token-answer.js';
import { failure } from '../support/failure.js';
import {
  CONFIDENTIAL_CLIENT,
  CONFIDENTIAL_SECRET,
  MACHINE_CLIENT,
  MACHINE_SECRET,
  POST_ONLY_CLIENT,
  PUBLIC_CLIENT,
  TestProvider,
} from '../support/oidc.js';
import { TestApi } from '../support/test-api.js';
import '../support/messages.js'; // the English messages

const REDIRECT = 'https://extension.example/';
const deps = { fetch, now: () => Date.now(), timeoutMs: 2_000 };

describe('OAuth through oauth4webapi, against oidc-provider', () => {
  const provider = new TestProvider({
    hostname: '127.0.0.1',
    redirectUri: REDIRECT,
    allowedOrigins: [],
    accessTokenSeconds: 60,
  });
  const codeAuth = () =>
    ({
      kind: 'oauth2-authorization-code',
      issuer: provider.issuer,
      clientId: PUBLIC_CLIENT,
      scope: 'openid offline_access',
    }) as const;
  const machine = () =>
    ({
      kind: 'oauth2-client-credentials',
      tokenUrl: `${provider.issuer}/token`,
      clientId: MACHINE_CLIENT,
      clientSecret: MACHINE_SECRET,
    }) as const;

  before(() => provider.start());
  after(() => provider.stop());

  it('client credentials: a token the server issued, with its lifetime', async () => {
    const tokens = await clientCredentialsGrant(machine(), 3600, deps);
    assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`));
    assert.ok(Math.abs(tokens.expiresAt - tokens.issuedAt - 60_000) < 2_000);
  });

  it('a client registered for client_secret_post signs in with the secret in the form', async () => {
    // oidc-provider also takes Basic from such a client, so the refusal a strict server gives is
    // not shown here; the form-encoded secret itself is checked at the fetch seam below.
    const postOnly = {
      ...machine(),
      clientId: POST_ONLY_CLIENT,
      clientAuthMethod: 'client_secret_post' as const,
    };
    const tokens = await clientCredentialsGrant(postOnly, 3600, deps);
    assert.ok(tokens.accessToken);
  });

  it('a wrong client secret is refused with the provider’s words', async () => {
    const error = await failure(clientCredentialsGrant({ ...machine(), clientSecret: 'nope' }, 3600, deps));
    assert.equal(error.kind, 'rejected');
    assert.match(error.message, /answered 401: invalid_client/);
  });

  const signIn = (auth: Parameters<typeof authorizationCodeFlow>[0]) =>
    authorizationCodeFlow(
      auth,
      3600,
      { redirectUrl: () => REDIRECT, launch: (url) => provider.signInWithoutBrowser(url, 'dana') },
      deps,
    );

  it('signs in on the provider’s own pages and refreshes with rotation', async () => {
    const { tokens, username } = await signIn(codeAuth());
    assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`));
    assert.equal(username, 'dana', 'the ID token’s subject names the user');
    const renewed = await refreshGrant(codeAuth(), tokens.refreshToken as string, 3600, deps);
    assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`));
    assert.notEqual(renewed.refreshToken, tokens.refreshToken);
  });

  it('a client with a secret signs in and refreshes', async () => {
    const confidential = { ...codeAuth(), clientId: CONFIDENTIAL_CLIENT, clientSecret: CONFIDENTIAL_SECRET };
    const { tokens } = await signIn(confidential);
    assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`));
    const renewed = await refreshGrant(confidential, tokens.refreshToken as string, 3600, deps);
    assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`));
  });

  it('with the endpoints given instead of an issuer, signs in and refreshes too', async () => {
    const { issuer: _, ...rest } = codeAuth();
    const endpoints = {
      ...rest,
      authorizationUrl: `${provider.issuer}/auth`,
      tokenUrl: `${provider.issuer}/token`,
    };
    const { tokens, username } = await signIn(endpoints);
    assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`));
    assert.equal(username, 'dana');
    const renewed = await refreshGrant(endpoints, tokens.refreshToken as string, 3600, deps);
    assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`));
  });

  it('a wrong issuer ends in a clear message', async () => {
    const unreachable = await failure(
      authorizationCodeFlow(
        { ...codeAuth(), issuer: 'http://127.0.0.1:9' },
        3600,
        { redirectUrl: () => REDIRECT, launch: async () => '' },
        deps,
      ),
    );
    assert.match(unreachable.message, /^discovery of http:\/\/127\.0\.0\.1:9 failed: could not reach/);
    const wrongPath = await failure(
      authorizationCodeFlow(
        { ...codeAuth(), issuer: `${provider.issuer}/nope` },
        3600,
        { redirectUrl: () => REDIRECT, launch: async () => '' },
        deps,
      ),
    );
    assert.match(wrongPath.message, /^discovery of .*\/nope failed/);
  });

  it('sends PKCE S256 and state, and refuses an answer with another state', async () => {
    let asked: URL | undefined;
    const error = await failure(
      authorizationCodeFlow(
        codeAuth(),
        3600,
        {
          redirectUrl: () => REDIRECT,
          launch: async (url) => {
            asked = new URL(url);
            return `${REDIRECT}?code=abc&state=not-the-one&iss=${encodeURIComponent(provider.issuer)}`;
          },
        },
        deps,
      ),
    );
    assert.equal(asked?.searchParams.get('code_challenge_method'), 'S256');
    assert.ok((asked?.searchParams.get('code_challenge') ?? '').length >= 43);
    assert.ok(asked?.searchParams.get('state'));
    assert.equal(asked?.searchParams.get('redirect_uri'), REDIRECT);
    assert.equal(asked?.searchParams.get('prompt'), 'consent', 'offline_access needs consent');
    assert.equal(error.kind, 'rejected');
    assert.match(error.message, /state that does not match/);
  });

  it('shows the provider’s error as it wrote it', async () => {
    const error = await failure(
      authorizationCodeFlow(
        codeAuth(),
        3600,
        {
          redirectUrl: () => REDIRECT,
          launch: async (url) => {
            const state = new URL(url).searchParams.get('state');
            return `${REDIRECT}?error=access_denied&error_description=${encodeURIComponent('End-User aborted interaction')}&state=${state}&iss=${encodeURIComponent(provider.issuer)}`;
          },
        },
        deps,
      ),
    );
    assert.equal(error.message, 'the provider refused: access_denied: End-User aborted interaction');
  });

  it('a closed sign-in window says so', async () => {
    const error = await failure(
      authorizationCodeFlow(
        codeAuth(),
        3600,
        {
          redirectUrl: () => REDIRECT,
          launch: async () => {
            throw new Error('The user did not approve access.');
          },
        },
        deps,
      ),
    );
    assert.match(error.message, /^the sign-in window was closed before sign-in finished/);
  });

  it('a refresh token the server does not know is invalid_grant, "rejected"', async () => {
    const error = await failure(refreshGrant(codeAuth(), 'not-a-refresh-token', 3600, deps));
    assert.equal(error.kind, 'rejected');
    assert.match(error.message, /answered 400: invalid_grant/);
  });
});

describe('OAuth with an issuer that has a path (Keycloak’s /realms/NAME)', () => {
  const provider = new TestProvider({
    hostname: '127.0.0.1',
    path: '/realms/test',
    redirectUri: REDIRECT,
    allowedOrigins: [],
    accessTokenSeconds: 60,
  });
  before(() => provider.start());
  after(() => provider.stop());

  it('finds the issuer written with or without a trailing slash, and checks the ID token against it', async () => {
    for (const issuer of [provider.issuer, `${provider.issuer}/`]) {
      const auth = {
        kind: 'oauth2-authorization-code',
        issuer,
        clientId: PUBLIC_CLIENT,
        scope: 'openid offline_access',
      } as const;
      const flow = {
        redirectUrl: () => REDIRECT,
        launch: (url: string) => provider.signInWithoutBrowser(url, 'fred'),
      };
      const { tokens, username } = await authorizationCodeFlow(auth, 3600, flow, deps);
      assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`), issuer);
      assert.equal(username, 'fred');
      const renewed = await refreshGrant(auth, tokens.refreshToken as string, 3600, deps);
      assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`), issuer);
    }
  });
});

describe('OAuth password grant through oauth4webapi, against a token endpoint', () => {
  const api = new TestApi({ ttlSeconds: 120, users: { carol: 'pw' } });
  const auth = () =>
    ({
      kind: 'oauth2-password',
      tokenUrl: `http://127.0.0.1:${api.port}/oauth/token`,
      clientId: 'cli',
    }) as const;
  before(() => api.start());
  after(() => api.stop());

  it('signs in with the password grant and refreshes with rotation', async () => {
    const tokens = await passwordGrant(auth(), { username: 'carol', password: 'pw' }, 3600, deps);
    assert.ok(api.isValid(`Bearer ${tokens.accessToken}`));
    assert.ok(tokens.refreshToken);
    const renewed = await refreshGrant(auth(), tokens.refreshToken as string, 3600, deps);
    assert.ok(api.isValid(`Bearer ${renewed.accessToken}`));
    assert.notEqual(renewed.refreshToken, tokens.refreshToken);
    const replay = await failure(refreshGrant(auth(), tokens.refreshToken as string, 3600, deps));
    assert.match(replay.message, /answered 400: invalid_grant: refresh token is not valid/);
  });

  it('an ID token from an issuer the profile does not name is no reason to refuse the answer', async () => {
    // Keycloak's issuer is `…/realms/NAME`: the token URL's origin is not it, and the profile
    // gives only the token URL, so there is nothing to check the ID token's `iss` against.
    api.idTokenIssuer = `http://127.0.0.1:${api.port}/realms/test`;
    try {
      const openid = { ...auth(), scope: 'openid' };
      const tokens = await passwordGrant(openid, { username: 'carol', password: 'pw' }, 3600, deps);
      assert.ok(api.isValid(`Bearer ${tokens.accessToken}`));
      const renewed = await refreshGrant(openid, tokens.refreshToken as string, 3600, deps);
      assert.ok(api.isValid(`Bearer ${renewed.accessToken}`));
    } finally {
      api.idTokenIssuer = undefined;
    }
  });

  it('a wrong password shows the server’s words', async () => {
    const error = await failure(passwordGrant(auth(), { username: 'carol', password: 'nope' }, 3600, deps));
    assert.equal(error.kind, 'rejected');
    assert.match(error.message, /answered 400: invalid_grant: wrong username or password$/);
  });
});

describe('OAuth discovery never downgrades', () => {
  const issuer = 'https://id.example.com';
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: 'http://id.example.com/token',
    response_types_supported: ['code'],
  };
  /** The fetch seam: serves the discovery document; any other request is recorded. */
  const seam = () => {
    const requested: string[] = [];
    const fetchAt = async (input: string | URL | Request) => {
      const url = String(input instanceof Request ? input.url : input);
      requested.push(url);
      if (url === `${issuer}/.well-known/openid-configuration`) return Response.json(metadata);
      return new Response('not here', { status: 404 });
    };
    return { requested, deps: { fetch: fetchAt as typeof fetch, now: () => Date.now(), timeoutMs: 2_000 } };
  };

  it('an http issuer (local development) may name http endpoints: they are reported for the warning', async () => {
    const local = 'http://id.local.test';
    const told: Array<[string, string[]]> = [];
    const fetchAt = async (input: string | URL | Request) =>
      String(input) === `${local}/.well-known/openid-configuration`
        ? Response.json({
            issuer: local,
            authorization_endpoint: `${local}/authorize`,
            token_endpoint: 'http://tokens.local.test/token',
            jwks_uri: `${local}/jwks`,
          })
        : new Response('not here', { status: 404 });
    const server = await authorizationServer(
      { kind: 'oauth2-authorization-code', issuer: local, clientId: 'c' },
      {
        fetch: fetchAt as typeof fetch,
        now: () => Date.now(),
        onDiscovered: async (issuer, endpoints) => void told.push([issuer, endpoints]),
      },
    );
    assert.equal(server.token_endpoint, 'http://tokens.local.test/token');
    assert.deepEqual(told, [
      [local, [`${local}/authorize`, 'http://tokens.local.test/token', `${local}/jwks`]],
    ]);
    // What the pages warn about: the configured issuer and every plain-http endpoint it named.
    assert.deepEqual(
      plainHttpEndpoints({ kind: 'oauth2-authorization-code', issuer: local, clientId: 'c' }, told[0]?.[1]),
      [local, `${local}/authorize`, 'http://tokens.local.test/token', `${local}/jwks`],
    );
  });

  it('refuses an https issuer whose metadata names a plain-http endpoint, before any sign-in', async () => {
    const { requested, deps: seamDeps } = seam();
    let launched = false;
    const error = await failure(
      authorizationCodeFlow(
        { kind: 'oauth2-authorization-code', issuer, clientId: 'c', scope: 'openid' },
        3600,
        {
          redirectUrl: () => REDIRECT,
          launch: async () => {
            launched = true;
            return '';
          },
        },
        seamDeps,
      ),
    );
    assert.match(
      error.message,
      /https:\/\/id\.example\.com is https, but its discovery document names plain-http endpoints \(token_endpoint http:\/\/id\.example\.com\/token\)/,
    );
    assert.equal(launched, false, 'no sign-in window opened');
    assert.deepEqual(requested, [`${issuer}/.well-known/openid-configuration`], 'nothing sent over http');
  });
});

describe('OAuth extra parameters and client authentication (Auth0 audience, client_secret_post, prompt)', () => {
  let tenants = 0;
  /**
   * The fetch seam: a provider's discovery and token endpoint, recording each token request. A
   * new tenant each time: discovery is cached per issuer for the worker's life.
   */
  const provider = (authMethods: string[]) => {
    const issuer = `https://tenant-${++tenants}.example.com`;
    const tokenRequests: Array<{ body: URLSearchParams; authorization: string | null }> = [];
    const fetchAt = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === `${issuer}/.well-known/openid-configuration`) {
        return Response.json({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/oauth/token`,
          token_endpoint_auth_methods_supported: authMethods,
        });
      }
      if (url === `${issuer}/oauth/token`) {
        const headers = new Headers(init?.headers);
        tokenRequests.push({
          body: new URLSearchParams(String(init?.body)),
          authorization: headers.get('authorization'),
        });
        return Response.json({ access_token: 'A', refresh_token: 'R', token_type: 'Bearer', expires_in: 60 });
      }
      return new Response('not here', { status: 404 });
    };
    return {
      issuer,
      tokenRequests,
      deps: { fetch: fetchAt as typeof fetch, now: () => Date.now(), timeoutMs: 2_000 },
    };
  };
  const signInWith = async (auth: Record<string, unknown>, authMethods: string[]) => {
    const { issuer, tokenRequests, deps: seamDeps } = provider(authMethods);
    let opened: URL | undefined;
    await authorizationCodeFlow(
      { kind: 'oauth2-authorization-code', issuer, clientId: 'app', ...auth } as never,
      3600,
      {
        redirectUrl: () => REDIRECT,
        launch: async (url) => {
          opened = new URL(url);
          return `${REDIRECT}?code=C&state=${opened.searchParams.get('state')}`;
        },
      },
      seamDeps,
    );
    return { issuer, opened: opened as URL, tokenRequests, seamDeps };
  };

  it('adds the authorization and token parameters; a profile’s prompt replaces the default', async () => {
    const { issuer, opened, tokenRequests, seamDeps } = await signInWith(
      {
        scope: 'openid offline_access',
        authorizationParameters: { audience: 'https://api.example.com', prompt: 'login', login_hint: 'kim' },
        tokenParameters: { audience: 'https://api.example.com' },
      },
      [],
    );
    assert.equal(opened.searchParams.get('audience'), 'https://api.example.com');
    assert.equal(opened.searchParams.get('prompt'), 'login', 'not the default consent');
    assert.equal(opened.searchParams.get('login_hint'), 'kim');
    assert.equal(tokenRequests[0]?.body.get('audience'), 'https://api.example.com');
    assert.equal(tokenRequests[0]?.body.get('grant_type'), 'authorization_code');
    // The refresh carries them too.
    await refreshGrant(
      { kind: 'oauth2-authorization-code', issuer, clientId: 'app', tokenParameters: { audience: 'aud' } },
      'R',
      3600,
      seamDeps,
    );
    assert.equal(tokenRequests[1]?.body.get('grant_type'), 'refresh_token');
    assert.equal(tokenRequests[1]?.body.get('audience'), 'aud');
    // An empty prompt sends none, even with offline_access.
    const none = await signInWith(
      { scope: 'openid offline_access', authorizationParameters: { prompt: '' } },
      [],
    );
    assert.equal(none.opened.searchParams.has('prompt'), false);
    const byDefault = await signInWith({ scope: 'openid offline_access' }, []);
    assert.equal(byDefault.opened.searchParams.get('prompt'), 'consent');
  });

  it('sends the secret the way the profile or, else, the provider’s metadata says', async () => {
    const basicAuth = (request?: { authorization: string | null }) =>
      request?.authorization?.startsWith('Basic ');
    const post = await signInWith({ clientSecret: 's' }, ['client_secret_post', 'client_secret_basic']);
    assert.equal(post.tokenRequests[0]?.body.get('client_secret'), 's');
    assert.ok(!basicAuth(post.tokenRequests[0]), 'no Basic header');
    const basic = await signInWith({ clientSecret: 's' }, []);
    assert.ok(basicAuth(basic.tokenRequests[0]), 'Basic where the metadata lists none');
    assert.equal(basic.tokenRequests[0]?.body.get('client_secret'), null);
    const chosen = await signInWith({ clientSecret: 's', clientAuthMethod: 'client_secret_post' }, [
      'client_secret_basic',
    ]);
    assert.equal(chosen.tokenRequests[0]?.body.get('client_secret'), 's');
    const publicClient = await signInWith({}, ['client_secret_basic']);
    assert.equal(publicClient.tokenRequests[0]?.body.get('client_id'), 'app');
    assert.ok(!basicAuth(publicClient.tokenRequests[0]));
  });
});

describe('OAuth with a multi-tenant issuer (Entra ID’s common and organizations)', () => {
  const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const providerFor = (tid?: string) =>
    new TestProvider({
      hostname: '127.0.0.1',
      redirectUri: REDIRECT,
      allowedOrigins: [],
      accessTokenSeconds: 60,
      multiTenant: tid === undefined ? { tenant: TENANT } : { tenant: TENANT, tid },
    });
  const authFor = (provider: TestProvider, shared: string) =>
    ({
      kind: 'oauth2-authorization-code',
      issuer: `${provider.origin}/${shared}/v2.0`,
      clientId: PUBLIC_CLIENT,
      scope: 'openid offline_access',
    }) as const;
  const flowFor = (provider: TestProvider) => ({
    redirectUrl: () => REDIRECT,
    launch: (url: string) => provider.signInWithoutBrowser(url, 'ines'),
  });

  it('accepts the templated issuer its discovery names, and checks each ID token against it with the token’s tid', async () => {
    const provider = providerFor();
    await provider.start();
    try {
      for (const shared of ['common', 'organizations']) {
        const auth = authFor(provider, shared);
        const server = await authorizationServer(auth, deps);
        assert.equal(server.issuer, `${provider.origin}/{tenantid}/v2.0`);
        const { tokens, username } = await authorizationCodeFlow(auth, 3600, flowFor(provider), deps);
        assert.ok(provider.isValid(`Bearer ${tokens.accessToken}`), shared);
        assert.equal(username, 'ines');
        assert.ok(tokens.idToken, 'the ID token is kept, for a header that carries it');
        const renewed = await refreshGrant(auth, tokens.refreshToken as string, 3600, deps);
        assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`), shared);
      }
    } finally {
      await provider.stop();
    }
  });

  it('refuses an ID token whose tid names another tenant than its iss, and one without tid', async () => {
    for (const [tid, expected] of [
      ['72f988bf-86f1-41af-91ab-2d7cd011db47', /iss/],
      ['', /names no tenant \(tid\)/],
    ] as const) {
      const provider = providerFor(tid);
      await provider.start();
      try {
        const error = await failure(
          authorizationCodeFlow(authFor(provider, 'common'), 3600, flowFor(provider), deps),
        );
        assert.match(error.message, expected);
      } finally {
        await provider.stop();
      }
    }
  });

  it('takes a template only where the profile’s issuer fills it: another issuer’s metadata is still refused', async () => {
    const provider = providerFor();
    await provider.start();
    try {
      const auth = { ...authFor(provider, 'common'), issuer: `${provider.origin}/common/v1.0` };
      const error = await failure(authorizationServer(auth, deps));
      assert.match(error.message, /discovery|issuer/i);
    } finally {
      await provider.stop();
    }
  });
});

describe('signing in again without a window when the refresh token is refused (prompt=none)', () => {
  const provider = new TestProvider({
    hostname: '127.0.0.1',
    redirectUri: REDIRECT,
    allowedOrigins: [],
    accessTokenSeconds: 60,
  });
  before(() => provider.start());
  after(() => provider.stop());

  /** A browser: the provider's cookies live as long as it does; every launch is noted. */
  const browserWith = (cookies: Map<string, string>, login = 'nina') => {
    const launches: Array<{ url: URL; interactive: boolean }> = [];
    const deps = {
      ...deps0(),
      webAuthFlow: {
        redirectUrl: () => REDIRECT,
        launch: (url: string, { interactive } = { interactive: true }) => {
          launches.push({ url: new URL(url), interactive });
          return provider.signInWithoutBrowser(url, login, cookies, { interactive });
        },
      },
    };
    return { deps, launches };
  };
  const deps0 = () => ({ fetch, now: () => Date.now(), timeoutMs: 2_000 });
  const profile = () => {
    const valid = validateProfile({
      name: 'Silent',
      hosts: ['api.example.com'],
      auth: {
        kind: 'oauth2-authorization-code',
        issuer: provider.issuer,
        clientId: PUBLIC_CLIENT,
        scope: 'openid offline_access',
      },
    });
    assert.ok(valid.ok);
    return valid.value;
  };

  it('with the provider’s session alive: new tokens, once, without a window', async () => {
    const { deps, launches } = browserWith(new Map());
    const { tokens, subject } = await signIn(profile(), undefined, deps);
    assert.ok(tokens.refreshToken);
    assert.match(
      subject ?? '',
      /^http:\/\/127\.0\.0\.1:\d+ nina$/,
      'the checked ID token’s issuer and subject',
    );
    await provider.expireRefreshTokens();
    const renewed = await renew(profile(), tokens, deps, subject);
    assert.equal(renewed.signedInAgain, true);
    assert.ok(provider.isValid(`Bearer ${renewed.tokens.accessToken}`));
    assert.deepEqual(
      launches.map((l) => [l.interactive, l.url.searchParams.get('prompt')]),
      [
        [true, 'consent'],
        [false, 'none'],
      ],
    );
    // The refused refresh token is not kept (oidc-provider gives offline_access only with consent).
    const session = afterRefresh(
      signedInSession(tokens, 'nina', 'settings'),
      tokens,
      { ok: true, ...renewed },
      Date.now(),
    );
    assert.equal(session.tokens?.refreshToken, renewed.tokens.refreshToken);
    assert.match(session.lastRefresh?.message ?? '', /signed in again through the provider's session/);
  });

  it('without it: one silent try, then signed out with both reasons', async () => {
    const cookies = new Map<string, string>();
    const { deps } = browserWith(cookies);
    const { tokens, subject } = await signIn(profile(), undefined, deps);
    cookies.clear(); // the user signed out at the provider
    await provider.expireRefreshTokens();
    const { deps: later, launches } = browserWith(cookies);
    const error = await failure(renew(profile(), tokens, later, subject));
    assert.equal(error.kind, 'rejected');
    assert.match(error.message, /invalid_grant.*without a window, did not work either: .*login_required/);
    assert.equal(launches.length, 1, 'never loops');
    assert.equal(launches[0]?.interactive, false);
  });

  it('an account added beside the first asks the provider to sign someone in; a session of the other user never renews this one', async () => {
    const cookies = new Map<string, string>();
    const { deps } = browserWith(cookies);
    const nina = await signIn(profile(), undefined, deps);
    // Omar is added as a second account in the same browser: the provider is asked for a login.
    const { deps: asOmar, launches } = browserWith(cookies, 'omar');
    const omar = await signIn(profile(), undefined, asOmar, { anotherUser: true });
    assert.equal(launches[0]?.url.searchParams.get('prompt'), 'login consent');
    assert.notEqual(omar.username, nina.username);
    // The provider's session is Omar's now: Nina's refused refresh must not become Omar's tokens.
    await provider.expireRefreshTokens();
    const error = await failure(renew(profile(), nina.tokens, asOmar, nina.subject));
    assert.equal(error.kind, 'rejected');
    assert.match(error.message, /session is now .*omar.*, not this account's user/);
  });

  it('a sign-in that proved no user (no ID token it could check, as GitHub’s) is never renewed without a window: the user is asked', async () => {
    const cookies = new Map<string, string>();
    const { deps } = browserWith(cookies);
    // Without `openid` the provider gives no ID token: nothing says who signed in.
    const plain = () => {
      const p = profile();
      return { ...p, auth: { ...p.auth, scope: 'offline_access' } } as typeof p;
    };
    const { tokens, subject } = await signIn(plain(), undefined, deps);
    assert.equal(subject, undefined);
    await provider.expireRefreshTokens();
    // Another user's session in this browser now: before, it would have become this account's.
    const { deps: asOmar, launches } = browserWith(cookies, 'omar');
    const error = await failure(renew(plain(), tokens, asOmar, subject));
    assert.equal(error.kind, 'rejected');
    assert.match(
      error.message,
      /Sign in again: AutoBearer signs in again without a window only where the provider's answer proves who signed in/,
    );
    assert.equal(launches.length, 0, 'no window, not even a silent one');
  });
});

describe('an API audience through resource indicators (RFC 8707), as Auth0’s audience and Entra’s resource', () => {
  const provider = new TestProvider({
    hostname: '127.0.0.1',
    redirectUri: REDIRECT,
    allowedOrigins: [],
    accessTokenSeconds: 60,
    resourceIndicators: true,
  });
  before(() => provider.start());
  after(() => provider.stop());

  it('the sign-in and every refresh give a token for the API the profile names, not for the provider', async () => {
    const API = 'https://api.example.com';
    const auth = {
      kind: 'oauth2-authorization-code',
      issuer: provider.issuer,
      clientId: PUBLIC_CLIENT,
      scope: 'openid offline_access api',
      authorizationParameters: { resource: API },
      tokenParameters: { resource: API },
    } as const;
    const flow = {
      redirectUrl: () => REDIRECT,
      launch: (url: string) => provider.signInWithoutBrowser(url, 'ada'),
    };
    const { tokens } = await authorizationCodeFlow(auth, 3600, flow, deps);
    assert.equal(jwtClaims(tokens.accessToken)?.aud, API);
    const renewed = await refreshGrant(auth, tokens.refreshToken as string, 3600, deps);
    assert.equal(jwtClaims(renewed.accessToken)?.aud, API);
    // Without the parameter the same client gets an opaque token for the provider's userinfo only.
    const { tokens: plain } = await authorizationCodeFlow(
      { ...auth, authorizationParameters: {}, tokenParameters: {} },
      3600,
      flow,
      deps,
    );
    assert.equal(jwtClaims(plain.accessToken), undefined);
  });
});

describe('the refresh’s scope (Entra ID’s refresh), and the advice an Entra refusal brings', () => {
  const provider = new TestProvider({
    hostname: '127.0.0.1',
    redirectUri: REDIRECT,
    allowedOrigins: [],
    accessTokenSeconds: 60,
  });
  before(() => provider.start());
  after(() => provider.stop());

  /** fetch, with the form body of every token request kept. */
  const recording = () => {
    const bodies: URLSearchParams[] = [];
    const recorded: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/token')) bodies.push(new URLSearchParams(String(init?.body ?? '')));
      return fetch(input, init);
    };
    return { bodies, deps: { ...deps, fetch: recorded } };
  };

  it('with scopeOnRefresh, each refresh names the sign-in’s scope; without it, none', async () => {
    const flow = {
      redirectUrl: () => REDIRECT,
      launch: (url: string) => provider.signInWithoutBrowser(url, 'ada'),
    };
    for (const scopeOnRefresh of [true, false]) {
      const auth = {
        kind: 'oauth2-authorization-code',
        issuer: provider.issuer,
        clientId: PUBLIC_CLIENT,
        scope: 'openid offline_access api',
        scopeOnRefresh,
      } as const;
      const { bodies, deps: seen } = recording();
      const { tokens } = await authorizationCodeFlow(auth, 3600, flow, seen);
      const renewed = await refreshGrant(auth, tokens.refreshToken as string, 3600, seen);
      assert.ok(provider.isValid(`Bearer ${renewed.accessToken}`), 'the provider takes it');
      const refresh = bodies.find((body) => body.get('grant_type') === 'refresh_token');
      assert.ok(refresh);
      assert.equal(refresh.get('scope'), scopeOnRefresh ? 'openid offline_access api' : null);
    }
  });

  it('an Entra refusal that names a registration or profile setting says what to change', async () => {
    const refusing =
      (description: string): typeof fetch =>
      async () =>
        new Response(JSON.stringify({ error: 'invalid_request', error_description: description }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
    const auth = {
      kind: 'oauth2-password',
      tokenUrl: 'https://login.microsoftonline.test/contoso/oauth2/v2.0/token',
      clientId: 'app',
    } as const;
    const cases: Array<[string, RegExp]> = [
      [
        "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.",
        /Cross-origin token redemption .* Register the redirect URL .* "Single-page application"/,
      ],
      [
        "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        /remove the client secret/,
      ],
      [
        "AADSTS90009: Application 'app'(app) is requesting a token for itself.",
        /Turn on "Send the scope with each refresh"/,
      ],
    ];
    for (const [description, advice] of cases) {
      const refused = await failure(
        refreshGrant(auth, 'rt', 3600, { ...deps, fetch: refusing(description) }),
      );
      assert.match(refused.message, /answered 400: invalid_request: AADSTS/);
      assert.match(refused.message, advice);
    }
    // Words that name no setting get no advice: an expired grant is not a registration problem.
    const expired = await failure(
      refreshGrant(auth, 'rt', 3600, {
        ...deps,
        fetch: async () =>
          new Response(
            JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS700082: expired' }),
            {
              status: 400,
              headers: { 'content-type': 'application/json' },
            },
          ),
      }),
    );
    assert.equal(
      expired.message,
      'login.microsoftonline.test answered 400: invalid_grant: AADSTS700082: expired',
    );
  });
});
