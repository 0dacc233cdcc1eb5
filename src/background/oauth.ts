// The OAuth 2.0 kinds, through oauth4webapi: discovery, the authorization code flow with PKCE,
// client credentials, the password grant and refresh. `fetch`, the clock and the browser's
// web-auth flow are parameters. Every failure becomes a TokenRequestError the user can read.
import * as oauth from 'oauth4webapi';
import { issuerOf, type OAuthAuth } from '../core/auth-requests.js';
import type { Auth } from '../core/profile.js';
import { withAdvice } from '../core/provider-advice.js';
import { t } from '../core/text.js';
import { jwtClaims, OAUTH_PATHS, parseTokenAnswer, type Tokens } from '../core/token-answer.js';
import { boundedResponse, REQUEST_TIMEOUT_MS, TokenRequestError } from './token-client.js';

type CodeAuth = Extract<Auth, { kind: 'oauth2-authorization-code' }>;

export interface OAuthDeps {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly timeoutMs?: number;
  /** Told the endpoints an issuer's discovery named, so the pages can show the plain-http ones. */
  readonly onDiscovered?: (issuer: string, endpoints: string[], tokenEndpoint?: string) => Promise<void>;
}

export interface WebAuthFlow {
  /** The redirect URI the provider must send the user back to (the browser's extension URL). */
  readonly redirectUrl: () => string;
  /**
   * Opens the provider's page and resolves with the URL it redirected to. `interactive: false`
   * shows no window: the page must redirect at once (`prompt=none`), or the launch fails.
   */
  readonly launch: (url: string, options?: { interactive: boolean }) => Promise<string>;
}

const hostOf = (url: string | undefined): string => {
  try {
    return new URL(url ?? '').host;
  } catch {
    return t('theProvider');
  }
};

function requestOptions(url: string | undefined, deps: OAuthDeps) {
  const timeoutMs = deps.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return {
    // Plain http only where the profile spelled it out (local development).
    [oauth.allowInsecureRequests]: url?.startsWith('http://') ?? false,
    [oauth.customFetch]: async (input: string, init: RequestInit) =>
      boundedResponse(
        await deps.fetch(input, { ...init, credentials: 'omit', cache: 'no-store' }),
        hostOf(input),
      ),
    signal: () => AbortSignal.timeout(timeoutMs),
  };
}

/** An OAuth error code with its description, as the provider wrote them. */
const errorWords = (code: string, description: string | undefined): string =>
  withAdvice(description ? `${code}: ${description}` : code);

/** Turns whatever oauth4webapi or fetch threw into a failure with a stable kind. */
export function toTokenRequestError(
  error: unknown,
  where: string,
  timeoutMs = REQUEST_TIMEOUT_MS,
): TokenRequestError {
  if (error instanceof TokenRequestError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const said = errorWords(error.error, error.error_description);
    const transient = error.status >= 500 || error.status === 429 || error.status === 408;
    return new TokenRequestError(
      transient ? 'transient' : 'rejected',
      t('answeredStatusSaying', where, error.status, said),
      error.status,
    );
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return new TokenRequestError(
      'rejected',
      t('providerRefused', errorWords(error.error, error.error_description)),
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    const said = parameters?.error
      ? errorWords(parameters.error, parameters.error_description)
      : t('clientRefused');
    return new TokenRequestError(
      'rejected',
      t('answeredStatusSaying', where, error.status, said),
      error.status,
    );
  }
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TokenRequestError('transient', t('noAnswerWithin', where, Math.round(timeoutMs / 1000)));
  }
  if (error instanceof TypeError) {
    return new TokenRequestError('transient', t('cannotReach', where, error.message));
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = (error.cause as Response | undefined)?.status;
    if (status !== undefined && status >= 500) {
      return new TokenRequestError('transient', t('answeredStatus', where, status), status);
    }
    return new TokenRequestError('invalid-answer', t('hostSaid', where, error.message));
  }
  return new TokenRequestError(
    'invalid-answer',
    t('hostSaid', where, (error as Error)?.message ?? String(error)),
  );
}

const discovered = new Map<string, oauth.AuthorizationServer>();

const isEndpoint = (key: string): boolean => key.endsWith('_endpoint') || key === 'jwks_uri';

/** Every endpoint URL a discovery document names. */
function endpointsOf(server: oauth.AuthorizationServer): string[] {
  return Object.entries(server)
    .filter(([key, value]) => isEndpoint(key) && typeof value === 'string')
    .map(([, value]) => value as string);
}

/**
 * An https issuer whose metadata sends the code, the password or the refresh token to a
 * plain-http endpoint is refused: the profile said https, and nothing may quietly downgrade
 * it. An `http://` issuer is the profile's own choice (local development), shown with a warning.
 */
function refuseDowngrade(issuer: string, server: oauth.AuthorizationServer): void {
  if (!issuer.startsWith('https://')) return;
  const plain = Object.entries(server)
    .filter(([key, value]) => isEndpoint(key) && typeof value === 'string' && /^http:/i.test(value))
    .map(([key, value]) => `${key} ${value}`);
  if (plain.length) {
    throw new TokenRequestError('invalid-answer', t('discoveryDowngrade', issuer, plain.join(', ')));
  }
}

/** The placeholder multi-tenant providers put in their issuer (Entra ID's `common`, `organizations`). */
const TENANT = '{tenantid}';

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `issuer` is `template` with its `{tenantid}` segment filled in: the profile names
 * `…/common/v2.0` (or one tenant), the metadata `…/{tenantid}/v2.0`.
 */
export function fillsIssuerTemplate(template: string, issuer: string): boolean {
  if (!template.includes(TENANT)) return false;
  const [before, after] = template.split(TENANT, 2) as [string, string];
  const pattern = new RegExp(`^${escapeRegex(before)}[^/]+${escapeRegex(after)}$`);
  const bare = (url: string) => url.replace(/\/$/, '');
  return pattern.test(bare(issuer)) && bare(template) !== bare(issuer);
}

/**
 * The issuer the metadata must name. Exactly the profile's, but for a multi-tenant provider,
 * whose metadata names a template (`https://login.microsoftonline.com/{tenantid}/v2.0`) that the
 * profile's issuer fills in: that template is accepted, and every ID token's `iss` is then
 * checked against it with the token's own tenant (`issuerForAnswer`).
 */
async function expectedIssuerUrl(issuerUrl: URL, response: Response): Promise<URL> {
  if (!response.ok) return issuerUrl;
  try {
    const named = ((await response.clone().json()) as { issuer?: unknown }).issuer;
    if (typeof named === 'string' && fillsIssuerTemplate(named, issuerUrl.href)) return new URL(named);
  } catch {
    // oauth4webapi says what is wrong with it
  }
  return issuerUrl;
}

/**
 * The server as an answer's ID token is checked against. For a multi-tenant issuer, the template
 * with the tenant the token names in its `tid` claim (Entra ID's documented rule): the `iss` must
 * then be exactly that, as for any other issuer. A token without `tid` is refused.
 */
export async function issuerForAnswer(
  as: oauth.AuthorizationServer,
  response: Response,
): Promise<oauth.AuthorizationServer> {
  // The metadata's issuer as its JSON wrote it: the template's braces are literal there.
  if (!as.issuer.includes(TENANT)) return as;
  let idToken: unknown;
  try {
    idToken = ((await response.clone().json()) as { id_token?: unknown }).id_token;
  } catch {
    return as;
  }
  if (typeof idToken !== 'string') return as;
  const tenant = jwtClaims(idToken)?.tid;
  if (typeof tenant !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(tenant)) {
    throw new TokenRequestError('invalid-answer', t('noTenantClaim', hostOf(as.token_endpoint)));
  }
  return { ...as, issuer: as.issuer.replace(TENANT, tenant) };
}

/**
 * The server as the sign-in page's answer is checked against. A multi-tenant issuer's `iss`
 * parameter (RFC 9207) names the user's tenant: it must fill the template. Without one, there is
 * nothing to compare before the ID token (issuerForAnswer).
 */
function issuerForCallback(as: oauth.AuthorizationServer, callback: URL): oauth.AuthorizationServer {
  const template = as.issuer;
  if (!template.includes(TENANT)) return as;
  const iss = callback.searchParams.get('iss');
  if (iss && fillsIssuerTemplate(template, iss)) return { ...as, issuer: iss };
  return iss ? as : { ...as, authorization_response_iss_parameter_supported: false };
}

/** The authorization server: from discovery (OpenID Connect, then RFC 8414), or as configured. */
export async function authorizationServer(
  auth: OAuthAuth,
  deps: OAuthDeps,
): Promise<oauth.AuthorizationServer> {
  const issuer = issuerOf(auth);
  if (!issuer) {
    const tokenUrl = auth.tokenUrl as string;
    return {
      issuer: new URL(tokenUrl).origin,
      token_endpoint: tokenUrl,
      ...(auth.kind === 'oauth2-authorization-code' ? { authorization_endpoint: auth.authorizationUrl } : {}),
    };
  }
  const cached = discovered.get(issuer);
  if (cached) return cached;
  // The metadata must name the issuer exactly. People copy an issuer with a path with or without
  // its trailing slash (Keycloak's `…/realms/NAME`), so the other spelling is tried too.
  const spellings = [issuer];
  if (new URL(issuer).pathname !== '/') {
    spellings.push(issuer.endsWith('/') ? issuer.slice(0, -1) : `${issuer}/`);
  }
  const attempts = spellings.flatMap((spelling) =>
    (['oidc', 'oauth2'] as const).map((algorithm) => ({ issuerUrl: new URL(spelling), algorithm })),
  );
  let first: TokenRequestError | undefined;
  for (const { issuerUrl, algorithm } of attempts) {
    let server: oauth.AuthorizationServer;
    try {
      const response = await oauth.discoveryRequest(issuerUrl, {
        algorithm,
        ...requestOptions(issuer, deps),
      });
      server = await oauth.processDiscoveryResponse(await expectedIssuerUrl(issuerUrl, response), response);
    } catch (error) {
      const failure = toTokenRequestError(error, hostOf(issuer), deps.timeoutMs);
      // The first failure says most: OpenID Connect discovery of the issuer as written.
      first ??= failure;
      // An unreachable or failing server is no better at another address: say so now.
      if (failure.kind === 'transient') break;
      continue;
    }
    refuseDowngrade(issuer, server);
    discovered.set(issuer, server);
    await deps.onDiscovered?.(issuer, endpointsOf(server), server.token_endpoint);
    return server;
  }
  const failure = first as TokenRequestError;
  throw new TokenRequestError(failure.kind, t('discoveryFailed', String(issuer), failure.message));
}

type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * How the client proves itself at the token endpoint: as the profile says, else the first secret
 * method the provider's metadata lists (HTTP Basic where it lists none: RFC 6749 §2.3.1 has every
 * server accept it), and `none` for a public client.
 */
export function clientAuthMethodFor(auth: OAuthAuth, as: oauth.AuthorizationServer): ClientAuthMethod {
  if (!auth.clientSecret) return 'none';
  if (auth.clientAuthMethod) return auth.clientAuthMethod;
  const supported = as.token_endpoint_auth_methods_supported ?? [];
  return (
    supported.find((m): m is ClientAuthMethod => m === 'client_secret_basic' || m === 'client_secret_post') ??
    'client_secret_basic'
  );
}

function clientOf(
  auth: OAuthAuth,
  as: oauth.AuthorizationServer,
): { client: oauth.Client; clientAuth: oauth.ClientAuth } {
  const secret = auth.clientSecret ?? '';
  const method = clientAuthMethodFor(auth, as);
  return {
    client: { client_id: auth.clientId },
    clientAuth:
      method === 'client_secret_post'
        ? oauth.ClientSecretPost(secret)
        : method === 'client_secret_basic'
          ? oauth.ClientSecretBasic(secret)
          : oauth.None(),
  };
}

function tokensFrom(
  response: oauth.TokenEndpointResponse,
  defaultLifetimeSeconds: number,
  now: number,
): Tokens {
  return parseTokenAnswer(response, OAUTH_PATHS, now, defaultLifetimeSeconds);
}

async function withErrors<T>(where: string, deps: OAuthDeps, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toTokenRequestError(error, where, deps.timeoutMs);
  }
}

/**
 * oauth4webapi checks an ID token's `iss` against the issuer and refuses the whole answer when
 * it differs. A profile that gives a token URL and no issuer has nothing to check it against:
 * the token URL's origin is rarely the issuer (Keycloak's is `…/realms/NAME`). So without an
 * issuer the ID token is set aside before the answer is processed; its claims are returned
 * unchecked, for the popup's "Signed in as …" and nothing else.
 */
async function setAsideUncheckableIdToken(
  auth: OAuthAuth,
  response: Response,
): Promise<{ response: Response; unchecked?: Record<string, unknown>; idToken?: string }> {
  if (issuerOf(auth) || !response.ok) return { response };
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return { response }; // oauth4webapi says what is wrong with it
  }
  if (!body || typeof body !== 'object' || !('id_token' in body)) return { response };
  const { id_token: idToken, ...rest } = body as Record<string, unknown>;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  const withoutIdToken = new Response(JSON.stringify(rest), { status: response.status, headers });
  if (typeof idToken !== 'string') return { response: withoutIdToken };
  const unchecked = jwtClaims(idToken);
  return unchecked ? { response: withoutIdToken, unchecked, idToken } : { response: withoutIdToken, idToken };
}

interface GrantContext {
  readonly as: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
  /** The request options, with the profile's extra token parameters. */
  readonly options: ReturnType<typeof requestOptions> & { additionalParameters: Record<string, string> };
}

type Processor = (
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  response: Response,
) => Promise<oauth.TokenEndpointResponse>;

/**
 * The token endpoint's answer, checked by oauth4webapi: an ID token that cannot be checked is
 * set aside first (and kept, for a header that carries it), a multi-tenant issuer is filled in
 * with the token's tenant.
 */
async function readAnswer(
  auth: OAuthAuth,
  context: Pick<GrantContext, 'as' | 'client'>,
  response: Response,
  process: Processor,
): Promise<{ answer: oauth.TokenEndpointResponse; unchecked?: Record<string, unknown> }> {
  const { response: checkable, unchecked, idToken } = await setAsideUncheckableIdToken(auth, response);
  const as = await issuerForAnswer(context.as, checkable);
  const answer = await process(as, context.client, checkable);
  const withIdToken = idToken && !answer.id_token ? { ...answer, id_token: idToken } : answer;
  return unchecked ? { answer: withIdToken, unchecked } : { answer: withIdToken };
}

/** The shape every token-endpoint grant shares: find the server, send, process, read the tokens. */
async function grant(
  auth: OAuthAuth,
  defaultLifetimeSeconds: number,
  deps: OAuthDeps,
  send: (context: GrantContext) => Promise<Response>,
  process: Processor,
): Promise<Tokens> {
  const as = await authorizationServer(auth, deps);
  const { client, clientAuth } = clientOf(auth, as);
  return withErrors(hostOf(as.token_endpoint), deps, async () => {
    const options = {
      ...requestOptions(as.token_endpoint, deps),
      additionalParameters: auth.tokenParameters ?? {},
    };
    const response = await send({ as, client, clientAuth, options });
    const { answer } = await readAnswer(auth, { as, client }, response, process);
    return tokensFrom(answer, defaultLifetimeSeconds, deps.now());
  });
}

export function passwordGrant(
  auth: Extract<Auth, { kind: 'oauth2-password' }>,
  credentials: { username: string; password: string },
  defaultLifetimeSeconds: number,
  deps: OAuthDeps,
): Promise<Tokens> {
  return grant(
    auth,
    defaultLifetimeSeconds,
    deps,
    async ({ as, client, clientAuth, options }) => {
      const { additionalParameters, ...requestOnly } = options;
      const parameters = new URLSearchParams({
        ...additionalParameters,
        username: credentials.username,
        password: credentials.password,
      });
      if (auth.scope) parameters.set('scope', auth.scope);
      return oauth.genericTokenEndpointRequest(as, client, clientAuth, 'password', parameters, requestOnly);
    },
    oauth.processGenericTokenEndpointResponse,
  );
}

export function clientCredentialsGrant(
  auth: Extract<Auth, { kind: 'oauth2-client-credentials' }>,
  defaultLifetimeSeconds: number,
  deps: OAuthDeps,
): Promise<Tokens> {
  return grant(
    auth,
    defaultLifetimeSeconds,
    deps,
    async ({ as, client, clientAuth, options }) => {
      const { additionalParameters, ...requestOnly } = options;
      const parameters = new URLSearchParams({
        ...additionalParameters,
        ...(auth.scope ? { scope: auth.scope } : {}),
      });
      return oauth.clientCredentialsGrantRequest(as, client, clientAuth, parameters, requestOnly);
    },
    oauth.processClientCredentialsResponse,
  );
}

/** `scope` on a refresh, where the profile asks for it: the sign-in's own (profile.ts, refreshFields). */
function refreshScope(auth: OAuthAuth): { scope?: string } {
  const wanted = 'scopeOnRefresh' in auth && auth.scopeOnRefresh === true;
  return wanted && auth.scope ? { scope: auth.scope } : {};
}

export function refreshGrant(
  auth: OAuthAuth,
  refreshToken: string,
  defaultLifetimeSeconds: number,
  deps: OAuthDeps,
): Promise<Tokens> {
  return grant(
    auth,
    defaultLifetimeSeconds,
    deps,
    ({ as, client, clientAuth, options }) =>
      oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, {
        ...options,
        additionalParameters: { ...options.additionalParameters, ...refreshScope(auth) },
      }),
    (as, client, response) => oauth.processRefreshTokenResponse(as, client, response),
  );
}

/** The user's name as the provider's ID token gives it, for "Signed in as …". */
function displayName(claims: Record<string, unknown> | undefined): string | undefined {
  if (!claims) return undefined;
  for (const key of ['preferred_username', 'email', 'name', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

/** A user as an OpenID provider names them: its issuer and their subject there (OIDC Core §5.7). */
export const subjectOf = (issuer: string, subject: string): string => `${issuer} ${subject}`;

/** `prompt` for another user's sign-in: `login` added unless `login` or `select_account` is there. */
export function promptForAnotherUser(prompt: string | null): string {
  const values = (prompt ?? '').split(/\s+/).filter((v) => v && v !== 'none');
  if (values.includes('login') || values.includes('select_account')) return values.join(' ');
  return ['login', ...values].join(' ');
}

/**
 * Sign-in on the provider's own page: PKCE S256 always, `state` checked, the code exchanged at
 * the token endpoint. The password never passes through AutoBearer.
 */
export async function authorizationCodeFlow(
  auth: CodeAuth,
  defaultLifetimeSeconds: number,
  flow: WebAuthFlow,
  deps: OAuthDeps,
  { silent = false, anotherUser = false }: { silent?: boolean; anotherUser?: boolean } = {},
): Promise<{ tokens: Tokens; username?: string; subject?: string }> {
  const as = await authorizationServer(auth, deps);
  if (!as.authorization_endpoint) {
    throw new TokenRequestError(
      'invalid-answer',
      t('noAuthorizationEndpoint', auth.issuer ?? t('theProvider')),
    );
  }
  const { client, clientAuth } = clientOf(auth, as);
  const redirectUri = flow.redirectUrl();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', auth.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (auth.scope) url.searchParams.set('scope', auth.scope);
  // OpenID Connect grants offline_access (a refresh token) only after explicit consent, unless the
  // profile says otherwise: its `prompt` replaces this one, and an empty value sends none.
  if (auth.scope?.split(/\s+/).includes('offline_access')) url.searchParams.set('prompt', 'consent');
  for (const [name, value] of Object.entries(auth.authorizationParameters ?? {})) {
    if (name === 'prompt' && value === '') url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  // An account added beside the first: the provider's session is the first user's, so it is asked
  // to sign someone in (`login`), unless the profile already asks it to let the user choose.
  if (anotherUser) url.searchParams.set('prompt', promptForAnotherUser(url.searchParams.get('prompt')));
  // Without a window: the provider answers at once, with a code from the user's session there or
  // with `login_required` (OpenID Connect Core §3.1.2.1).
  if (silent) url.searchParams.set('prompt', 'none');

  let callback: URL;
  try {
    callback = new URL(await flow.launch(url.href, { interactive: !silent }));
  } catch (error) {
    if (silent)
      throw new TokenRequestError('rejected', t('silentNotPossible', (error as Error)?.message ?? ''));
    throw new TokenRequestError(
      'rejected',
      t('signInWindowClosed', (error as Error)?.message ?? t('noAnswer')),
    );
  }
  // Without a configured issuer there is no identifier to compare an `iss` parameter with.
  if (!auth.issuer) callback.searchParams.delete('iss');

  return withErrors(hostOf(as.token_endpoint), deps, async () => {
    let parameters: URLSearchParams;
    try {
      parameters = oauth.validateAuthResponse(issuerForCallback(as, callback), client, callback, state);
    } catch (error) {
      if (error instanceof oauth.OperationProcessingError && /state/i.test(error.message)) {
        throw new TokenRequestError('rejected', t('stateMismatch'));
      }
      throw error;
    }
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      parameters,
      redirectUri,
      codeVerifier,
      { ...requestOptions(as.token_endpoint, deps), additionalParameters: auth.tokenParameters ?? {} },
    );
    const { answer: result, unchecked } = await readAnswer(auth, { as, client }, response, (server, c, r) =>
      oauth.processAuthorizationCodeResponse(server, c, r),
    );
    const tokens = tokensFrom(result, defaultLifetimeSeconds, deps.now());
    const username = displayName(unchecked ?? jwtClaims(result.id_token ?? ''));
    // Who signed in, as only a checked ID token proves it (issuer and subject): what a sign-in
    // without a window must give again (token-service.ts, renew).
    const claims = unchecked ? undefined : oauth.getValidatedIdTokenClaims(result);
    const subject = claims?.sub ? subjectOf(claims.iss, claims.sub) : undefined;
    return { tokens, ...(username ? { username } : {}), ...(subject ? { subject } : {}) };
  });
}
