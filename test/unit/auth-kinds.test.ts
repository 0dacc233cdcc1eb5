// The kinds' traits (core/auth-kinds.ts) against what the rest of the extension does with them:
// the options form offers every kind, the validation agrees on ID tokens, and the background
// refuses what a kind cannot do.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AUTH_KINDS,
  type AuthKind,
  isAuthKind,
  lacksClientSecret,
  traitsOf,
} from '../../src/core/auth-kinds.js';
import { isOAuth } from '../../src/core/auth-requests.js';
import { type Profile, validateProfile } from '../../src/core/profile.js';

/** The smallest sign-in settings of each kind that validation takes. */
const AUTHS: { [K in AuthKind]: unknown } = {
  'json-login': {
    kind: 'json-login',
    login: { url: 'https://api.test/login', body: { u: '{username}', p: '{password}' } },
  },
  'oauth2-password': { kind: 'oauth2-password', tokenUrl: 'https://id.test/token', clientId: 'c' },
  'oauth2-authorization-code': {
    kind: 'oauth2-authorization-code',
    issuer: 'https://id.test',
    clientId: 'c',
  },
  'oauth2-client-credentials': {
    kind: 'oauth2-client-credentials',
    tokenUrl: 'https://id.test/token',
    clientId: 'c',
  },
  manual: { kind: 'manual' },
};

const profileOf = (kind: AuthKind, header = 'Bearer {access_token}') =>
  validateProfile({
    name: kind,
    hosts: ['api.test'],
    auth: AUTHS[kind],
    headers: [{ name: 'Authorization', value: header }],
  });

describe('auth kinds', () => {
  it('the options form offers exactly the kinds the traits name, and validation takes each', () => {
    const html = readFileSync(new URL('../../extension/options.html', import.meta.url), 'utf8');
    const select = html.match(/<select name="kind">([\s\S]*?)<\/select>/)?.[1] ?? '';
    const offered = [...select.matchAll(/value="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual([...offered].sort(), [...AUTH_KINDS].sort());
    for (const kind of AUTH_KINDS) assert.ok(profileOf(kind).ok, kind);
    assert.equal(isAuthKind('oauth2-device-code'), false);
    assert.equal(isAuthKind('toString'), false, 'a name on the prototype is no kind');
  });

  it('a header with {id_token} validates exactly for the kinds that may bring one', () => {
    for (const kind of AUTH_KINDS)
      assert.equal(profileOf(kind, 'Bearer {id_token}').ok, traitsOf(kind).mayBringIdToken, kind);
  });

  it('only a machine identity needs its secret, and only until it has one; it alone holds one account', () => {
    for (const kind of AUTH_KINDS) {
      const checked = profileOf(kind);
      assert.ok(checked.ok);
      const profile: Profile = checked.value;
      assert.equal(lacksClientSecret(profile), kind === 'oauth2-client-credentials', kind);
      assert.equal(traitsOf(kind).allowsAddedAccounts, kind !== 'oauth2-client-credentials', kind);
      assert.equal(isOAuth(profile.auth), kind.startsWith('oauth2-'), kind);
    }
    const withSecret = profileOf('oauth2-client-credentials');
    assert.ok(withSecret.ok);
    const auth = { ...withSecret.value.auth, clientSecret: 's' } as Profile['auth'];
    assert.equal(lacksClientSecret({ ...withSecret.value, auth }), false);
  });
});
