import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ANSWER_BYTES } from '../../src/background/token-client.js';
import {
  fitForIdTokenHeader,
  jwtExpiry,
  OAUTH_PATHS,
  parseTokenAnswer,
  readDotPath,
  serverMessage,
  TokenAnswerError,
} from '../../src/core/token-answer.js';
import '../support/messages.js'; // the English messages

const NOW = 1_700_000_000_000;
const jwt = (payload: object): string =>
  ['{"alg":"none"}', JSON.stringify(payload), ''].map((p) => Buffer.from(p).toString('base64url')).join('.') +
  'sig';

describe('token answers', () => {
  it('reads dot paths, including array indexes', () => {
    assert.equal(readDotPath({ data: { auth: { token: 't' } } }, 'data.auth.token'), 't');
    assert.equal(readDotPath({ list: [{ a: 1 }] }, 'list.0.a'), 1);
    assert.equal(readDotPath({ data: null }, 'data.token'), undefined);
    assert.equal(readDotPath({}, 'constructor'), undefined, 'no prototype keys');
  });

  it('takes the expiry from the answer, as number or numeric string', () => {
    const tokens = parseTokenAnswer(
      { data: { token: 'abc', refresh: 'r', ttl: '3600' } },
      { accessToken: 'data.token', refreshToken: 'data.refresh', expiresIn: 'data.ttl' },
      NOW,
      60,
    );
    assert.deepEqual(tokens, {
      accessToken: 'abc',
      refreshToken: 'r',
      issuedAt: NOW,
      expiresAt: NOW + 3_600_000,
      expirySource: 'answer',
    });
  });

  it('falls back to the JWT exp claim, then to the default lifetime', () => {
    const token = jwt({ exp: NOW / 1000 + 120 });
    assert.equal(jwtExpiry(token), NOW / 1000 + 120);
    const fromJwt = parseTokenAnswer({ access_token: token }, OAUTH_PATHS, NOW, 60);
    assert.equal(fromJwt.expiresAt, NOW + 120_000);
    assert.equal(fromJwt.expirySource, 'jwt');
    assert.equal(fromJwt.refreshToken, undefined);
    const fallback = parseTokenAnswer({ access_token: 'opaque' }, OAUTH_PATHS, NOW, 60);
    assert.equal(fallback.expiresAt, NOW + 60_000);
    assert.equal(fallback.expirySource, 'default');
  });

  it('says where the token was missing, naming keys but never values', () => {
    assert.throws(
      () =>
        parseTokenAnswer(
          { data: { jwt: 'secret-value' } },
          { ...OAUTH_PATHS, accessToken: 'data.token' },
          NOW,
          60,
        ),
      (error: Error) =>
        /no access token at "data\.token" \(the answer has "data"\)/.test(error.message) &&
        !error.message.includes('secret-value'),
    );
    assert.throws(
      () => parseTokenAnswer({ access_token: 'a b' }, OAUTH_PATHS, NOW, 60),
      /characters a header cannot carry/,
    );
    assert.throws(
      () => parseTokenAnswer({ access_token: 'a\r\nX-Evil: 1' }, OAUTH_PATHS, NOW, 60),
      /characters a header cannot carry/,
    );
  });

  it('summarizes a hostile error page in one pass: a megabyte of unclosed tags is no work', {
    timeout: 10_000,
  }, () => {
    // With `<[^>]*>` this took 2 s for 80,000 `<`, and grows with the square: a megabyte never ends.
    const said = serverMessage(`${'<'.repeat(MAX_ANSWER_BYTES - 10)}tail`, 'text/html');
    assert.equal(said?.length, 200);
    assert.equal(serverMessage('a <<b>bold</b> claim', 'text/html'), 'a < bold claim');
  });

  it('quotes the server’s own error message', () => {
    assert.equal(
      serverMessage('{"error":"invalid_grant","error_description":"Token revoked"}', 'application/json'),
      'invalid_grant: Token revoked',
    );
    assert.equal(
      serverMessage('{"message":"Wrong email or password"}', 'application/json'),
      'Wrong email or password',
    );
    assert.equal(
      serverMessage('<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'),
      '502 Bad Gateway',
    );
    assert.equal(serverMessage('', null), undefined);
  });

  it('reads an expiry in milliseconds, or an absolute one (epoch seconds, epoch milliseconds, ISO 8601)', () => {
    const paths = { ...OAUTH_PATHS, expiresIn: 'expires', expiresInUnit: 'milliseconds' as const };
    assert.equal(
      parseTokenAnswer({ access_token: 'a', expires: 900_000 }, paths, NOW, 60).expiresAt,
      NOW + 900_000,
    );
    const at = { ...OAUTH_PATHS, expiresAt: 'expires_at' };
    const inAnHour = NOW + 3_600_000;
    for (const value of [
      inAnHour / 1000,
      inAnHour,
      new Date(inAnHour).toISOString(),
      String(inAnHour / 1000),
    ]) {
      const tokens = parseTokenAnswer({ access_token: 'a', expires_at: value }, at, NOW, 60);
      assert.equal(tokens.expiresAt, inAnHour, String(value));
      assert.equal(tokens.expirySource, 'answer');
    }
    // A time already past, or not a time, falls back to expires_in.
    for (const value of [NOW / 1000 - 10, 'tomorrow', '2026-12-01']) {
      const tokens = parseTokenAnswer({ access_token: 'a', expires_at: value, expires_in: 60 }, at, NOW, 5);
      assert.equal(tokens.expiresAt, NOW + 60_000, String(value));
    }
  });

  it('keeps the ID token, and refuses one that could break a header', () => {
    const tokens = parseTokenAnswer({ access_token: 'a', id_token: 'i.d.t' }, OAUTH_PATHS, NOW, 60);
    assert.equal(tokens.idToken, 'i.d.t');
    assert.throws(
      () => parseTokenAnswer({ access_token: 'a', id_token: 'x\r\ny' }, OAUTH_PATHS, NOW, 60),
      /id_token/,
    );
    const firebase = parseTokenAnswer(
      { idToken: 'f', expiresIn: '3600' },
      { ...OAUTH_PATHS, accessToken: 'idToken', idToken: 'idToken', expiresIn: 'expiresIn' },
      NOW,
      60,
    );
    assert.equal(firebase.idToken, 'f');
    assert.equal(firebase.expiresAt, NOW + 3_600_000);
  });

  it('a header that carries the ID token needs one, and stops when it expires', () => {
    const base = {
      accessToken: 'a',
      issuedAt: NOW,
      expiresAt: NOW + 3_600_000,
      expirySource: 'answer' as const,
    };
    assert.deepEqual(fitForIdTokenHeader(base, false), base);
    assert.throws(() => fitForIdTokenHeader(base, true), TokenAnswerError);
    const early = jwt({ exp: NOW / 1000 + 600 });
    assert.equal(fitForIdTokenHeader({ ...base, idToken: early }, true).expiresAt, NOW + 600_000);
    const late = jwt({ exp: NOW / 1000 + 7200 });
    assert.equal(fitForIdTokenHeader({ ...base, idToken: late }, true).expiresAt, NOW + 3_600_000);
  });
});

describe('an expiry that cannot be right (a clock ahead of the server’s, a hostile endpoint)', () => {
  it('a JWT exp in the past is read as clock skew: the server’s own lifetime (exp − iat) from now, said to be doubtful', () => {
    const skewed = jwt({ iat: NOW / 1000 - 7_200, exp: NOW / 1000 - 3_600 }); // a clock 2 h ahead
    const tokens = parseTokenAnswer({ access_token: skewed }, OAUTH_PATHS, NOW, 60);
    assert.equal(tokens.expiresAt, NOW + 3_600_000);
    assert.equal(tokens.expiryDoubtful, true);
    const noIat = parseTokenAnswer({ access_token: jwt({ exp: NOW / 1000 - 5 }) }, OAUTH_PATHS, NOW, 60);
    assert.equal(noIat.expiresAt, NOW + 60_000, 'without iat: the profile’s default lifetime');
    assert.equal(noIat.expiryDoubtful, true);
    const moments = parseTokenAnswer({ access_token: jwt({ exp: NOW / 1000 + 2 }) }, OAUTH_PATHS, NOW, 60);
    assert.equal(moments.expiresAt, NOW + 60_000, 'two seconds is no lifetime either');
    const fine = parseTokenAnswer({ access_token: jwt({ exp: NOW / 1000 + 120 }) }, OAUTH_PATHS, NOW, 60);
    assert.equal(fine.expiryDoubtful, undefined);
  });

  it('an ID token whose exp is past does not make the token expire at once', () => {
    const tokens = parseTokenAnswer(
      {
        access_token: 'a',
        expires_in: 3600,
        id_token: jwt({ iat: NOW / 1000 - 600, exp: NOW / 1000 - 300 }),
      },
      OAUTH_PATHS,
      NOW,
      60,
    );
    const fitted = fitForIdTokenHeader(tokens, true);
    assert.equal(fitted.expiresAt, NOW + 300_000, 'its own lifetime, from now');
    assert.equal(fitted.expiryDoubtful, true);
  });

  it('an answer that lives moments is marked, so that the schedule spaces the refreshes out', () => {
    assert.equal(
      parseTokenAnswer({ access_token: 'a', expires_in: 1 }, OAUTH_PATHS, NOW, 60).expiryDoubtful,
      true,
    );
    assert.equal(
      parseTokenAnswer({ access_token: 'a', expires_in: 60 }, OAUTH_PATHS, NOW, 60).expiryDoubtful,
      undefined,
    );
  });
});
