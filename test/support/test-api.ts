// A local test API the end-to-end tests start: a JSON login and refresh with rotating refresh
// tokens, and data endpoints that record every request they get (host, initiator, token) so a
// test can check where the header went. Every *.test name reaches this one server; it tells them
// apart by the Host header.
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly at: number;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly origin?: string;
  readonly authorization?: string;
  /** Whether the bearer token it carried was issued by this server and unexpired on arrival. */
  readonly validToken: boolean;
  /** The user the bearer token it carried was issued to, valid or not. */
  readonly user?: string;
  /** The page's send order (`?n=` of a polling page), where it gave one. */
  readonly sent?: number;
}

interface Issued {
  readonly user: string;
  readonly expiresAt: number;
  /** The login a token descends from: a replayed refresh token revokes the whole family. */
  readonly family: string;
}

/** What the refresh endpoint does to a call, for fault injection. */
export type RefreshFault = 'ok' | '500' | 'hang' | 'drop' | 'slow';

/** What the test API does wrong: all in one object, replaced whole (see `withFaults`). */
export interface Faults {
  /** Every refresh is answered with this HTTP status. */
  readonly refreshStatus?: number;
  /** What successive refresh calls get, cycling (`hang` holds a call 20 s, `slow` answers after 3 s). */
  readonly refreshSequence?: readonly RefreshFault[];
  /** Refresh answers carry no new refresh token: the client must keep the old one. */
  readonly noRotation?: boolean;
  /** The refresh endpoint answers after this delay, to make concurrent triggers overlap. */
  readonly refreshDelayMs?: number;
  /** The replaced access token is revoked the moment a refresh answers (hand-off measurement). */
  readonly revokeOldOnRefresh?: boolean;
}

export interface TestApiOptions {
  /** Access-token lifetime the login and refresh answers announce. */
  ttlSeconds: number;
  users: Record<string, string>;
  /** Faults from the start; none by default. */
  faults?: Faults;
}

/** How long a `hang` holds a refresh call, unanswered and unprocessed. */
const HANG_MS = 20_000;

const page = (title: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1></body></html>`;

/** `npm run demo`'s page on app.test: calls the API every 2 s and shows what header arrived. */
const demoPage = `<!doctype html><html><head><meta charset="utf-8"><title>AutoBearer demo app</title>
<style>body{font:15px system-ui;margin:2em;max-width:44em}code{background:#eee;padding:2px 4px}li{margin:.3em 0}</style></head>
<body><h1>AutoBearer demo app (app.test)</h1>
<p>This page calls <code>http://api.test/echo</code> every 2 seconds. Sign in from AutoBearer's popup
(user <code>demo@example.com</code>, password <code>demo</code>) and watch the header arrive;
sign out and watch it go. The token lives 60 seconds and is refreshed before it expires.</p>
<ol id="log" reversed></ol>
<script>
const log = document.getElementById('log');
async function call() {
  try {
    const r = await fetch(location.origin.replace('app.test', 'api.test') + '/echo', { cache: 'no-store' });
    const j = await r.json();
    const li = document.createElement('li');
    li.textContent = j.at + ': ' + (j.authorization ? 'Authorization: ' + j.authorization + (j.valid ? ' (valid)' : ' (NOT valid)') : 'no Authorization header');
    log.prepend(li);
    while (log.children.length > 20) log.lastChild.remove();
  } catch (e) { console.warn(e); }
}
setInterval(call, 2000); call();
</script></body></html>`;

/** The secret of the test API's machine identity `cli` (client credentials). */
export const CLIENT_SECRET = 'machine secret with spaces';

export class TestApi {
  readonly requests: RecordedRequest[] = [];
  readonly accessTokens = new Map<string, Issued>();
  /** Refresh token → its state; a used one stays in the map as `used`. */
  readonly refreshTokens = new Map<string, { user: string; used: boolean; family: string }>();
  readonly revokedFamilies = new Set<string>();
  /** Refresh tokens presented a second time (each revokes its family). */
  reuseDetections = 0;
  private faults: Faults;
  /** Where in `faults.refreshSequence` the next refresh call is. */
  private faultIndex = 0;
  /** Each successful refresh: when it was answered, the new access token and the one it replaced. */
  readonly refreshLog: Array<{ at: number; token: string; previous: string | undefined }> = [];
  /** The newest access token of each token family. */
  private readonly latestByFamily = new Map<string, string>();
  /** Refresh calls received and not yet answered or dropped. */
  refreshesInFlight = 0;
  /** `user`: whose token a successful refresh renewed. */
  readonly refreshCalls: Array<{ at: number; ok: boolean; host: string; user?: string }> = [];
  loginCalls = 0;
  lastLoginAt = 0;
  /** Sign-in and refresh calls that arrived with a bearer header (the extension's own: must be 0). */
  bearerOnTokenEndpoints = 0;
  /**
   * Answer OAuth grants with an RS256 ID token from this issuer too, as Keycloak does for the
   * `openid` scope; its issuer has a path, so it is not the token URL's origin.
   */
  idTokenIssuer: string | undefined;
  /** Made on the first ID token: most test APIs never sign one. */
  private idTokenKey: KeyObject | undefined;
  /** Also accept tokens another server issued (the OAuth provider's). */
  acceptToken: ((authorization: string | undefined) => boolean) | undefined;
  private server: http.Server | undefined;

  constructor(readonly options: TestApiOptions) {
    this.faults = options.faults ?? {};
  }

  /**
   * Runs `during` with these faults in place of the current ones, and puts the current ones back
   * after, whatever happens: a test never leaves a fault behind for the next.
   */
  async withFaults<T>(faults: Faults, during: () => Promise<T>): Promise<T> {
    const before = this.faults;
    this.faults = faults;
    this.faultIndex = 0;
    try {
      return await during();
    } finally {
      this.faults = before;
    }
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the test API is not started');
    return address.port;
  }

  /** Every access and refresh token this server issued: what must never leak anywhere. */
  issuedTokens(): string[] {
    return [...this.accessTokens.keys(), ...this.refreshTokens.keys()];
  }

  /**
   * The `auth` of a json-login profile (the profile format's own shape) for this server's login
   * and rotating refresh, reached through `host`.
   */
  jsonLoginAuth(host: string) {
    const at = (pathname: string) => `http://${host}:${this.port}${pathname}`;
    return {
      kind: 'json-login',
      login: { url: at('/v2/login'), body: { email: '{username}', password: '{password}' } },
      refresh: { url: at('/v2/refresh'), body: { refresh: '{refresh_token}' } },
      response: { accessToken: 'data.token', refreshToken: 'data.refresh', expiresIn: 'data.ttl' },
    };
  }

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => this.handle(req, res, body));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private issue(
    user: string,
    family = randomBytes(6).toString('hex'),
  ): { token: string; refresh: string; ttl: number } {
    const token = `at-${randomBytes(12).toString('hex')}`;
    const refresh = `rt-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(token, { user, family, expiresAt: Date.now() + this.options.ttlSeconds * 1000 });
    this.refreshTokens.set(refresh, { user, used: false, family });
    this.latestByFamily.set(family, token);
    return { token, refresh, ttl: this.options.ttlSeconds };
  }

  isValid(authorization: string | undefined, at = Date.now()): boolean {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const issued = token ? this.accessTokens.get(token) : undefined;
    return !!issued && at < issued.expiresAt && !this.revokedFamilies.has(issued.family);
  }

  /** Requests recorded on a host (without port), optionally only those after a moment. */
  on(host: string, since = 0): RecordedRequest[] {
    return this.requests.filter((r) => r.host === host && r.at >= since);
  }

  private json(res: http.ServerResponse, status: number, value: unknown, origin?: string): void {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      ...(origin
        ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' }
        : {}),
    });
    res.end(JSON.stringify(value));
  }

  private answerRefresh(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    host: string,
    refreshToken: string | undefined,
  ): void {
    this.refreshesInFlight++;
    res.once('close', () => this.refreshesInFlight--);
    const sequence = this.faults.refreshSequence;
    const fault = sequence?.[this.faultIndex++ % sequence.length] ?? 'ok';
    if (fault === '500') {
      this.refreshCalls.push({ at: Date.now(), ok: false, host });
      this.json(res, 500, { message: 'injected server error' });
      return;
    }
    if (fault === 'drop') {
      this.refreshCalls.push({ at: Date.now(), ok: false, host });
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      this.refreshCalls.push({ at: Date.now(), ok: false, host });
      setTimeout(() => req.socket.destroy(), HANG_MS);
      return;
    }
    if (fault === 'slow') {
      setTimeout(() => this.processRefresh(res, host, refreshToken), 3_000);
      return;
    }
    this.processRefresh(res, host, refreshToken);
  }

  private processRefresh(res: http.ServerResponse, host: string, refreshToken: string | undefined): void {
    const { refreshStatus, noRotation, revokeOldOnRefresh } = this.faults;
    if (refreshStatus) {
      this.refreshCalls.push({ at: Date.now(), ok: false, host });
      this.json(res, refreshStatus, { message: `refresh failure ${refreshStatus} (test)` });
      return;
    }
    const stored = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    if (stored?.used && !this.revokedFamilies.has(stored.family)) {
      // Reuse of a rotated refresh token: the family is compromised (RFC 9700 §4.14.2).
      this.reuseDetections++;
      this.revokedFamilies.add(stored.family);
    }
    if (!stored || stored.used || this.revokedFamilies.has(stored.family)) {
      this.refreshCalls.push({ at: Date.now(), ok: false, host });
      this.json(res, 401, { error: 'invalid_grant', error_description: 'refresh token is not valid' });
      return;
    }
    // Rotation: a refresh token works once, unless the server is set not to rotate.
    stored.used = !noRotation;
    this.refreshCalls.push({ at: Date.now(), ok: true, host, user: stored.user });
    const previous = this.latestByFamily.get(stored.family);
    const issued = this.issue(stored.user, stored.family);
    const old = previous ? this.accessTokens.get(previous) : undefined;
    if (previous && old && revokeOldOnRefresh)
      this.accessTokens.set(previous, { ...old, expiresAt: Date.now() });
    this.refreshLog.push({ at: Date.now(), token: issued.token, previous });
    const rotated = noRotation ? {} : { refresh: issued.refresh };
    this.json(res, 200, { data: { token: issued.token, ...rotated, ttl: issued.ttl } });
  }

  /** A minimal OAuth 2.0 token endpoint: password grant (RFC 6749 §4.3) and refresh (§6). */
  private oauthToken(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    host: string,
    form: URLSearchParams,
  ): void {
    const basic = req.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString()
      : undefined;
    const clientId = basic ? decodeURIComponent(basic.split(':')[0] ?? '') : form.get('client_id');
    if (clientId !== 'cli') {
      this.json(res, 401, { error: 'invalid_client', error_description: 'unknown client' });
      return;
    }
    const answer = (issued: { token: string; refresh: string; ttl: number }, user: string) =>
      this.json(res, 200, {
        access_token: issued.token,
        refresh_token: issued.refresh,
        expires_in: issued.ttl,
        token_type: 'Bearer',
        ...(this.idTokenIssuer ? { id_token: this.idToken(user, 'cli', this.idTokenIssuer) } : {}),
      });
    if (form.get('grant_type') === 'password') {
      const user = form.get('username') ?? '';
      if (this.options.users[user] !== form.get('password')) {
        this.json(res, 400, { error: 'invalid_grant', error_description: 'wrong username or password' });
        return;
      }
      answer(this.issue(user), user);
      return;
    }
    if (form.get('grant_type') === 'refresh_token') {
      const stored = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!stored || stored.used) {
        this.refreshCalls.push({ at: Date.now(), ok: false, host });
        this.json(res, 400, { error: 'invalid_grant', error_description: 'refresh token is not valid' });
        return;
      }
      stored.used = true;
      this.refreshCalls.push({ at: Date.now(), ok: true, host, user: stored.user });
      answer(this.issue(stored.user, stored.family), stored.user);
      return;
    }
    if (form.get('grant_type') === 'client_credentials') {
      // The machine identity `cli` with the secret CLIENT_SECRET (HTTP Basic, as RFC 6749 §2.3.1 says).
      // Both parts are form-urlencoded first (RFC 6749 §2.3.1): a space arrives as `+`.
      const secret = decodeURIComponent((basic?.split(':')[1] ?? '').replaceAll('+', ' '));
      if (secret !== CLIENT_SECRET) {
        this.json(res, 401, { error: 'invalid_client', error_description: 'wrong client secret' });
        return;
      }
      answer(this.issue('machine:cli'), 'machine:cli');
      return;
    }
    this.json(res, 400, { error: 'unsupported_grant_type' });
  }

  private idToken(user: string, audience: string, issuer: string): string {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signed = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
      iss: issuer,
      sub: `user-${user}`,
      aud: audience,
      iat: now,
      exp: now + 300,
      preferred_username: user,
    })}`;
    this.idTokenKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    return `${signed}.${sign('sha256', Buffer.from(signed), this.idTokenKey).toString('base64url')}`;
  }

  private record(req: http.IncomingMessage, host: string, path: string, origin: string | undefined): void {
    const authorization = req.headers.authorization;
    const sent = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n'));
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const user = token ? this.accessTokens.get(token)?.user : undefined;
    this.requests.push({
      ...(sent > 0 ? { sent } : {}),
      ...(user ? { user } : {}),
      at: Date.now(),
      host,
      method: req.method ?? 'GET',
      path,
      ...(origin ? { origin } : {}),
      ...(authorization ? { authorization } : {}),
      validToken: this.isValid(authorization) || !!this.acceptToken?.(authorization),
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': origin ?? '*',
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'content-type, authorization',
      });
      res.end();
      return;
    }
    const tokenEndpoint = ['/v2/login', '/v2/refresh', '/oauth/token'].includes(url.pathname);
    if (tokenEndpoint && req.headers.authorization?.startsWith('Bearer ')) this.bearerOnTokenEndpoints++;
    if (url.pathname === '/oauth/token' && req.method === 'POST') {
      this.oauthToken(req, res, host, new URLSearchParams(body));
      return;
    }
    if (url.pathname === '/v2/login' && req.method === 'POST') {
      this.loginCalls++;
      const input = safeJson(body) as { email?: string; password?: string } | undefined;
      if (!input?.email || this.options.users[input.email] !== input.password) {
        this.json(res, 401, { message: 'Wrong email or password' });
        return;
      }
      const issued = this.issue(input.email);
      this.lastLoginAt = Date.now();
      this.json(res, 200, { data: { token: issued.token, refresh: issued.refresh, ttl: issued.ttl } });
      return;
    }
    if (url.pathname === '/v2/refresh' && req.method === 'POST') {
      const input = safeJson(body) as { refresh?: string } | undefined;
      setTimeout(() => this.answerRefresh(req, res, host, input?.refresh), this.faults.refreshDelayMs ?? 0);
      return;
    }
    if (url.pathname === '/redirect' && url.searchParams.get('to')) {
      this.record(req, host, url.pathname, origin);
      res.writeHead(302, {
        Location: url.searchParams.get('to') ?? '/',
        'Access-Control-Allow-Origin': origin ?? '*',
      });
      res.end();
      return;
    }
    if (url.pathname === '/demo.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(demoPage);
      return;
    }
    if (url.pathname === '/' || url.pathname.endsWith('.html')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page(`${host}${url.pathname}`));
      return;
    }
    if (url.pathname === '/unauthorized') {
      // The API no longer takes the token it was sent (revoked on its side, say).
      this.record(req, host, url.pathname, origin);
      this.json(res, 401, { message: 'token revoked' }, origin ?? '*');
      return;
    }
    if (url.pathname === '/echo') {
      // The demo page shows what arrived: the header's start, never the whole token.
      this.record(req, host, url.pathname, origin);
      const received = req.headers.authorization;
      this.json(
        res,
        200,
        {
          authorization: received ? `${received.slice(0, 16)}…` : null,
          valid: this.isValid(received),
          at: new Date().toISOString(),
        },
        origin ?? '*',
      );
      return;
    }
    this.record(req, host, url.pathname, origin);
    this.json(res, 200, { host, path: url.pathname, authorized: !!req.headers.authorization }, origin);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
