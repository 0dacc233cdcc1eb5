// Local stand-ins for the sign-in services of docs/providers.md whose login is their own JSON
// (not OAuth): each answers on the paths, with the field names, client authentication, expiry
// units and error bodies its documentation gives, and guards one data endpoint the way the
// service does. Tokens are random, but where the service issues JWTs so do these (Strapi and
// PocketBase clients read `exp`), with a real lifetime the test can check.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ServiceName = 'supabase' | 'firebase' | 'directus' | 'pocketbase' | 'strapi';

export const SERVICE_USER = { email: 'dev@example.com', password: 'correct horse' } as const;
/** Supabase's public "anon" key, which every request to a project carries as `apikey`. */
export const SUPABASE_ANON_KEY = 'anon-key-for-tests';
/** Firebase's web API key, sent in the query of both its calls. */
export const FIREBASE_API_KEY = 'firebase-web-key';

interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const jwt = (claims: Record<string, unknown>): string => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.${randomBytes(16).toString('base64url')}`;
};

export class ServiceStandIn {
  private server: http.Server | undefined;
  /** Every request, in order, as it arrived. */
  readonly received: Received[] = [];
  /** Access tokens (or ID tokens) the service accepts on its data endpoint, with their expiry. */
  private readonly valid = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  /** Seconds each token lives. */
  lifetimeSeconds = 3600;

  constructor(readonly service: ServiceName) {}

  get origin(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the stand-in is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        this.received.push({ path: req.url ?? '', headers: req.headers, body });
        const [status, answer] = this.answer(req, body);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The data endpoint a profile's header must reach: its path on this service. */
  get dataPath(): string {
    return {
      supabase: '/rest/v1/todos',
      firebase: '/v1/projects/demo/databases/(default)/documents/todos',
      directus: '/items/todos',
      pocketbase: '/api/collections/todos/records',
      strapi: '/api/todos',
    }[this.service];
  }

  private issue(): { token: string; refresh: string } {
    const exp = Math.floor(Date.now() / 1000) + this.lifetimeSeconds;
    const token = jwt({ sub: 'user-1', exp, iat: exp - this.lifetimeSeconds });
    const refresh = randomBytes(12).toString('hex');
    this.valid.set(token, exp * 1000);
    this.refreshTokens.add(refresh);
    return { token, refresh };
  }

  private takeRefresh(token: unknown): boolean {
    if (typeof token !== 'string' || !this.refreshTokens.has(token)) return false;
    this.refreshTokens.delete(token); // every service here rotates it
    return true;
  }

  private isValid(token: string | undefined): boolean {
    const expiresAt = token ? this.valid.get(token) : undefined;
    return expiresAt !== undefined && Date.now() < expiresAt;
  }

  private answer(req: http.IncomingMessage, body: string): [number, unknown] {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const json = (): Record<string, unknown> => {
      try {
        return JSON.parse(body) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    const isJson = req.headers['content-type']?.startsWith('application/json');
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    const goodUser = (email: unknown, password: unknown) =>
      email === SERVICE_USER.email && password === SERVICE_USER.password;
    const seconds = this.lifetimeSeconds;
    switch (this.service) {
      // https://supabase.com/docs/reference/api (GoTrue): /auth/v1/token?grant_type=…, apikey on every call.
      case 'supabase': {
        if (req.headers.apikey !== SUPABASE_ANON_KEY)
          return [
            401,
            {
              message: 'No API key found in request',
              hint: 'No `apikey` request header or url param was found.',
            },
          ];
        if (url.pathname === '/auth/v1/token' && req.method === 'POST' && isJson) {
          const grant = url.searchParams.get('grant_type');
          const input = json();
          const ok =
            grant === 'password'
              ? goodUser(input.email, input.password)
              : grant === 'refresh_token' && this.takeRefresh(input.refresh_token);
          if (!ok)
            return [
              400,
              grant === 'password'
                ? { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' }
                : {
                    code: 400,
                    error_code: 'refresh_token_not_found',
                    msg: 'Invalid Refresh Token: Refresh Token Not Found',
                  },
            ];
          const { token, refresh } = this.issue();
          const expiresAt = Math.floor(Date.now() / 1000) + seconds;
          return [
            200,
            {
              access_token: token,
              token_type: 'bearer',
              expires_in: seconds,
              expires_at: expiresAt,
              refresh_token: refresh,
              user: { id: 'user-1' },
            },
          ];
        }
        break;
      }
      // https://firebase.google.com/docs/reference/rest/auth: signInWithPassword (JSON), then
      // securetoken's /v1/token as a form; both with the web API key in the query.
      case 'firebase': {
        const authCall = url.pathname === '/v1/token' || url.pathname.startsWith('/v1/accounts:');
        if (authCall && url.searchParams.get('key') !== FIREBASE_API_KEY)
          return [
            400,
            {
              error: {
                code: 400,
                message: 'API key not valid. Please pass a valid API key.',
                status: 'INVALID_ARGUMENT',
              },
            },
          ];
        if (url.pathname === '/v1/accounts:signInWithPassword' && req.method === 'POST' && isJson) {
          const input = json();
          if (!goodUser(input.email, input.password))
            return [
              400,
              {
                error: {
                  code: 400,
                  message: 'INVALID_LOGIN_CREDENTIALS',
                  errors: [{ message: 'INVALID_LOGIN_CREDENTIALS', domain: 'global', reason: 'invalid' }],
                },
              },
            ];
          const { token, refresh } = this.issue();
          return [
            200,
            {
              kind: 'identitytoolkit#VerifyPasswordResponse',
              localId: 'user-1',
              email: input.email,
              idToken: token,
              registered: true,
              refreshToken: refresh,
              expiresIn: String(seconds),
            },
          ];
        }
        if (url.pathname === '/v1/token' && req.method === 'POST') {
          if (req.headers['content-type'] !== 'application/x-www-form-urlencoded')
            return [400, { error: { code: 400, message: 'MISSING_GRANT_TYPE', status: 'INVALID_ARGUMENT' } }];
          const form = new URLSearchParams(body);
          if (form.get('grant_type') !== 'refresh_token' || !this.takeRefresh(form.get('refresh_token')))
            return [
              400,
              { error: { code: 400, message: 'INVALID_REFRESH_TOKEN', status: 'INVALID_ARGUMENT' } },
            ];
          const { token, refresh } = this.issue();
          return [
            200,
            {
              expires_in: String(seconds),
              token_type: 'Bearer',
              refresh_token: refresh,
              id_token: token,
              user_id: 'user-1',
              project_id: '1234',
              access_token: token,
            },
          ];
        }
        break;
      }
      // https://docs.directus.io/reference/authentication.html: `expires` in milliseconds.
      case 'directus': {
        const tokens = () => {
          const { token, refresh } = this.issue();
          return [
            200,
            { data: { access_token: token, expires: seconds * 1000, refresh_token: refresh } },
          ] as [number, unknown];
        };
        if (url.pathname === '/auth/login' && req.method === 'POST' && isJson) {
          const input = json();
          if (!goodUser(input.email, input.password))
            return [
              401,
              {
                errors: [
                  { message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } },
                ],
              },
            ];
          return tokens();
        }
        if (url.pathname === '/auth/refresh' && req.method === 'POST' && isJson) {
          const input = json();
          if (input.mode !== 'json' || !this.takeRefresh(input.refresh_token))
            return [
              401,
              {
                errors: [
                  { message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } },
                ],
              },
            ];
          return tokens();
        }
        break;
      }
      // https://pocketbase.io/docs/api-records/#auth-with-password: the refresh sends the current
      // token (no refresh token) as the raw Authorization value.
      case 'pocketbase': {
        if (url.pathname === '/api/collections/users/auth-with-password' && req.method === 'POST' && isJson) {
          const input = json();
          if (!goodUser(input.identity, input.password))
            return [400, { status: 400, message: 'Failed to authenticate.', data: {} }];
          return [200, { token: this.issue().token, record: { id: 'user-1', email: input.identity } }];
        }
        if (url.pathname === '/api/collections/users/auth-refresh' && req.method === 'POST') {
          if (!this.isValid(req.headers.authorization))
            return [
              401,
              { status: 401, message: 'The request requires valid record authorization token.', data: {} },
            ];
          return [200, { token: this.issue().token, record: { id: 'user-1' } }];
        }
        if (url.pathname === this.dataPath)
          return this.isValid(req.headers.authorization)
            ? [200, { items: [] }]
            : [403, { status: 403, message: 'Only auth records can access this action.', data: {} }];
        break;
      }
      // https://docs.strapi.io/dev-docs/plugins/users-permissions: /api/auth/local gives a 30-day JWT, no refresh.
      case 'strapi': {
        if (url.pathname === '/api/auth/local' && req.method === 'POST' && isJson) {
          const input = json();
          if (!goodUser(input.identifier, input.password))
            return [
              400,
              {
                data: null,
                error: {
                  status: 400,
                  name: 'ValidationError',
                  message: 'Invalid identifier or password',
                  details: {},
                },
              },
            ];
          return [200, { jwt: this.issue().token, user: { id: 1, email: input.identifier } }];
        }
        break;
      }
    }
    if (url.pathname === this.dataPath) {
      return this.isValid(bearer) ? [200, { data: [] }] : [401, { message: 'invalid token' }];
    }
    return [404, { message: `no ${req.method} ${url.pathname}` }];
  }
}
