// What the popup's card shows and which buttons it offers, for each status (src/popup/model.ts),
// without a browser: the page draws exactly this.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateProfile } from '../../src/core/profile.js';
import type { PublicStatus } from '../../src/core/session.js';
import type { ProfileView } from '../../src/core/view.js';
import { cardModel, inTabOrder, signInControl } from '../../src/popup/model.js';
import '../support/messages.js';

const NOW = 1_800_000_000_000;

function profileView(
  auth: unknown,
  status: Partial<PublicStatus>,
  more: Partial<ProfileView> & { testUrl?: string; pages?: string[]; enabled?: boolean } = {},
): ProfileView {
  const { testUrl, pages, enabled = true, ...view } = more;
  const checked = validateProfile({
    name: 'API',
    hosts: ['api.test'],
    auth,
    enabled,
    ...(testUrl ? { testUrl } : {}),
    ...(pages ? { pages } : {}),
  });
  assert.ok(checked.ok, JSON.stringify(!checked.ok && checked.problems));
  return {
    id: 'p1',
    profile: checked.value,
    hasClientSecret: false,
    plainHttp: [],
    managed: false,
    status: { phase: 'signed-out', canRefresh: false, signingIn: false, ...status },
    missingOrigins: [],
    origins: [],
    accounts: [],
    ...view,
  };
}

const login = { kind: 'json-login', login: { url: 'https://api.test/login' } };
const withRefresh = {
  ...login,
  refresh: { url: 'https://api.test/refresh', body: { token: '{refresh_token}' } },
};
const machine = { kind: 'oauth2-client-credentials', tokenUrl: 'https://id.test/token', clientId: 'c' };
const code = { kind: 'oauth2-authorization-code', issuer: 'https://id.test', clientId: 'c' };
const manual = { kind: 'manual' };

describe('the popup’s card', () => {
  it('signed out: the sign-in its kind has, no buttons; a machine identity without its secret asks for it', () => {
    const cases: Array<[unknown, boolean, string]> = [
      [login, false, 'password'],
      [code, false, 'provider'],
      [machine, true, 'connect'],
      [machine, false, 'client-secret'],
      [manual, false, 'token'],
    ];
    for (const [auth, hasClientSecret, control] of cases) {
      const model = cardModel(profileView(auth, {}, { hasClientSecret }), NOW, undefined, []);
      assert.equal(model.signIn, control);
      assert.deepEqual(model.actions, []);
      assert.equal(model.accounts, undefined, 'nothing to add before the first account signs in');
    }
    const expired = cardModel(profileView(login, { phase: 'expired' }), NOW, undefined, []);
    assert.equal(expired.signIn, 'password');
  });

  it('no sign-in while one is under way, or while the profile is off', () => {
    assert.equal(
      signInControl(profileView(login, { signingIn: true }), {
        phase: 'signed-out',
        canRefresh: false,
        signingIn: true,
      }),
      undefined,
    );
    const off = profileView(login, { phase: 'disabled' }, { enabled: false });
    assert.equal(cardModel(off, NOW, undefined, []).signIn, undefined);
    assert.deepEqual(cardModel(off, NOW, undefined, []).actions, []);
  });

  it('while its token is sent (signed in, refreshing, retrying): Refresh where it can, Test, Open in a tab, Sign out', () => {
    for (const phase of ['signed-in', 'refreshing', 'retrying'] as const) {
      const view = profileView(
        withRefresh,
        { phase, canRefresh: true, username: 'ada', expiresAt: NOW + 65_000 },
        { testUrl: 'https://api.test/me', pages: ['app.test'] },
      );
      const model = cardModel(view, NOW, undefined, []);
      assert.equal(model.signIn, undefined, phase);
      assert.deepEqual(model.actions, ['refresh', 'test', 'copy-curl', 'open-in-tab', 'sign-out'], phase);
      assert.deepEqual(model.terminal, { kind: 'offer' }, phase);
      assert.equal(
        cardModel(view, NOW, undefined, [], false).terminal,
        undefined,
        'not where the policy forbids it',
      );
      assert.deepEqual(model.accounts, { kind: 'add' }, phase);
    }
    const plain = cardModel(profileView(login, { phase: 'signed-in' }), NOW, undefined, []);
    assert.deepEqual(plain.actions, ['open-in-tab', 'sign-out'], 'nothing to refresh with, no test URL');
    const signedIn = cardModel(
      profileView(login, { phase: 'signed-in', username: 'ada', expiresAt: NOW + 65_000 }),
      NOW,
      undefined,
      [],
    );
    assert.match(signedIn.stateText, /ada/);
    assert.match(signedIn.stateText, /01:05/);
  });

  it('terminal access: shown while on (until when, its use), whatever the status; never offered signed out', () => {
    const on = { until: NOW + 3_600_000, handedOut: 2, lastAt: NOW - 1_000 };
    const signedOut = profileView(login, {}, { terminal: on });
    assert.deepEqual(cardModel(signedOut, NOW, undefined, []).terminal, { kind: 'on', ...on });
    assert.equal(cardModel(profileView(login, {}), NOW, undefined, []).terminal, undefined);
  });

  it('a machine identity holds one account: no "Add another account"', () => {
    const view = profileView(machine, { phase: 'signed-in', canRefresh: true }, { hasClientSecret: true });
    assert.equal(cardModel(view, NOW, undefined, []).accounts, undefined);
  });

  it('added accounts: a row each, the tab’s account marked, the others offered for this tab', () => {
    const bob: PublicStatus = { phase: 'signed-in', canRefresh: true, signingIn: false, username: 'bob' };
    const carol: PublicStatus = { phase: 'signed-out', canRefresh: false, signingIn: false };
    const view = profileView(
      withRefresh,
      { phase: 'signed-in', canRefresh: true, username: 'ada' },
      {
        accounts: [
          { accountId: '2', status: bob },
          { accountId: '3', status: carol },
        ],
      },
    );
    const tab = { id: 7, url: 'https://api.test/' };
    const model = cardModel(view, NOW, tab, [{ tabId: 7, profileId: 'p1', accountId: '2' }]);
    assert.equal(model.accounts?.kind, 'rows');
    const rows = model.accounts?.kind === 'rows' ? model.accounts.rows : [];
    assert.deepEqual(
      rows.map((r) => [r.label, r.isDefault, r.usedInThisTab, r.actions, r.added?.signIn]),
      [
        ['ada', true, false, ['use-in-this-tab'], undefined],
        ['bob', false, true, ['open-tab', 'refresh', 'sign-out', 'remove'], undefined],
        ['Account 3', false, false, ['use-in-this-tab', 'remove'], 'password'],
      ],
    );
    // A tab the profile does not apply to, using the default account: nothing to switch there.
    const elsewhere = cardModel(view, NOW, { id: 8, url: 'https://other.test/' }, []);
    const far = elsewhere.accounts?.kind === 'rows' ? elsewhere.accounts.rows : [];
    assert.ok(far.every((r) => !r.actions.includes('use-in-this-tab') && !r.usedInThisTab));
  });

  it('the profiles that apply to the current tab come first', () => {
    const a = { ...profileView(login, {}), id: 'a' };
    const b = {
      ...profileView({ ...login }, {}, { pages: ['app.test'] }),
      id: 'b',
    };
    assert.deepEqual(
      inTabOrder([a, b], { id: 1, url: 'https://app.test/x' }).map((v) => v.id),
      ['b', 'a'],
    );
    assert.deepEqual(
      inTabOrder([a, b], undefined).map((v) => v.id),
      ['a', 'b'],
    );
  });
});
