// The network seam: the token client against a real local HTTP server.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requestTokens } from '../../src/background/token-client.js';
import { OAUTH_PATHS } from '../../src/core/token-answer.js';
import { failure } from '../support/failure.js';
import '../support/messages.js'; // the English messages

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Handler>();
const server = http.createServer((req, res) => {
  const handler = routes.get(req.url ?? '');
  if (handler) handler(req, res);
  else res.writeHead(404).end();
});
let base = '';

const send = (path: string, timeoutMs = 2_000) =>
  requestTokens({ url: `${base}${path}`, method: 'POST', headers: {}, body: '{}' }, OAUTH_PATHS, 3600, {
    fetch,
    now: () => 1_000,
    timeoutMs,
  });

describe('token client', () => {
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/ok', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"access_token":"A","refresh_token":"R","expires_in":60}'),
    );
    routes.set('/wrong-password', (_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Wrong email or password"}'),
    );
    routes.set('/invalid-grant', (_req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":"invalid_grant","error_description":"Refresh token reused"}'),
    );
    routes.set('/down', (_req, res) =>
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Service Unavailable</h1>'),
    );
    routes.set('/html', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login page</html>'),
    );
    routes.set('/no-token', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"jwt":"A"}'),
    );
    routes.set('/hang', () => undefined);
    // 16 MiB of a "token answer" that never closes its JSON, and a 500 whose page is as large.
    const endless =
      (status: number, type: string, first: string) =>
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(status, { 'content-type': type });
        res.write(first);
        const chunk = 'x'.repeat(64 * 1024);
        let left = 256;
        const more = () => {
          while (left-- > 0) if (!res.write(chunk)) return void res.once('drain', more);
          res.end();
        };
        res.on('error', () => undefined);
        more();
      };
    routes.set('/endless', endless(200, 'application/json', '{"access_token":"'));
    routes.set('/endless-error', endless(500, 'text/html', '<h1>Upstream exploded</h1>'));
    routes.set('/redirect', (_req, res) => res.writeHead(307, { location: `${base}/ok` }).end());
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('returns the tokens of a good answer', async () => {
    const tokens = await send('/ok');
    assert.deepEqual(tokens, {
      accessToken: 'A',
      refreshToken: 'R',
      issuedAt: 1_000,
      expiresAt: 61_000,
      expirySource: 'answer',
    });
  });

  it('a refusal is "rejected" with the server’s own words', async () => {
    const wrong = await failure(send('/wrong-password'));
    assert.equal(wrong.kind, 'rejected');
    assert.match(wrong.message, /answered 401: Wrong email or password$/);
    const grant = await failure(send('/invalid-grant'));
    assert.equal(grant.kind, 'rejected');
    assert.match(grant.message, /answered 400: invalid_grant: Refresh token reused$/);
  });

  it('a server error, a timeout, an unreachable host are "transient"', async () => {
    const down = await failure(send('/down'));
    assert.equal(down.kind, 'transient');
    assert.match(down.message, /answered 503: Service Unavailable/);
    const hang = await failure(send('/hang', 300));
    assert.equal(hang.kind, 'transient');
    assert.match(hang.message, /did not answer within 0 s|did not answer within/);
    const unreachable = await failure(
      requestTokens({ url: 'http://127.0.0.1:9/x', method: 'POST', headers: {} }, OAUTH_PATHS, 60, {
        fetch,
        now: () => 0,
      }),
    );
    assert.equal(unreachable.kind, 'transient');
    assert.match(unreachable.message, /^could not reach 127\.0\.0\.1:9/);
  });

  it('an answer that is not JSON or has no token says so', async () => {
    const html = await failure(send('/html'));
    assert.equal(html.kind, 'invalid-answer');
    assert.match(html.message, /answered 200 but not with JSON/);
    const none = await failure(send('/no-token'));
    assert.equal(none.kind, 'invalid-answer');
    assert.match(none.message, /no access token at "access_token" \(the answer has "jwt"\)/);
  });

  it('reads an answer to a fixed size: an endless one is refused, an endless error page summarized from its start', async () => {
    const endless = await failure(send('/endless', 10_000));
    assert.equal(endless.kind, 'invalid-answer');
    assert.match(endless.message, /answered with more than 1024 KiB, far more than a token answer: refused/);
    const error = await failure(send('/endless-error', 10_000));
    assert.equal(error.kind, 'transient');
    assert.match(error.message, /answered 500: Upstream exploded x{10}/);
  });

  it('never follows a redirect with the credentials', async () => {
    const redirected = await failure(send('/redirect'));
    assert.match(redirected.message, /redirect/);
  });
});
