// Accounts per tab (#13), pure: keys, choices, the rules a set of tab choices makes, the plan.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { promptForAnotherUser } from '../../src/background/oauth.js';
import {
  accountKey,
  accountLabel,
  type ExtraAccount,
  inherited,
  parseAccountKey,
  shortLabel,
  standingChoices,
  type TabChoice,
  withChoice,
  withNewAccount,
} from '../../src/core/accounts.js';
import { authFingerprint } from '../../src/core/auth-requests.js';
import { type PlanInput, plan, REFRESH_ALARM, refreshesFor401 } from '../../src/core/plan.js';
import type { Profile } from '../../src/core/profile.js';
import { buildRules, type HeaderRule, rulesWouldMatch } from '../../src/core/rules.js';
import { type Session, signedIn } from '../../src/core/session.js';
import { appState, badgeOf, badgesOfTabs } from '../../src/core/view.js';
import '../support/messages.js'; // the English messages
import { profile as baseProfile, HOUR, setValue, T0 } from '../support/plan-fixtures.js';

/** The profile with two hosts: rules for several hosts, one per account. */
const profile = (overrides: Record<string, unknown> = {}): Profile =>
  baseProfile({ hosts: ['api.example.com', 'eu.example.com'], ...overrides });

const session = (p: Profile, accessToken: string, user: string, issuedAt = T0): Session =>
  signedIn(
    {
      accessToken,
      refreshToken: `rt-${accessToken}`,
      issuedAt,
      expiresAt: issuedAt + HOUR,
      expirySource: 'answer',
    },
    user,
    authFingerprint(p.auth),
  );

const p = profile();
const extras: ExtraAccount[] = [
  { profileId: 'a', accountId: '2' },
  { profileId: 'a', accountId: '3' },
];
const bob: TabChoice = { tabId: 7, profileId: 'a', accountId: '2' };

function input(more: Partial<PlanInput> = {}): PlanInput {
  return {
    now: T0 + 1_000,
    profiles: [{ id: 'a', profile: p }],
    extras,
    sessions: new Map([
      ['a', session(p, 'alice-1', 'alice')],
      [accountKey('a', '2'), session(p, 'bob-1', 'bob')],
    ]),
    apiTabs: [],
    choices: [bob],
    subscriptions: [],
    terminalGrants: [],
    refreshing: new Set(),
    signingIn: new Set(),
    ...more,
  };
}

const tokenOf = (rule: HeaderRule) => setValue(rule);

describe('accounts', () => {
  it('keys: the default account keeps the profile id; another reads back one way, whatever the profile id', () => {
    assert.equal(accountKey('a', ''), 'a');
    // Profile ids are UUIDs or `managed:NAME` (any name): never starting with `@`.
    for (const profileId of ['a', 'managed:Team @2: API', 'managed:@1:x', crypto.randomUUID()]) {
      for (const accountId of ['', '2', '13']) {
        assert.deepEqual(parseAccountKey(accountKey(profileId, accountId)), { profileId, accountId });
      }
    }
  });

  it('a new account takes the next number after the highest listed; removed numbers below are not reused', () => {
    assert.equal(withNewAccount([], 'a').accountId, '2');
    assert.equal(withNewAccount(extras, 'a').accountId, '4');
    assert.equal(withNewAccount([{ profileId: 'a', accountId: '3' }], 'a').accountId, '4');
    assert.equal(withNewAccount(extras, 'b').accountId, '2', 'numbers are per profile');
  });

  it('a tab has one choice per profile; choosing the default removes it; a tab opened from it inherits', () => {
    let choices = withChoice([], 7, 'a', '2');
    choices = withChoice(choices, 7, 'a', '3');
    assert.deepEqual(choices, [{ tabId: 7, profileId: 'a', accountId: '3' }]);
    choices = withChoice(choices, 7, 'b', '2');
    assert.deepEqual(withChoice(choices, 7, 'a', ''), [{ tabId: 7, profileId: 'b', accountId: '2' }]);
    assert.deepEqual(
      inherited(choices, 7, 9).filter((c) => c.tabId === 9),
      [
        { tabId: 9, profileId: 'a', accountId: '3' },
        { tabId: 9, profileId: 'b', accountId: '2' },
      ],
    );
    assert.deepEqual(inherited(choices, 8, 9), choices, 'an opener without a choice passes none');
  });

  it('choices of removed accounts, or of closed tabs where known, no longer stand', () => {
    const choices = [bob, { tabId: 8, profileId: 'a', accountId: '5' }];
    assert.deepEqual(standingChoices(choices, extras), [bob]);
    const same = [bob];
    assert.equal(standingChoices(same, extras), same, 'the same list when all stand');
  });

  it('another user’s sign-in page is asked for a login, unless the profile already lets the user choose', () => {
    assert.equal(promptForAnotherUser(null), 'login');
    assert.equal(promptForAnotherUser('consent'), 'login consent');
    assert.equal(promptForAnotherUser('select_account'), 'select_account');
    assert.equal(promptForAnotherUser('consent select_account'), 'consent select_account');
    assert.equal(promptForAnotherUser('none'), 'login', 'never silent: the session is the other user’s');
  });

  it('labels: the user, else the number; the badge’s four characters', () => {
    assert.equal(accountLabel('bob@example.com', '2'), 'bob@example.com');
    assert.equal(accountLabel(undefined, '2'), 'Account 2');
    assert.equal(accountLabel(undefined, ''), 'Account 1');
    assert.equal(shortLabel('bob@example.com', '2'), 'bob');
    assert.equal(shortLabel('alexandra', '2'), 'alex');
    assert.equal(shortLabel(undefined, '3'), '#3');
  });
});

describe('rules for tab choices', () => {
  const active = plan(input()).active;
  const rules = buildRules(active);
  const alice = rules.filter((r) => tokenOf(r) === 'Bearer alice-1');
  const bobs = rules.filter((r) => tokenOf(r) === 'Bearer bob-1');

  it('the default account’s rules hold everywhere but the switched tabs; the other’s only there, at a higher priority', () => {
    assert.ok(alice.length > 0 && bobs.length > 0);
    for (const rule of alice) {
      assert.deepEqual(rule.condition.excludedTabIds, [7]);
      assert.equal(rule.condition.tabIds, undefined);
      assert.equal(rule.priority, 1);
    }
    for (const rule of bobs) {
      assert.deepEqual(rule.condition.tabIds, [7]);
      assert.equal(rule.condition.excludedTabIds, undefined);
      assert.equal(rule.priority, 3);
    }
    // The same hosts and initiators for both: only the tabs differ.
    const conditions = (list: HeaderRule[]) =>
      list.map(({ condition: { tabIds: _t, excludedTabIds: _e, ...rest } }) => rest);
    assert.deepEqual(conditions(alice), conditions(bobs));
  });

  it('rule ids stay unique and start at 1, with many tabs and accounts', () => {
    const choices = Array.from({ length: 20 }, (_, i) => ({
      tabId: 100 + i,
      profileId: 'a',
      accountId: i % 2 ? '2' : '3',
    }));
    const sessions = new Map(input().sessions);
    sessions.set(accountKey('a', '3'), session(p, 'carol-1', 'carol'));
    const many = buildRules(plan(input({ choices, sessions })).active);
    assert.deepEqual(
      many.map((r) => r.id),
      many.map((_, i) => i + 1),
    );
    // Tabs are listed in the rules, not a rule per tab: three accounts' worth of rules.
    assert.equal(many.length, 3 * alice.length);
    const excluded = many.find((r) => tokenOf(r) === 'Bearer alice-1')?.condition.excludedTabIds;
    assert.deepEqual(
      excluded,
      choices.map((c) => c.tabId),
    );
  });

  it('an added account no tab uses, or a profile without choices, adds nothing; the default is as before', () => {
    const none = buildRules(plan(input({ choices: [] })).active);
    assert.ok(none.every((r) => tokenOf(r) === 'Bearer alice-1'));
    assert.ok(none.every((r) => r.condition.excludedTabIds === undefined && r.priority === 1));
  });

  it('a tab that chose a signed-out account gets no header at all: never the default’s', () => {
    const sessions = new Map(input().sessions);
    sessions.delete(accountKey('a', '2'));
    const rules = buildRules(plan(input({ sessions })).active);
    assert.ok(rules.length > 0);
    assert.ok(rules.every((r) => r.condition.excludedTabIds?.includes(7)));
  });

  it('"Open in a tab" in a switched tab: its navigation rule carries the tab’s account', () => {
    const planned = plan(
      input({
        apiTabs: [
          { tabId: 7, profileId: 'a' },
          { tabId: 9, profileId: 'a' },
        ],
      }),
    );
    const apiTabsOf = (id: string) => planned.active.find((a) => a.id === id)?.tabIds;
    assert.deepEqual(apiTabsOf('a'), [9]);
    assert.deepEqual(apiTabsOf(accountKey('a', '2')), [7]);
  });

  it('a 401 in a tab refreshes the account that tab’s request carried, and only that one', () => {
    const old = plan(input({ now: T0 + HOUR / 2 })).active;
    const request = (tabId: number) => ({
      url: 'https://api.example.com/x',
      initiator: 'https://app.example.com',
      type: 'xmlhttprequest',
      method: 'GET',
      tabId,
    });
    const ids = (tabId: number) =>
      refreshesFor401(old, request(tabId), T0 + HOUR / 2, new Set()).map((a) => a.id);
    assert.deepEqual(ids(7), [accountKey('a', '2')]);
    assert.deepEqual(ids(3), ['a']);
    assert.deepEqual(ids(-1), ['a'], 'a request of no tab is the default account’s');
    const [aliceRules] = old;
    assert.ok(aliceRules && !rulesWouldMatch(aliceRules.profile, request(7), [], aliceRules.scope));
  });
});

describe('the plan with accounts', () => {
  it('each account has its own status, alarms and due refresh, by its key', () => {
    const planned = plan(input({ now: T0 + HOUR - 60_000 }));
    const bobKey = accountKey('a', '2');
    assert.deepEqual(planned.due.sort(), ['a', bobKey].sort());
    assert.equal(planned.statuses[bobKey]?.username, 'bob');
    assert.equal(planned.statuses[accountKey('a', '3')]?.phase, 'signed-out');
    const later = plan(
      input({ sessions: new Map([...input().sessions, [bobKey, session(p, 'bob-2', 'bob', T0 + 600_000)]]) }),
    );
    assert.ok(later.alarms.has(`${REFRESH_ALARM}a`) && later.alarms.has(REFRESH_ALARM + bobKey));
    assert.notEqual(later.alarms.get(`${REFRESH_ALARM}a`), later.alarms.get(REFRESH_ALARM + bobKey));
  });

  it('a session from other sign-in settings is stale for every account', () => {
    const changed = profile({
      auth: { kind: 'json-login', login: { url: 'https://other.example.com/login' } },
    });
    const planned = plan(input({ profiles: [{ id: 'a', profile: changed }] }));
    assert.deepEqual(planned.stale.map((s) => s.key).sort(), ['a', accountKey('a', '2')].sort());
    assert.deepEqual(planned.active, []);
  });

  it('the accounts of a profile no longer listed are not planned; their choices stand while the accounts are stored', () => {
    const planned = plan(input({ profiles: [] }));
    assert.deepEqual(planned.extras, []);
    assert.deepEqual(planned.active, []);
    assert.deepEqual(planned.choices, [bob], 'kept for Undo');
    assert.deepEqual(plan(input({ extras: [] })).choices, [], 'an account removed: its choices fall');
  });

  it('the pages see each account’s status, no token; the badge counts accounts; a switched tab has its own', () => {
    /** What the view knows besides the plan: the one profile, nothing refused or missing. */
    const known = {
      profiles: [{ id: 'a', profile: p }],
      managedProblems: [],
      now: T0,
      discovered: {},
      origins: new Map(),
      ruleFailures: new Map(),
    };
    const planned = plan(input());
    const state = appState(planned, known);
    const [view] = state.profiles;
    assert.deepEqual(
      view?.accounts.map((a) => [a.accountId, a.status.phase, a.status.username]),
      [
        ['2', 'signed-in', 'bob'],
        ['3', 'signed-out', undefined],
      ],
    );
    assert.deepEqual(state.tabChoices, [bob]);
    assert.ok(!JSON.stringify(state).includes('bob-1') && !JSON.stringify(state).includes('alice-1'));
    assert.equal(badgeOf(state).text, '2', 'two accounts signed in');
    assert.match(badgeOf(state).title, /API \(bob\): signed in/);
    const tabs = badgesOfTabs(state, badgeOf(state));
    assert.deepEqual([...tabs.keys()], [7]);
    assert.equal(tabs.get(7)?.text, 'bob');
    assert.match(tabs.get(7)?.title ?? '', /This tab uses bob for API/);
    // The account the tab uses lost its token: the tab says so, whatever the others do.
    const signedOut = appState(
      plan(input({ sessions: new Map([['a', session(p, 'alice-1', 'alice')]]) })),
      known,
    );
    assert.equal(badgesOfTabs(signedOut, badgeOf(signedOut)).get(7)?.text, '!');
    // A refresh that failed and will be tried again: the token is still sent until it expires, and
    // the tab's badge says whose (not "!", which says no token is sent).
    const sessions = new Map(input().sessions);
    const retrying = { ...session(p, 'bob-1', 'bob'), failures: 1, lastRefresh: { at: T0, ok: false } };
    sessions.set(accountKey('a', '2'), retrying);
    const stillSent = plan(input({ sessions }));
    assert.ok(
      stillSent.active.some((a) => a.accessToken === 'bob-1'),
      'the rules still carry it',
    );
    const shown = appState(stillSent, known);
    assert.equal(shown.profiles[0]?.accounts[0]?.status.phase, 'retrying');
    assert.equal(badgesOfTabs(shown, badgeOf(shown)).get(7)?.text, 'bob');
  });
});
