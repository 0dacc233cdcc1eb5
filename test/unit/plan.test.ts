// The background's decisions, pure: what the rules carry, which alarms exist, what the pages and
// badge show, which refreshes a 401 starts, how a session changes, which tabs keep their rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApiTab, afterNavigation, withApiTab, withoutApiTab } from '../../src/core/api-tabs.js';
import { authFingerprint, canRenew } from '../../src/core/auth-requests.js';
import { originsFor } from '../../src/core/permissions.js';
import {
  alarmChanges,
  DROP_ALARM,
  type PlanInput,
  plan,
  REFRESH_ALARM,
  refreshesFor401,
  UNAUTHORIZED_MIN_AGE_MS,
} from '../../src/core/plan.js';
import type { Profile } from '../../src/core/profile.js';
import { managedProfiles, profilesInForce, type StoredProfile } from '../../src/core/profiles.js';
import {
  afterRefresh,
  badgeFor,
  publicStatus,
  type Session,
  SIGNED_OUT,
  signedIn,
} from '../../src/core/session.js';
import { appState, badgeOf } from '../../src/core/view.js';
import { stableJson } from '../../src/pages/dom.js';
import '../support/messages.js'; // the English messages
import { HOUR, profile, T0 } from '../support/plan-fixtures.js';

const tokens = (accessToken = 'at-1', issuedAt = T0) => ({
  accessToken,
  refreshToken: `rt-${accessToken}`,
  issuedAt,
  expiresAt: issuedAt + HOUR,
  expirySource: 'answer' as const,
});
const session = (p: Profile, accessToken = 'at-1', issuedAt = T0): Session =>
  signedIn(tokens(accessToken, issuedAt), 'bob', authFingerprint(p.auth));

function input(entries: Array<[string, Profile, Session?]>, more: Partial<PlanInput> = {}): PlanInput {
  return {
    now: T0 + 1_000,
    profiles: entries.map(([id, p]) => ({ id, profile: p })),
    sessions: new Map(entries.flatMap(([id, , s]) => (s ? [[id, s] as const] : []))),
    apiTabs: [],
    extras: [],
    choices: [],
    subscriptions: [],
    terminalGrants: [],
    refreshing: new Set(),
    signingIn: new Set(),
    ...more,
  };
}

describe('plan', () => {
  it('a signed-in profile: its token in the rules, a refresh and a drop alarm, "signed in"', () => {
    const p = profile();
    const result = plan(input([['a', p, session(p)]], { apiTabs: [{ tabId: 7, profileId: 'a' }] }));
    assert.deepEqual(
      result.active.map(({ id, accessToken, tabIds }) => ({ id, accessToken, tabIds })),
      [{ id: 'a', accessToken: 'at-1', tabIds: [7] }],
    );
    assert.deepEqual(
      [...result.alarms],
      [
        [`${DROP_ALARM}a`, T0 + HOUR - 2_000],
        [`${REFRESH_ALARM}a`, T0 + HOUR - 300_000],
      ],
    );
    assert.equal(result.statuses.a?.phase, 'signed-in');
    assert.deepEqual(result.due, []);
    assert.deepEqual(result.stale, []);
  });

  it('a token past its refresh time is due now; one past its drop time is out of the rules and "expired"', () => {
    const p = profile();
    const due = plan(input([['a', p, session(p)]], { now: T0 + HOUR - 100_000 }));
    assert.deepEqual(due.due, ['a']);
    assert.equal(due.alarms.has(`${REFRESH_ALARM}a`), false, 'no alarm for what runs now');
    const expired = plan(input([['a', p, session(p)]], { now: T0 + HOUR }));
    assert.deepEqual(expired.active, []);
    assert.equal(expired.statuses.a?.phase, 'expired');
  });

  it('a disabled profile carries nothing and schedules nothing; a signed-out one neither', () => {
    const p = profile({ enabled: false });
    const result = plan(
      input([
        ['a', p, session(p)],
        ['b', profile({ name: 'B' })],
      ]),
    );
    assert.deepEqual(result.active, []);
    assert.equal(result.alarms.size, 0);
    assert.equal(result.statuses.a?.phase, 'disabled');
    assert.equal(result.statuses.b?.phase, 'signed-out');
  });

  it('a session from other sign-in settings counts as signed out, with the reason, and is to be stored so', () => {
    const before = profile();
    const after = profile({
      auth: { kind: 'json-login', login: { url: 'https://other.example.com/login' } },
    });
    const result = plan(input([['a', after, session(before)]]));
    assert.deepEqual(result.active, []);
    assert.deepEqual(
      result.stale.map((entry) => entry.key),
      ['a'],
    );
    assert.match(result.statuses.a?.error ?? '', /sign-in settings changed/i);
  });

  it('work in progress shows: refreshing, signing in', () => {
    const p = profile();
    const result = plan(
      input(
        [
          ['a', p, session(p)],
          ['b', profile({ name: 'B' })],
        ],
        {
          refreshing: new Set(['a']),
          signingIn: new Set(['b']),
        },
      ),
    );
    assert.equal(result.statuses.a?.phase, 'refreshing');
    assert.equal(result.statuses.b?.signingIn, true);
  });

  it('API tabs of a profile that no longer holds a token lose their rule', () => {
    const p = profile();
    const tabs: ApiTab[] = [
      { tabId: 1, profileId: 'a' },
      { tabId: 2, profileId: 'b' },
    ];
    const result = plan(
      input(
        [
          ['a', p, session(p)],
          ['b', profile({ name: 'B' })],
        ],
        { apiTabs: tabs },
      ),
    );
    assert.deepEqual(result.apiTabs, [{ tabId: 1, profileId: 'a' }]);
    const kept = [tabs[0] as ApiTab];
    const unchanged = plan(input([['a', p, session(p)]], { apiTabs: kept }));
    assert.equal(unchanged.apiTabs, kept, 'the same list when nothing goes');
  });
});

describe('alarm changes', () => {
  it('clears the unwanted, sets the missing and the moved, keeps what is within 500 ms', () => {
    const wanted = new Map([
      ['keep', 1_000],
      ['move', 5_000],
      ['new', 9_000],
    ]);
    const existing = [
      { name: 'keep', scheduledTime: 1_400 },
      { name: 'move', scheduledTime: 1_000 },
      { name: 'old', scheduledTime: 1_000 },
    ];
    assert.deepEqual(alarmChanges(existing, wanted), {
      clear: ['old'],
      set: [
        ['move', 5_000],
        ['new', 9_000],
      ],
    });
  });
});

describe('401', () => {
  const p = profile();
  const request = {
    url: 'https://api.example.com/me',
    initiator: 'https://app.example.com',
    type: 'xmlhttprequest',
    method: 'GET',
    tabId: 3,
  };
  const carried = (q: Profile = p) => plan(input([['a', q, session(q)]])).active;
  const ids = (forced: Array<{ id: string }>) => forced.map(({ id }) => id);

  it('refreshes a token the request carried, once it is not brand new, once per token', () => {
    assert.deepEqual(ids(refreshesFor401(carried(), request, T0 + UNAUTHORIZED_MIN_AGE_MS, new Set())), [
      'a',
    ]);
    assert.deepEqual(
      ids(refreshesFor401(carried(), request, T0 + 1_000, new Set())),
      [],
      'a brand-new token',
    );
    assert.deepEqual(
      ids(refreshesFor401(carried(), request, T0 + 60_000, new Set(['at-1']))),
      [],
      'forced once already',
    );
  });

  it('ignores a 401 to a request that never carried the token, and a profile that cannot refresh', () => {
    const foreign = { ...request, initiator: 'https://evil.example.org' };
    assert.deepEqual(ids(refreshesFor401(carried(), foreign, T0 + 60_000, new Set())), []);
    const manual = profile({ auth: { kind: 'manual' } });
    assert.deepEqual(ids(refreshesFor401(carried(manual), request, T0 + 60_000, new Set())), []);
  });
});

describe('sessions', () => {
  it('a good refresh stores the new tokens, keeps the refresh token the server did not rotate, clears the error', () => {
    const from = tokens('old');
    const current: Session = { ...signedIn(from, 'bob', 'fp'), failures: 2, error: 'was failing' };
    const next = afterRefresh(
      current,
      from,
      { ok: true, tokens: { ...tokens('new'), refreshToken: undefined } },
      T0,
    );
    assert.equal(next.tokens?.accessToken, 'new');
    assert.equal(next.tokens?.refreshToken, 'rt-old');
    assert.equal(next.failures, 0);
    assert.equal(next.error, undefined);
    assert.deepEqual(next.lastRefresh, { at: T0, ok: true });
    assert.equal(next.username, 'bob');
  });

  it('a transient failure counts and says why; a refusal signs out, keeping who it was', () => {
    const from = tokens();
    const current = signedIn(from, 'bob', 'fp');
    const retry = afterRefresh(current, from, { ok: false, transient: true, message: 'HTTP 503' }, T0);
    assert.equal(retry.failures, 1);
    assert.equal(retry.tokens, from);
    assert.match(retry.error ?? '', /HTTP 503/);
    const out = afterRefresh(current, from, { ok: false, transient: false, message: 'invalid_grant' }, T0);
    assert.equal(out.tokens, undefined);
    assert.equal(out.username, 'bob');
    assert.match(out.error ?? '', /invalid_grant/);
  });

  it('a sign-out or a new sign-in while the refresh ran wins: the answer is dropped', () => {
    const from = tokens('old');
    assert.equal(afterRefresh(SIGNED_OUT, from, { ok: true, tokens: tokens('new') }, T0), SIGNED_OUT);
    const other = signedIn(tokens('other'), 'eve', 'fp');
    assert.equal(afterRefresh(other, from, { ok: false, transient: false, message: 'x' }, T0), other);
  });

  it('only the kinds with something to refresh with can refresh', () => {
    const p = profile();
    assert.equal(canRenew(p.auth, tokens()), true);
    assert.equal(canRenew(p.auth, { refreshToken: undefined }), false);
    assert.equal(canRenew(p.auth, undefined), false);
    const noEndpoint = profile({ auth: { kind: 'json-login', login: { url: 'https://api.example.com/l' } } });
    assert.equal(canRenew(noEndpoint.auth, tokens()), false);
    assert.equal(canRenew(profile({ auth: { kind: 'manual' } }).auth, tokens()), false);
    const machine = profile({
      auth: { kind: 'oauth2-client-credentials', tokenUrl: 'https://id.example.com/token', clientId: 'c' },
    });
    assert.equal(canRenew(machine.auth, { refreshToken: undefined }), true, 'the grant runs again');
  });
});

describe('what the pages and the badge show', () => {
  it('a status holds no token; its phase follows the session', () => {
    const s = session(profile());
    const base = { enabled: true, refreshing: false, usable: true, canRefresh: true };
    const status = publicStatus(s, base);
    assert.equal(status.phase, 'signed-in');
    assert.ok(!JSON.stringify(status).includes('at-1') && !JSON.stringify(status).includes('rt-at-1'));
    assert.equal(publicStatus(s, { ...base, usable: false }).phase, 'expired');
    assert.equal(publicStatus({ ...s, failures: 1 }, base).phase, 'retrying');
    assert.equal(publicStatus(s, { ...base, enabled: false }).phase, 'disabled');
  });

  it('the badge: errors first, then work in progress, then the number signed in', () => {
    const status = (phase: 'signed-in' | 'refreshing' | 'retrying' | 'signed-out', error?: string) => ({
      phase,
      canRefresh: true,
      signingIn: false,
      ...(error ? { error } : {}),
    });
    const entry = (s: ReturnType<typeof status>, missingPermission = false) => ({
      name: 'API',
      status: s,
      missingPermission,
    });
    assert.equal(badgeFor([entry(status('signed-in')), entry(status('signed-in'))]).text, '2');
    assert.equal(badgeFor([entry(status('signed-in')), entry(status('refreshing'))]).text, '…');
    assert.equal(badgeFor([entry(status('refreshing')), entry(status('retrying'))]).text, '!');
    assert.equal(badgeFor([entry(status('signed-out', 'refused'))]).text, '!');
    assert.equal(badgeFor([entry(status('signed-in'), true)]).text, '!', 'a missing permission');
    assert.equal(badgeFor([entry(status('signed-out'))]).text, '?');
    assert.equal(badgeFor([]).text, '');
    assert.match(badgeFor([entry(status('signed-in'))]).title, /API: signed in/i);
  });

  it('the pages see no client secret, the permissions still missing, and a refused rule in the status', () => {
    const p = profile({
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: 'https://id.example.com/token',
        clientId: 'c',
        clientSecret: 's3cret',
      },
    });
    const entries: StoredProfile[] = [{ id: 'a', profile: p }];
    const planned = plan(input([['a', p, session(p)]]));
    const origins = new Map([['a', { all: originsFor(p), missing: ['https://id.example.com/*'] }]]);
    const state = appState(planned, {
      profiles: entries,
      managedProblems: [],
      now: T0,
      discovered: {},
      origins,
      ruleFailures: new Map([['a', 'Rule with id 1 is invalid']]),
    });
    const [view] = state.profiles;
    assert.ok(!JSON.stringify(state).includes('s3cret'));
    assert.equal(view?.hasClientSecret, true);
    assert.deepEqual(view?.origins, [
      'https://api.example.com/*',
      'https://app.example.com/*',
      'https://id.example.com/*',
    ]);
    assert.match(view?.status.error ?? '', /refused .* Rule with id 1/);
    assert.equal(badgeOf(state).text, '!');
  });
});

describe('profiles in force', () => {
  const file = (names: string[]) =>
    JSON.stringify({
      autobearer: 1,
      profiles: names.map((name) => ({ name, hosts: ['api.example.com'], auth: { kind: 'manual' } })),
    });

  it('the policy’s profiles come first and a user profile of the same name gives way', () => {
    const own = [
      { id: 'u1', profile: profile({ name: 'Shared' }) },
      { id: 'u2', profile: profile({ name: 'Mine' }) },
    ];
    const { profiles, problems } = profilesInForce(file(['Shared']), own);
    assert.deepEqual(
      profiles.map((entry) => [entry.id, !!entry.managed]),
      [
        ['managed:Shared', true],
        ['u2', false],
      ],
    );
    assert.deepEqual(problems, []);
  });

  it('no policy is no managed profile; a bad one is refused with its problems', () => {
    assert.deepEqual(managedProfiles(undefined), { profiles: [], problems: [] });
    assert.deepEqual(managedProfiles(42).problems, ['profileFile: must be the profile file as JSON text']);
    assert.ok(managedProfiles('{"autobearer": 1, "profiles": [{"name": "x"}]}').problems.length > 0);
  });
});

describe('API tabs', () => {
  const p = profile();
  const profiles = [{ id: 'a', profile: p }];
  const opened = withApiTab([], 5, 'a');

  it('a tab keeps its rule while it opens and while it shows the hosts; leaving them ends it', () => {
    assert.equal(
      afterNavigation(opened, 5, 'chrome-extension://x/opening.html', profiles),
      opened,
      'still opening',
    );
    const reached = afterNavigation(opened, 5, 'https://api.example.com/docs', profiles);
    assert.deepEqual(reached, [{ tabId: 5, profileId: 'a', reachedHosts: true }]);
    assert.equal(afterNavigation(reached, 5, 'https://api.example.com/other', profiles), reached);
    assert.deepEqual(afterNavigation(reached, 5, 'https://elsewhere.example.org/', profiles), []);
    assert.deepEqual(afterNavigation(reached, 5, undefined, profiles), [], 'a site it cannot see');
    assert.equal(
      afterNavigation(reached, 9, 'https://elsewhere.example.org/', profiles),
      reached,
      'another tab',
    );
  });

  it('a closed tab goes; a tab opened again for another profile is that profile’s', () => {
    assert.deepEqual(withoutApiTab(opened, 5), []);
    assert.equal(withoutApiTab(opened, 6), opened);
    assert.deepEqual(withApiTab(opened, 5, 'b'), [{ tabId: 5, profileId: 'b' }]);
  });
});

describe('the pages', () => {
  it('a state reads the same whether it came as an answer or through storage (keys sorted there)', () => {
    const asAnswer = { id: 'a', status: { phase: 'signed-in', canRefresh: true }, list: [{ b: 1, a: 2 }] };
    const fromStorage = { list: [{ a: 2, b: 1 }], status: { canRefresh: true, phase: 'signed-in' }, id: 'a' };
    assert.equal(stableJson(asAnswer), stableJson(fromStorage));
    assert.notEqual(stableJson(asAnswer), stableJson({ ...fromStorage, id: 'b' }));
    assert.notEqual(stableJson([1, 2]), stableJson([2, 1]), 'the order of a list is kept');
  });
});
