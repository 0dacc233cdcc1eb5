// Two accounts of one API side by side (#13): two tabs of the same app page, each signed in as a
// different user of the test API, stay fresh across refreshes with rotation while the browser
// stops the background, and no request of either tab ever carries the other's token. The test
// API records whose token each request carried.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type BrowserDriver,
  type ExtensionPage,
  type OpenedPage,
  refreshedTokensInRules,
  type SessionRule,
  tokensInRules,
  type WebPage,
} from '../../support/driver.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const PASSWORDS = { [ALICE]: 'alice password one', [BOB]: 'bob password two' };
const TTL_SECONDS = 40;
const NAME = 'Team API';
const CARD = `section[data-profile="${NAME}"]`;
const DEFAULT_ROW = `${CARD} li[data-account="1"]`;
const BOB_ROW = `${CARD} li[data-account="2"]`;

type Tabs = { query(q: object): Promise<Array<{ id?: number; url?: string }>> };
type ActionApi = { getBadgeText(d: { tabId: number }): Promise<string> };
type ExtensionGlobal = {
  browser?: { tabs: Tabs; action: ActionApi };
  chrome: { tabs: Tabs; action: ActionApi };
};

/** The id of the tab whose URL contains `part`, as the extension sees it (its hosts are granted). */
const tabIdOf = (page: ExtensionPage, part: string): Promise<number> =>
  waitFor(
    () =>
      page.run(async (p: string) => {
        const g = globalThis as unknown as ExtensionGlobal;
        const tabs = await (g.browser ?? g.chrome).tabs.query({});
        return tabs.find((tab) => tab.url?.includes(p))?.id;
      }, part),
    5_000,
    `a tab on ${part}`,
  );

const badgeOf = (page: ExtensionPage, tabId: number): Promise<string> =>
  page.run((id: number) => {
    const g = globalThis as unknown as ExtensionGlobal;
    return (g.browser ?? g.chrome).action.getBadgeText({ tabId: id });
  }, tabId);

/** The header rules that hold only in tab `tabId`, and those that exclude it. */
const rulesFor = (rules: SessionRule[], tabId: number) => ({
  only: rules.filter((r) => (r.condition.tabIds as number[] | undefined)?.includes(tabId)),
  except: rules.filter((r) => (r.condition.excludedTabIds as number[] | undefined)?.includes(tabId)),
});

/**
 * `minutes`: the soak variant (`npm run soak`): the two tabs call their API for that long, the
 * background stopped every 20 seconds; without it, for two token lifetimes (`npm test`).
 */
export function accountsScenario(
  launch: () => Promise<BrowserDriver>,
  { minutes }: { minutes?: number } = {},
): void {
  const title =
    minutes === undefined ? 'two accounts side by side' : `two accounts side by side, ${minutes} min`;
  describe(title, { timeout: ((minutes ?? 0) * 60 + 360) * 1000 }, () => {
    const api = new TestApi({ ttlSeconds: TTL_SECONDS, users: PASSWORDS });
    const work = mkdtempSync(path.join(tmpdir(), 'autobearer-accounts-'));
    let driver: BrowserDriver;
    let look: ExtensionPage;
    let tabA: WebPage;
    let tabB: WebPage;
    let tabC: OpenedPage;
    let idA = 0;
    let idB = 0;
    let idC = 0;
    const url = (host: string, pathname: string) => `http://${host}:${api.port}${pathname}`;
    /** The page calls the API once at `pathname`; resolves with what the API recorded. */
    const callFrom = async (page: Pick<WebPage, 'run'>, pathname: string) => {
      const since = Date.now();
      await page.run(
        (to: string) => fetch(to, { mode: 'no-cors', cache: 'no-store' }).then(() => undefined),
        url('api.test', pathname),
      );
      return waitFor(
        () => api.on('api.test', since).find((r) => r.path === pathname),
        5_000,
        `${pathname} reached the API`,
      );
    };
    const says = (page: ExtensionPage, selector: string, pattern: RegExp) =>
      waitFor(async () => pattern.test(await page.text(selector)), 5_000, `${selector} shows ${pattern}`);

    before(async () => {
      await api.start();
      driver = await launch();
      const file = path.join(work, 'team.json');
      writeFileSync(
        file,
        JSON.stringify({
          autobearer: 1,
          profiles: [
            // First in the file, but not a profile of the app's tabs: the popup lists it second there.
            {
              name: 'Other API',
              hosts: ['http://b.test'],
              pages: ['http://c.test'],
              auth: { kind: 'manual' },
            },
            {
              name: NAME,
              hosts: ['http://api.test'],
              pages: ['http://app.test'],
              auth: api.jsonLoginAuth('api.test'),
            },
          ],
        }),
      );
      look = await driver.open('options.html');
      await look.importFile(file);
      for (const item of [`li[data-profile="${NAME}"]`, 'li[data-profile="Other API"]']) {
        await waitFor(async () => (await look.text(item)) !== '', 5_000, 'imported');
        if (/Missing/.test(await look.text(item))) await look.click(item, 'Grant access');
        await waitFor(async () => !/Missing/.test(await look.text(item)), 5_000, 'access granted');
      }
    });

    after(async () => {
      await driver?.close();
      await api.stop();
      rmSync(work, { recursive: true, force: true });
    });

    const span = minutes === undefined ? 'two token lifetimes' : `${minutes} min`;
    it(`two tabs of one app, each as its own user, over ${span} with rotation and the background stopped`, async () => {
      tabA = await driver.openWeb(url('app.test', '/?tab=a'));
      tabB = await driver.openWeb(url('app.test', '/?tab=b'));
      idA = await tabIdOf(look, '?tab=a');
      idB = await tabIdOf(look, '?tab=b');

      // In tab A's popup: sign in as Alice, then add Bob as a second account.
      const popupA = await driver.open(`popup.html?tab=${idA}`);
      await says(popupA, CARD, /Signed out/);
      // The profile of the tab's page comes first.
      await says(popupA, 'section.profile', new RegExp(NAME));
      await popupA.fill(CARD, 'Username', ALICE);
      await popupA.fill(CARD, 'Password', PASSWORDS[ALICE]);
      await popupA.click(CARD, 'Sign in');
      await says(popupA, CARD, /Signed in as alice@example\.com/);
      await popupA.click(CARD, 'Add another account');
      await says(popupA, BOB_ROW, /Account 2 · Signed out/);
      await popupA.fill(BOB_ROW, 'Username', BOB);
      await popupA.fill(BOB_ROW, 'Password', PASSWORDS[BOB]);
      await popupA.click(BOB_ROW, 'Sign in');
      await says(popupA, BOB_ROW, /bob@example\.com · signed in · expires in/);
      // Tab A uses the default account, Alice; nothing else changed for it.
      await says(popupA, `${DEFAULT_ROW} .this-tab`, /this tab/);
      await popupA.close();

      // In tab B's popup: use Bob in this tab.
      const popupB = await driver.open(`popup.html?tab=${idB}`);
      await popupB.click(BOB_ROW, 'Use in this tab');
      await says(popupB, `${BOB_ROW} .this-tab`, /this tab/);
      assert.equal(await popupB.text(`${DEFAULT_ROW} .this-tab`), '');
      // The README shows it.
      if (driver.name === 'chromium' && minutes === undefined)
        await popupB.screenshot(path.resolve('docs/screenshots/popup-accounts.png'), 'light');
      await popupB.close();

      const rules = await driver.sessionRules();
      assert.ok(rulesFor(rules, idB).only.length > 0, 'Bob has rules for tab B');
      assert.ok(rulesFor(rules, idB).except.length > 0, "Alice's rules exclude tab B");
      assert.equal(rulesFor(rules, idA).only.length, 0, 'tab A has no rule of its own');
      assert.equal(await badgeOf(look, idB), 'bob', "tab B's badge names Bob");
      assert.equal(await badgeOf(look, idA), '2', 'tab A shows the global badge: two accounts signed in');

      const since = Date.now();
      await tabA.startPolling(url('api.test', '/poll/a'), 500);
      await tabB.startPolling(url('api.test', '/poll/b'), 500);
      const refreshed = (user: string) =>
        api.refreshCalls.filter((c) => c.ok && c.user === user && c.at >= since).length;
      if (minutes === undefined) {
        for (let cycle = 1; cycle <= 2; cycle++) {
          const before = await tokensInRules(driver);
          await driver.stopBackground();
          await waitFor(
            () => refreshed(ALICE) >= cycle && refreshed(BOB) >= cycle,
            (TTL_SECONDS + 5) * 1000,
            `both accounts refreshed ${cycle} time(s)`,
            200,
          );
          await refreshedTokensInRules(driver, before, `both accounts' refresh ${cycle} is in the rules`);
        }
      } else {
        // The soak: a fixed time is the point here, not an event to wait for.
        const end = since + minutes * 60_000;
        while (Date.now() < end) {
          await driver.stopBackground();
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(20_000, Math.max(0, end - Date.now()))),
          );
        }
        const lifetimes = Math.floor((minutes * 60) / TTL_SECONDS) - 1;
        for (const user of [ALICE, BOB])
          assert.ok(refreshed(user) >= lifetimes, `${user}: ${refreshed(user)} refreshes in ${minutes} min`);
      }
      // One more poll each after the last refresh, then stop.
      await waitFor(
        () => api.on('api.test').filter((r) => r.at > Date.now() - 400).length >= 2,
        5_000,
        'both tabs still calling',
        100,
      );
      await tabA.stopPolling();
      await tabB.stopPolling();
      // Firefox runs a background tab's timers once a second at most: a call every 2 s is the floor.
      const seconds = (Date.now() - since) / 1000;

      const polls = (pathname: string) => api.on('api.test', since).filter((r) => r.path === pathname);
      for (const [pathname, user] of [
        ['/poll/a', ALICE],
        ['/poll/b', BOB],
      ] as const) {
        const calls = polls(pathname);
        assert.ok(
          calls.length > seconds / 2,
          `${pathname}: the tab made its calls (${calls.length} in ${seconds} s)`,
        );
        const wrong = calls.filter((r) => !r.validToken || r.user !== user);
        assert.equal(
          wrong.length,
          0,
          `${pathname}: ${wrong.length} of ${calls.length} calls did not carry ${user}'s valid token (${JSON.stringify(wrong.slice(0, 3).map((r) => r.user ?? 'none'))})`,
        );
      }
      assert.equal(api.refreshCalls.filter((c) => !c.ok).length, 0, 'no refresh was refused');
      assert.equal(api.reuseDetections, 0, 'no refresh token was used twice');
    });

    it('a tab opened from a switched tab uses its account; closing a tab removes its rule', async () => {
      await tabB.run(
        (to: string) => {
          window.open(to, '_blank');
        },
        url('app.test', '/?tab=c'),
      );
      tabC = await driver.openedPage('?tab=c');
      idC = await tabIdOf(look, '?tab=c');
      await waitFor(
        async () => rulesFor(await driver.sessionRules(), idC).only.length > 0,
        5_000,
        'tab C has Bob’s rules',
      );
      assert.equal((await callFrom(tabC, '/from-c')).user, BOB);
      assert.equal(await badgeOf(look, idC), 'bob');

      // Bob's tab in the background opens one while Alice's tab is in front: still Bob's.
      await tabA.front();
      await tabB.run(
        (to: string) => {
          window.open(to, '_blank');
        },
        url('app.test', '/?tab=d'),
      );
      const tabD = await driver.openedPage('?tab=d');
      const idD = await tabIdOf(look, '?tab=d');
      await waitFor(
        async () => rulesFor(await driver.sessionRules(), idD).only.length > 0,
        5_000,
        'tab D has Bob’s rules',
      );
      assert.equal(
        (await callFrom(tabD, '/from-d')).user,
        BOB,
        'the tab that opened it, not the tab in front',
      );
      await tabD.close();

      await tabB.close();
      await waitFor(
        async () => {
          const { only, except } = rulesFor(await driver.sessionRules(), idB);
          return only.length === 0 && except.length === 0;
        },
        5_000,
        'tab B’s rules are gone with it',
      );
      assert.equal((await callFrom(tabC, '/from-c-again')).user, BOB, 'tab C still uses Bob');
      assert.equal((await callFrom(tabA, '/from-a')).user, ALICE, 'tab A still uses Alice');
    });

    it('signing one account out leaves the other tab working, and the tab that used it gets no token', async () => {
      const popupC = await driver.open(`popup.html?tab=${idC}`);
      await popupC.click(BOB_ROW, 'Sign out');
      await says(popupC, BOB_ROW, /Signed out/);
      const fromC = await callFrom(tabC, '/from-c-signed-out');
      assert.equal(fromC.authorization, undefined, 'no token at all: never Alice’s in Bob’s tab');
      const fromA = await callFrom(tabA, '/from-a-after');
      assert.ok(fromA.validToken && fromA.user === ALICE, 'tab A still carries Alice’s valid token');
      assert.equal(await badgeOf(look, idC), '!', 'tab C’s badge says its account sends nothing');

      // Removing the account: tab C goes back to the default account.
      await popupC.click(BOB_ROW, 'Remove');
      await waitFor(
        async () => (await popupC.text(BOB_ROW)) === '',
        5_000,
        'the account is gone from the list',
      );
      assert.equal((await callFrom(tabC, '/from-c-default')).user, ALICE);
      assert.equal(await badgeOf(look, idC), '1');
      await popupC.close();
    });

    it('no token or password ever reached the console', () => {
      const output = driver.consoleOutput();
      for (const secret of [...api.issuedTokens(), ...Object.values(PASSWORDS)])
        assert.ok(!output.includes(secret), 'a secret reached the console');
    });
  });
}
