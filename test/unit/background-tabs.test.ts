// "Open in a tab" and the accounts per tab: the background on an in-memory platform
// (test/support/fake-platform.ts, the adapter edge), with a fake clock and real HTTP to a local
// test API (test/support/signed-in.ts).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import '../support/messages.js'; // the English messages
import { headersSent } from '../support/dnr.js';
import { setValue } from '../support/plan-fixtures.js';
import {
  api,
  controller,
  eachSignedIn,
  id,
  PASSWORD,
  platform,
  profile,
  restartBackground,
  stored,
  USER,
} from '../support/signed-in.js';
import { waitFor } from '../support/wait.js';

describe('background: tabs and accounts', () => {
  eachSignedIn();

  it('"Open in a tab": its rule is set before the tab loads, lasts while it stays on the hosts, and goes when it closes', async () => {
    const tabRules = () => platform.rules.filter((rule) => rule.condition.tabIds);
    assert.deepEqual(tabRules(), [], 'no tab gets the token before the user opens one');
    await controller.handlers.openInTab({ id });
    const [tab] = platform.openedTabs;
    assert.equal(tab?.url, 'http://api.test/');
    const before = tab?.rulesBeforeLoad.filter((rule) => rule.condition.tabIds) ?? [];
    assert.deepEqual(
      before.map((rule) => rule.condition.tabIds),
      [[tab?.tabId]],
      'set before the URL loads',
    );
    assert.deepEqual(before[0]?.condition.resourceTypes, ['main_frame']);
    assert.deepEqual(before[0]?.condition.requestMethods, ['get']);
    // The background stops and starts again: the tab keeps its rule.
    restartBackground();
    await controller.reconcile();
    assert.equal(tabRules().length, 1);
    // While it opens (a blank page, the extension's own page) nothing changes; within the API,
    // and on another tab, neither.
    await controller.onTabNavigated(tab?.tabId ?? 0, undefined);
    assert.equal(tabRules().length, 1, 'still opening');
    await controller.onTabNavigated(tab?.tabId ?? 0, 'http://api.test/');
    await controller.onTabNavigated(tab?.tabId ?? 0, 'http://api.test/other/page');
    await controller.onTabNavigated(7, undefined);
    await controller.onTabClosed(7);
    assert.equal(tabRules().length, 1);
    // A site the extension cannot see (no url), or any other site: the rule goes.
    await controller.onTabNavigated(tab?.tabId ?? 0, undefined);
    assert.deepEqual(tabRules(), []);
    await controller.handlers.openInTab({ id });
    await controller.onTabNavigated(platform.openedTabs[1]?.tabId ?? 0, 'http://api.test/');
    await controller.onTabNavigated(platform.openedTabs[1]?.tabId ?? 0, 'http://app.test/');
    assert.deepEqual(tabRules(), []);
    await controller.handlers.openInTab({ id });
    assert.equal(tabRules().length, 1);
    await controller.onTabClosed(platform.openedTabs[2]?.tabId ?? 0);
    assert.deepEqual(tabRules(), []);
    assert.deepEqual(await platform.apiTabs.load(), []);
  });

  it('a tab that loads and closes in the same moment loses its rule (its events change the tabs one at a time)', async () => {
    await controller.handlers.openInTab({ id });
    const tabId = platform.openedTabs[0]?.tabId ?? 0;
    await Promise.all([controller.onTabNavigated(tabId, 'http://api.test/'), controller.onTabClosed(tabId)]);
    await controller.reconcile();
    assert.deepEqual(await platform.apiTabs.load(), []);
    assert.deepEqual(
      platform.rules.filter((rule) => rule.condition.tabIds),
      [],
    );
  });

  it('"Open in a tab" needs a sign-in, and a signed-out profile’s tabs lose their rule', async () => {
    await controller.handlers.openInTab({ id });
    await controller.handlers.signOut({ id });
    assert.deepEqual(platform.rules, []);
    assert.deepEqual(await platform.apiTabs.load(), [], 'the tab is an ordinary tab from now on');
    await assert.rejects(
      controller.handlers.openInTab({ id }),
      /Sign in first: there is no valid token for a tab/,
    );
    assert.equal(platform.openedTabs.length, 1);
  });

  describe('accounts per tab', () => {
    const CAROL = 'carol@example.com';
    const carolRules = () => platform.rules.filter((r) => setValue(r)?.includes(carolToken));
    let carolToken = '';
    const bobValues = () => platform.rules.filter((r) => !r.condition.tabIds).map((r) => setValue(r));
    /** What the guard rules of a tab remove (rules.ts: another profile's token never reaches it). */
    const guardsOf = (tabId: number) =>
      platform.rules
        .filter((r) => !setValue(r) && r.condition.tabIds?.includes(tabId))
        .map((r) => r.action.requestHeaders);

    beforeEach(async () => {
      (api.options.users as Record<string, string>)[CAROL] = PASSWORD;
      const { account } = await controller.handlers.addAccount({ id });
      assert.equal(account, '2');
      await controller.handlers.signIn({ id, account, username: CAROL, password: PASSWORD });
      await controller.handlers.useInTab({ id, account, tabId: 2 });
      carolToken = (await stored(platform, `@2:${id}`))?.tokens?.accessToken ?? '';
      assert.ok(carolToken);
    });

    it('an added account signs in on its own, its rules hold only in the tab that chose it, and its refresh leaves the other’s rule alone', async () => {
      assert.ok(carolRules().length > 0);
      for (const rule of carolRules()) {
        assert.deepEqual(rule.condition.tabIds, [2]);
        assert.equal(rule.priority, 3);
      }
      const others = platform.rules.filter((r) => !carolRules().includes(r) && setValue(r));
      assert.ok(others.length > 0 && others.every((r) => r.condition.excludedTabIds?.[0] === 2));
      assert.deepEqual(guardsOf(2), [[{ header: 'Authorization', operation: 'remove' }]]);
      const state = await controller.handlers.getState({});
      assert.equal(state.profiles[0]?.status.username, USER);
      assert.equal(state.profiles[0]?.accounts[0]?.status.username, CAROL);
      assert.equal(platform.badge?.text, '2');
      assert.equal(platform.tabBadges.get(2)?.text, 'caro');
      assert.ok(platform.alarmMap.has(`refresh:@2:${id}`) && platform.alarmMap.has(`refresh:${id}`));

      const bobBefore = bobValues();
      await controller.handlers.refreshNow({ id, account: '2' });
      const renewed = (await stored(platform, `@2:${id}`))?.tokens?.accessToken ?? '';
      assert.notEqual(renewed, carolToken);
      carolToken = renewed;
      assert.ok(carolRules().length > 0, 'the new token is in the tab’s rules');
      assert.deepEqual(bobValues(), bobBefore, 'the default account’s rules did not change');
      assert.equal(api.accessTokens.get(renewed)?.user, CAROL);

      // The background stops and starts again: the same rules, from storage.
      const rules = platform.rules;
      restartBackground();
      await controller.reconcile();
      assert.deepEqual(platform.rules, rules);
    });

    it('a tab opened from a switched tab inherits; a closed tab and a removed account drop their choices', async () => {
      await controller.onTabOpened(3, 2);
      await controller.onTabOpened(4, 1);
      assert.deepEqual(carolRules()[0]?.condition.tabIds, [2, 3]);
      await controller.onTabClosed(2);
      assert.deepEqual(carolRules()[0]?.condition.tabIds, [3]);
      await assert.rejects(
        controller.handlers.useInTab({ id, account: '2', tabId: 9 }),
        /That tab is closed/,
      );
      await assert.rejects(controller.handlers.useInTab({ id, account: '5', tabId: 1 }), /no longer there/);

      // Signed out, the account's tab gets nothing, not the default's token.
      await controller.handlers.signOut({ id, account: '2' });
      assert.deepEqual(carolRules(), []);
      const setting = platform.rules.filter((r) => setValue(r));
      assert.ok(setting.length > 0 && setting.every((r) => r.condition.excludedTabIds?.includes(3)));
      assert.equal(guardsOf(3).length, 1, 'and no other profile’s token either');
      assert.equal(platform.tabBadges.get(3)?.text, '!');

      await controller.handlers.removeAccount({ id, account: '2' });
      assert.deepEqual(await platform.tabChoices.load(), []);
      assert.ok(platform.rules.every((r) => r.condition.excludedTabIds === undefined));
      assert.deepEqual(guardsOf(3), [], 'the tab is an ordinary one again');
      assert.deepEqual(platform.tabBadges, new Map());
      assert.equal((await controller.handlers.getState({})).profiles[0]?.accounts.length, 0);
    });

    it('the page that opened a tab decides its account, as the navigation events report it, whatever tabs.onCreated guessed', async () => {
      // Carol's tab (2) opens a tab while tab 1 (the default account) is in front: Chromium may
      // report tab 1 as the opener. The navigation event names tab 2, and that wins.
      await controller.onTabOpened(9, 1);
      await controller.onTabOpenedBy(2, 9);
      assert.deepEqual(
        (await platform.tabChoices.load()).filter((c) => c.tabId === 9),
        [{ tabId: 9, profileId: id, accountId: '2' }],
      );
      assert.ok(carolRules().some((r) => r.condition.tabIds?.includes(9)));
      // The other way round: a guess of Carol's tab for a tab the default account's page opened.
      await controller.onTabOpened(10, 2);
      assert.ok(
        carolRules().some((r) => r.condition.tabIds?.includes(10)),
        'the guess, for a moment',
      );
      await controller.onTabOpenedBy(1, 10);
      assert.deepEqual(
        (await platform.tabChoices.load()).filter((c) => c.tabId === 10),
        [],
        'the default account, as the page that opened it',
      );
      assert.ok(!carolRules().some((r) => r.condition.tabIds?.includes(10)));
    });

    it('a tab’s chosen account holds across profiles: another profile on the same host never sends its token into that tab', async () => {
      // A second profile covers the API's host too, signed in as another user.
      const { id: other } = await controller.handlers.saveProfile({
        profile: { ...profile(), name: 'Other API', pages: ['http://app.test'] },
      });
      await controller.handlers.signIn({ id: other, username: USER, password: PASSWORD });
      const otherToken = (await stored(platform, other))?.tokens?.accessToken ?? '';
      // A page on the API's host (a page of both profiles) in the tab that chose carol.
      const fromApp = { url: 'http://api.test/orders', initiator: 'http://api.test', tabId: 2 };
      const sent = () => headersSent(platform.rules, fromApp).authorization;
      assert.equal(sent(), `Bearer ${carolToken}`, 'the chosen account’s token');
      assert.equal(
        headersSent(platform.rules, { ...fromApp, initiator: 'http://app.test' }).authorization,
        undefined,
        'a page only the other profile allows: still not the other profile’s token in that tab',
      );
      assert.equal(
        headersSent(platform.rules, { ...fromApp, initiator: 'http://app.test', tabId: 5 }).authorization,
        `Bearer ${otherToken}`,
        'another tab: the other profile’s, from its page, as before',
      );
      await controller.handlers.signOut({ id, account: '2' });
      assert.equal(sent(), undefined, 'signed out: no token at all, not the other profile’s');
      await controller.handlers.signIn({ id, account: '2', username: CAROL, password: PASSWORD });
      carolToken = (await stored(platform, `@2:${id}`))?.tokens?.accessToken ?? '';
      assert.equal(sent(), `Bearer ${carolToken}`);
    });

    it('removing the profile forgets every account’s sign-in once Undo is past', async () => {
      await controller.handlers.deleteProfile({ id });
      assert.deepEqual(platform.rules, []);
      await controller.handlers.undoDelete({});
      assert.ok(carolRules().length > 0, 'Undo brings the added account back, signed in');
      await controller.handlers.deleteProfile({ id });
      await controller.emptyTrash();
      assert.equal(await stored(platform, `@2:${id}`), undefined);
      assert.equal(await stored(platform, id), undefined);
      assert.deepEqual(await platform.accounts.load(), []);
    });

    it('"Open a tab as" an added account: the tab uses it from its first request', async () => {
      await controller.handlers.openInTab({ id, account: '2' });
      const [tab] = platform.openedTabs;
      const before =
        tab?.rulesBeforeLoad.filter((r) => r.condition.tabIds?.includes(tab.tabId) && setValue(r)) ?? [];
      assert.ok(before.length > 0);
      assert.ok(before.every((r) => setValue(r) === `Bearer ${carolToken}`));
      assert.deepEqual(
        (await platform.tabChoices.load()).filter((c) => c.tabId === tab?.tabId),
        [{ tabId: tab?.tabId, profileId: id, accountId: '2' }],
      );
    });

    it('a managed profile takes accounts too', async () => {
      platform.managedFile = JSON.stringify({
        autobearer: 1,
        profiles: [{ ...profile(), name: 'Managed API', hosts: ['http://company.test'] }],
      });
      await controller.reconcile(); // reads the policy after the rules, and syncs again when it changed
      const managed = 'managed:Managed API';
      await waitFor(
        async () => (await controller.handlers.getState({})).profiles.some((p) => p.id === managed),
        2_000,
        'the policy’s profile',
      );
      const { account } = await controller.handlers.addAccount({ id: managed });
      await controller.handlers.signIn({ id: managed, account, username: CAROL, password: PASSWORD });
      const view = (await controller.handlers.getState({})).profiles.find((p) => p.id === managed);
      assert.equal(view?.managed, true);
      assert.equal(view?.accounts[0]?.status.username, CAROL);
    });

    it('a machine identity has one account', async () => {
      const { id: machine } = await controller.handlers.saveProfile({
        profile: {
          name: 'Machine',
          hosts: ['machine.test'],
          auth: { kind: 'oauth2-client-credentials', tokenUrl: 'https://id.test/token', clientId: 'c' },
        },
      });
      await assert.rejects(controller.handlers.addAccount({ id: machine }), /one account/);
    });
  });
});
