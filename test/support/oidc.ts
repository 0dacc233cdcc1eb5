// A real OAuth 2.0 / OpenID Connect server for the tests: oidc-provider on loopback, with its
// development login and consent pages (they accept any user name and password).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { interactionPolicy } from 'oidc-provider';

export interface TestProviderOptions {
  /** The host name the browser uses (resolved to 127.0.0.1), e.g. `id.test`. */
  hostname: string;
  /** A path the issuer has, as Keycloak's `/realms/NAME`; none by default. */
  path?: string;
  /** The extension's redirect URL, as its options page shows it. */
  redirectUri: string;
  /** Origins allowed to call the token endpoint from a browser (the extension's own). */
  allowedOrigins: string[];
  accessTokenSeconds: number;
  /**
   * A multi-tenant provider as Entra ID is: this tenant's issuer is `/TENANT/v2.0`, its ID tokens
   * carry `tid`, and `/common/v2.0` and `/organizations/v2.0` discovery name the issuer as the
   * template `/{tenantid}/v2.0`. `tid` overrides the claim (a token of one tenant claiming another;
   * an empty one leaves it out).
   */
  multiTenant?: { tenant: string; tid?: string };
  /**
   * Resource indicators (RFC 8707), as Auth0's `audience` and Entra's `resource` work: a token
   * asked for with `resource` is a JWT for that API (`aud`), with the `api` scope.
   */
  resourceIndicators?: boolean;
}

export const PUBLIC_CLIENT = 'autobearer-test';
export const MACHINE_CLIENT = 'machine';
export const MACHINE_SECRET = 'machine-secret-for-tests';
/** A code-flow client with a secret. */
/** A machine identity registered for `client_secret_post` only, as some providers' clients are. */
export const POST_ONLY_CLIENT = 'post-only';
export const CONFIDENTIAL_CLIENT = 'confidential';
export const CONFIDENTIAL_SECRET = 'confidential-secret-for-tests';

interface IssuedToken {
  jti: string;
  exp: number;
  grantId?: string;
}

export class TestProvider {
  provider: Provider | undefined;
  private server: http.Server | undefined;
  /** Access tokens the provider issued, for the test API to tell valid from stale. */
  readonly accessTokens = new Map<string, number>();
  /** Refresh tokens as issued, newest last, to revoke a grant from the test. */
  readonly refreshTokens: IssuedToken[] = [];
  readonly refreshGrants: number[] = [];

  constructor(readonly options: TestProviderOptions) {}

  get origin(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the test provider is not started');
    return `http://${this.options.hostname}:${address.port}`;
  }

  /** The issuer's path: the configured one, or a multi-tenant provider's tenant. */
  private get path(): string {
    const tenant = this.options.multiTenant?.tenant;
    return tenant ? `/${tenant}/v2.0` : (this.options.path ?? '');
  }

  get issuer(): string {
    return `${this.origin}${this.path}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer();
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { redirectUri, allowedOrigins, accessTokenSeconds } = this.options;
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: PUBLIC_CLIENT,
          token_endpoint_auth_method: 'none',
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
        {
          client_id: CONFIDENTIAL_CLIENT,
          client_secret: CONFIDENTIAL_SECRET,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
        {
          client_id: MACHINE_CLIENT,
          client_secret: MACHINE_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
        },
        {
          client_id: POST_ONLY_CLIENT,
          client_secret: MACHINE_SECRET,
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
        },
      ],
      features: {
        ...(this.options.resourceIndicators
          ? {
              resourceIndicators: {
                enabled: true,
                defaultResource: () => undefined,
                useGrantedResource: () => true,
                getResourceServerInfo: (_ctx: unknown, resource: string) => ({
                  scope: 'api',
                  audience: resource,
                  accessTokenFormat: 'jwt' as const,
                  jwt: { sign: { alg: 'RS256' as const } },
                }),
              },
            }
          : {}),
        devInteractions: { enabled: true },
        clientCredentials: { enabled: true },
        revocation: { enabled: true },
      },
      scopes: ['openid', 'offline_access', 'api'],
      ...(this.options.multiTenant ? this.tenantClaims(this.options.multiTenant) : {}),
      pkce: { required: () => true },
      clientBasedCORS: (_ctx, origin) => allowedOrigins.includes(origin),
      rotateRefreshToken: true,
      ttl: {
        AccessToken: accessTokenSeconds,
        ClientCredentials: accessTokenSeconds,
        RefreshToken: 3600,
        Grant: 3600,
        Session: 3600,
        Interaction: 600,
        AuthorizationCode: 60,
        IdToken: 3600,
      },
    });
    provider.proxy = false;
    // Tokens whose lifetime is computed (no `exp` yet when saved) live the configured seconds.
    const remember = (token: { jti: string; exp?: number | undefined }) =>
      this.accessTokens.set(token.jti, token.exp ? token.exp * 1000 : Date.now() + accessTokenSeconds * 1000);
    provider.addListener('access_token.saved', remember);
    provider.addListener('access_token.issued', remember);
    provider.addListener('client_credentials.saved', remember);
    provider.addListener('client_credentials.issued', remember);
    provider.addListener('refresh_token.saved', (token) =>
      this.refreshTokens.push({ jti: token.jti, exp: token.exp ?? 0, grantId: token.grantId }),
    );
    provider.addListener('grant.success', (ctx) => {
      if (ctx.oidc.params?.grant_type === 'refresh_token') this.refreshGrants.push(Date.now());
    });
    this.provider = provider;
    const handle = provider.callback();
    const mount = this.path;
    this.server.on('request', (req: http.IncomingMessage & { originalUrl?: string }, res) => {
      const shared = /^\/(common|organizations)\/v2\.0\/\.well-known\/openid-configuration$/;
      if (this.options.multiTenant && req.url && shared.test(req.url)) {
        void this.templatedMetadata().then((body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        });
        return;
      }
      // Entra ID keeps offline_access in the grant without prompt=consent (its refresh may name
      // it again); oidc-provider, following OpenID Connect Core, drops it from the grant unless
      // consent is prompted: here the sign-in page's request asks for that consent as well.
      if (this.options.multiTenant && req.url) {
        const url = new URL(req.url, 'http://stand-in');
        const prompt = url.searchParams.get('prompt');
        if (url.pathname.endsWith('/auth') && prompt && !prompt.split(' ').includes('consent')) {
          url.searchParams.set('prompt', `${prompt} consent`);
          req.url = `${url.pathname}${url.search}`;
        }
      }
      // Mounted under the issuer's path, the way oidc-provider reads it from Express or Koa.
      if (mount && req.url?.startsWith(mount)) {
        req.originalUrl = req.url;
        req.url = req.url.slice(mount.length) || '/';
      }
      handle(req, res);
    });
  }

  /** Every ID token names the tenant in `tid` (oidc-provider then puts scope claims in the ID token). */
  private tenantClaims({ tenant, tid = tenant }: { tenant: string; tid?: string }) {
    // Entra ID takes prompt=select_account; here it is accepted and, with one account, changes nothing.
    const policy = interactionPolicy.base();
    const selectAccount = new interactionPolicy.Prompt({ name: 'select_account', requestable: true });
    selectAccount.checks.length = 0; // no page of its own: the login page is the account choice
    policy.add(selectAccount);
    return {
      interactions: { policy },
      // Entra ID gives a refresh token for offline_access without prompt=consent (oidc-provider,
      // following OpenID Connect Core, drops offline_access unless consent was prompted).
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed: (type: string) => boolean }) =>
        client.grantTypeAllowed('refresh_token'),
      // Entra ID's `profile` scope: the user's name and sign-in name in the ID token.
      claims: { openid: ['sub', 'tid'], profile: ['preferred_username'] },
      conformIdTokenClaims: false,
      findAccount: (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: () => ({ sub, preferred_username: `${sub}@contoso.test`, ...(tid ? { tid } : {}) }),
      }),
    };
  }

  /** The tenant's metadata with the issuer as Entra's shared endpoints write it. */
  private async templatedMetadata(): Promise<string> {
    const response = await fetch(`${this.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown>;
    return JSON.stringify({ ...metadata, issuer: `${this.origin}/{tenantid}/v2.0` });
  }

  isValid(authorization: string | undefined, at = Date.now()): boolean {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const expiresAt = token ? this.accessTokens.get(token) : undefined;
    return expiresAt !== undefined && at < expiresAt;
  }

  /** Makes every refresh token unusable (as a 24-hour limit would), leaving the user's grant and session. */
  async expireRefreshTokens(): Promise<void> {
    for (const token of this.refreshTokens) {
      const stored = await this.provider?.RefreshToken.find(token.jti);
      await stored?.destroy();
    }
  }

  /** Revokes the grant behind the newest refresh token, as an administrator would. */
  async revokeLatestGrant(): Promise<void> {
    const latest = this.refreshTokens.at(-1);
    if (!latest?.grantId || !this.provider) throw new Error('no refresh token to revoke');
    const grant = await this.provider.Grant.find(latest.grantId);
    await grant?.destroy();
    for (const token of this.refreshTokens) {
      const stored = await this.provider.RefreshToken.find(token.jti);
      await stored?.destroy();
    }
  }

  /**
   * Goes through the provider's development login and consent pages over plain HTTP, as the
   * browser would in the sign-in window, and returns the URL it finally sends the user back to.
   */
  async signInWithoutBrowser(
    authorizationUrl: string,
    login: string,
    /** The browser's cookies for the provider: its session outlives one sign-in. */
    cookies = new Map<string, string>(),
    { interactive = true } = {},
  ): Promise<string> {
    let url = authorizationUrl;
    let form: URLSearchParams | undefined;
    for (let step = 0; step < 12; step++) {
      if (url.startsWith(this.options.redirectUri)) return url;
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
        ...(form ? { body: form } : {}),
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [name = '', value = ''] = (cookie.split(';')[0] ?? '').split('=');
        if (value) cookies.set(name, value);
        else cookies.delete(name);
      }
      const location = response.headers.get('location');
      if (location) {
        url = new URL(location, url).href;
        form = undefined;
        continue;
      }
      const page = await response.text();
      // A page whose script submits its form at once (oidc-provider ends the session of another
      // account so): what a browser running it does.
      const autoSubmit = /document\.forms\[0\]\.submit\(\)/.test(page)
        ? /<form method="post" action="([^"]+)">/.exec(page)?.[1]
        : undefined;
      if (autoSubmit) {
        url = new URL(autoSubmit, url).href;
        form = new URLSearchParams(
          [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
            ([, name = '', value = '']) => [name, value],
          ),
        );
        continue;
      }
      if (!interactive) throw new Error('User interaction required.');
      if (!response.ok || !/\/interaction\//.test(url))
        throw new Error(`${response.status} at ${url}: ${page}`);
      form = /name="prompt" value="consent"/.test(page)
        ? new URLSearchParams({ prompt: 'consent' })
        : new URLSearchParams({ prompt: 'login', login, password: 'any' });
    }
    throw new Error(`no way back to ${this.options.redirectUri} from ${authorizationUrl}`);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
