// A pasted token's session (core/session.ts): what the popup's "Use token" stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authFingerprint } from '../../src/core/auth-requests.js';
import { validateProfile } from '../../src/core/profile.js';
import { pastedSession } from '../../src/core/session.js';

const checked = validateProfile({
  name: 'Pasted',
  hosts: ['api.test'],
  auth: { kind: 'manual' },
  refresh: { leadSeconds: 60, defaultLifetimeSeconds: 600 },
});
assert.ok(checked.ok);
const profile = checked.value;
const now = 1_000_000;

describe('a pasted token', () => {
  it('is a session of the profile’s sign-in settings, for the lifetime given or the profile’s default', () => {
    const session = pastedSession(profile, '  abc.def  ', 120, now);
    assert.ok(typeof session !== 'string');
    assert.equal(session.tokens?.accessToken, 'abc.def', 'trimmed');
    assert.equal(session.tokens?.expiresAt, now + 120_000);
    assert.equal(session.signedInWith, authFingerprint(profile.auth));
    assert.equal(session.failures, 0);
    const byDefault = pastedSession(profile, 'abc', undefined, now);
    assert.ok(typeof byDefault !== 'string');
    assert.equal(byDefault.tokens?.expiresAt, now + 600_000);
  });

  it('says what is wrong with an empty token or a lifetime that is not a positive number', () => {
    assert.equal(pastedSession(profile, '   ', undefined, now), 'badToken');
    for (const lifetime of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
      assert.equal(pastedSession(profile, 'abc', lifetime, now), 'badLifetime', String(lifetime));
  });
});
