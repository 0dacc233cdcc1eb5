// A local test API the end-to-end tests start: a JSON login and refresh with rotating refresh
// tokens, and data endpoints that record every request they get (host, initiator, token) so a
// test can check where the header went. Every *.test name reaches this one server; it tells them
// apart by the Host header.
import { randomBytes } from 'node:crypto';
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
}

interface Issued {
  readonly user: string;
  readonly expiresAt: number;
}

export interface TestApiOptions {
  /** Access-token lifetime the login and refresh answers announce. */
  ttlSeconds: number;
  users: Record<string, string>;
}

const page = (title: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1></body></html>`;

export class TestApi {
  readonly requests: RecordedRequest[] = [];
  readonly accessTokens = new Map<string, Issued>();
  /** Refresh token → its state; a used one stays in the map as `used`. */
  readonly refreshTokens = new Map<string, { user: string; used: boolean }>();
  readonly refreshCalls: Array<{ at: number; ok: boolean }> = [];
  loginCalls = 0;
  /** Set to a status to make the refresh endpoint fail with it. */
  refreshFailure: number | undefined;
  /** Answer refreshes without a new refresh token (the client must keep the old one). */
  omitRotatedRefreshToken = false;
  /** Delay before the refresh endpoint answers, to make concurrent triggers overlap. */
  refreshDelayMs = 0;
  /** Also accept tokens another server issued (the OAuth provider's). */
  acceptToken: ((authorization: string | undefined) => boolean) | undefined;
  private server: http.Server | undefined;

  constructor(readonly options: TestApiOptions) {}

  get port(): number {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the test API is not started');
    return address.port;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => this.handle(req, res, body));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private issue(user: string): { token: string; refresh: string; ttl: number } {
    const token = `at-${randomBytes(12).toString('hex')}`;
    const refresh = `rt-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(token, { user, expiresAt: Date.now() + this.options.ttlSeconds * 1000 });
    this.refreshTokens.set(refresh, { user, used: false });
    return { token, refresh, ttl: this.options.ttlSeconds };
  }

  isValid(authorization: string | undefined, at = Date.now()): boolean {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const issued = token ? this.accessTokens.get(token) : undefined;
    return !!issued && at < issued.expiresAt;
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

  private answerRefresh(res: http.ServerResponse, refreshToken: string | undefined): void {
    if (this.refreshFailure) {
      this.refreshCalls.push({ at: Date.now(), ok: false });
      this.json(res, this.refreshFailure, { message: `refresh failure ${this.refreshFailure} (test)` });
      return;
    }
    const stored = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    if (!stored || stored.used) {
      this.refreshCalls.push({ at: Date.now(), ok: false });
      this.json(res, 401, { error: 'invalid_grant', error_description: 'refresh token is not valid' });
      return;
    }
    // Rotation: a refresh token works once, unless the server is set not to rotate.
    stored.used = !this.omitRotatedRefreshToken;
    this.refreshCalls.push({ at: Date.now(), ok: true });
    const issued = this.issue(stored.user);
    const rotated = this.omitRotatedRefreshToken ? {} : { refresh: issued.refresh };
    this.json(res, 200, { data: { token: issued.token, ...rotated, ttl: issued.ttl } });
  }

  private record(req: http.IncomingMessage, host: string, path: string, origin: string | undefined): void {
    const authorization = req.headers.authorization;
    this.requests.push({
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
    if (url.pathname === '/v2/login' && req.method === 'POST') {
      this.loginCalls++;
      const input = safeJson(body) as { email?: string; password?: string } | undefined;
      if (!input?.email || this.options.users[input.email] !== input.password) {
        this.json(res, 401, { message: 'Wrong email or password' });
        return;
      }
      const issued = this.issue(input.email);
      this.json(res, 200, { data: { token: issued.token, refresh: issued.refresh, ttl: issued.ttl } });
      return;
    }
    if (url.pathname === '/v2/refresh' && req.method === 'POST') {
      const input = safeJson(body) as { refresh?: string } | undefined;
      setTimeout(() => this.answerRefresh(res, input?.refresh), this.refreshDelayMs);
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
    if (url.pathname === '/' || url.pathname.endsWith('.html')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page(`${host}${url.pathname}`));
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
