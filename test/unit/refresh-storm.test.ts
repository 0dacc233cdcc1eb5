// No refresh storm (#25, item 6): however a token endpoint or the clock misbehaves, one account's
// refreshes are spaced out, the more the longer the answers stay unusable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAttemptAt } from '../../src/core/plan.js';
import { afterRefresh, type Session, signedIn } from '../../src/core/session.js';
import { OAUTH_PATHS, parseTokenAnswer } from '../../src/core/token-answer.js';
import '../support/messages.js'; // the English messages
import { profile, T0 } from '../support/plan-fixtures.js';

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

/** How many refreshes one account makes in `ms`, refreshing whenever the plan says one is due. */
function refreshesIn(ms: number, answer: (now: number) => unknown): number {
  const api = profile();
  let now = T0;
  let session: Session = signedIn(parseTokenAnswer(answer(now), OAUTH_PATHS, now, 3600), 'u', 'f');
  let count = 0;
  for (;;) {
    now = Math.max(now + 1, nextAttemptAt(api, session, now)); // an alarm fires no sooner than 1 ms on
    if (now > T0 + ms) return count;
    const from = session.tokens;
    if (!from) return count;
    count += 1;
    session = afterRefresh(
      session,
      from,
      { ok: true, tokens: parseTokenAnswer(answer(now), OAUTH_PATHS, now, 3600) },
      now,
    );
  }
}

describe('no refresh storm', () => {
  it('a token endpoint whose JWTs expired an hour ago (a clock ahead of it, or a hostile one) is not called in a loop', () => {
    // Before: every refresh scheduled the next at once (73 in 500 ms against the controller).
    const past = (now: number) => ({
      access_token: jwt({ exp: Math.floor(now / 1000) - 3600 }),
      refresh_token: 'r',
    });
    assert.equal(
      refreshesIn(500, past),
      0,
      'the default lifetime stands in for the exp that cannot be right',
    );
  });

  it('answers that live a second each: at least 10 s apart, the gap doubling up to 5 minutes', () => {
    const second = () => ({ access_token: 'a', refresh_token: 'r', expires_in: 1 });
    assert.equal(refreshesIn(500, second), 0);
    const inTenMinutes = refreshesIn(600_000, second);
    assert.ok(inTenMinutes >= 4 && inTenMinutes <= 8, `${inTenMinutes} refreshes in ten minutes`);
  });

  it('a good answer after bad ones brings the usual schedule back', () => {
    const api = profile();
    const bad = parseTokenAnswer({ access_token: 'a', expires_in: 1 }, OAUTH_PATHS, T0, 3600);
    let session = signedIn(bad, 'u', 'f');
    session = afterRefresh(session, bad, { ok: true, tokens: bad }, T0);
    assert.equal(session.doubtful, 1);
    const good = parseTokenAnswer({ access_token: 'b', expires_in: 3600 }, OAUTH_PATHS, T0 + 20_000, 3600);
    session = afterRefresh(session, bad, { ok: true, tokens: good }, T0 + 20_000);
    assert.equal(session.doubtful, undefined);
    assert.equal(
      nextAttemptAt(api, session, T0 + 20_000),
      T0 + 20_000 + 3_300_000,
      'lead 300 s before expiry',
    );
  });
});
