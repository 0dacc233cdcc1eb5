// The core promise, end to end in a real browser: import a profile, sign in from the popup, and
// the header goes exactly to the chosen hosts, stays fresh across refreshes with rotation while
// the browser stops the background, survives a browser restart, and stops at sign-out.
// Written once; each browser's test file runs it with its driver.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM_WAKES_NARROWED_LISTENERS } from '../../../src/core/response-listeners.js';
import {
  type BrowserDriver,
  type ExtensionPage,
  refreshedTokensInRules,
  STORE_SCREENSHOT,
  tokensInRules,
  type WebPage,
} from '../../support/driver.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const USER = 'alice@example.com';
const PASSWORD = 'correct horse battery staple';
const TTL_SECONDS = 45;
const CARD = 'section[data-profile="Verification API"]';
const ITEM = 'li[data-profile="Verification API"]';

export function coreScenario(launch: () => Promise<BrowserDriver>): void {
  describe('core', { timeout: 480_000 }, () => {
    const api = new TestApi({ ttlSeconds: TTL_SECONDS, users: { [USER]: PASSWORD } });
    const work = mkdtempSync(path.join(tmpdir(), 'autobearer-e2e-'));
    let driver: BrowserDriver;
    let popup: ExtensionPage;
    let app: WebPage;
    let signedInAt = 0;
    const url = (host: string, pathname: string) => `http://${host}:${api.port}${pathname}`;
    /** The page itself sends its tab to `target` (`location.href`): a navigation it initiates. */
    const navigate = (page: Pick<WebPage, 'run'>, target: string) =>
      page.run((to) => {
        location.href = to;
      }, target);
    const arrived = (pathname: string) =>
      waitFor(
        () => api.on('api.test').find((r) => r.path === pathname),
        5_000,
        `${pathname} reached the API`,
      );
    const popupSays = (pattern: RegExp, selector = CARD) =>
      waitFor(async () => pattern.test(await popup.text(selector)), 5_000, `the popup shows ${pattern}`);

    const profileFile = () => ({
      autobearer: 1,
      profiles: [
        {
          name: 'Verification API',
          hosts: ['http://api.test'],
          pages: ['http://app.test'],
          testUrl: url('api.test', '/whoami'),
          auth: api.jsonLoginAuth('api.test'),
        },
        { name: 'Elsewhere', hosts: ['http://api.example'], auth: { kind: 'manual' } },
        { name: 'Strict API', hosts: ['strict.test'], pages: ['http://app.test'], auth: { kind: 'manual' } },
      ],
    });

    /** Imports the profile file and grants its hosts (the journey's import, shown step by step there). */
    const importProfiles = async (options: ExtensionPage) => {
      const file = path.join(work, 'profiles.json');
      writeFileSync(file, JSON.stringify(profileFile()));
      await options.importFile(file);
      await waitFor(
        async () => /Imported 3 profiles/.test(await options.text('#file-result')),
        5_000,
        'imported',
      );
      for (const item of [ITEM, 'li[data-profile="Strict API"]']) {
        if (!driver.hostsGrantedAtInstall) {
          assert.match(await options.text(item), /Missing host permission/);
          await options.click(item, 'Grant access');
        }
        await waitFor(
          async () => !/Missing/.test(await options.text(item)),
          5_000,
          `${item} has its host access`,
        );
      }
    };

    /**
     * Where every test after the journey starts, whatever ran before it: the profiles imported,
     * the popup and the app page open, the Verification API enabled and signed in.
     */
    const signedIn = async () => {
      const options = await driver.open('options.html');
      const list = await waitFor(() => options.text('#profile-list'), 5_000, 'the list');
      if (!/Verification API/.test(list)) await importProfiles(options);
      await options.close();
      popup ??= await driver.open('popup.html');
      app ??= await driver.openWeb(url('app.test', '/'));
      const shown = await waitFor(
        async () => /Signed in as|Signed out|Disabled|Expired/.exec(await popup.text(CARD))?.[0],
        5_000,
        'the popup shows the profile',
      );
      if (shown === 'Disabled') await popup.click(CARD, 'Enabled: Verification API');
      if (shown === 'Signed in as') return;
      await popupSays(/Signed out/);
      await popup.fill(CARD, 'Username', USER);
      await popup.fill(CARD, 'Password', PASSWORD);
      await popup.click(CARD, 'Sign in');
      await popupSays(/Signed in as/);
    };

    before(async () => {
      await api.start();
      driver = await launch();
    });

    after(async () => {
      await driver?.close();
      await api.stop();
      rmSync(work, { recursive: true, force: true });
    });

    // A new user's first steps: each builds on the one before.
    describe('a first sign-in, step by step', () => {
      it('refuses a bad profile file, listing every problem by its path, and stores nothing', async () => {
        const options = await driver.open('options.html');
        const file = path.join(work, 'bad.json');
        writeFileSync(
          file,
          JSON.stringify({
            autobearer: 1,
            profiles: [
              {
                name: 'Typo',
                hosts: ['exa mple.com'],
                auth: { kind: 'manual' },
                header: { name: 'A', valeu: 'x' },
              },
            ],
          }),
        );
        await options.setFile('#import-file', file);
        const text = await waitFor(
          async () => options.text('#file-result[role=alert]'),
          5_000,
          'the refusal is shown',
        );
        assert.match(text, /nothing was changed/);
        assert.match(text, /profiles\[0\]\.hosts\[0\]: "exa mple\.com" is not a host name/);
        assert.match(text, /profiles\[0\]\.header: unknown key "valeu"/);
        await waitFor(
          async () => /No profiles yet/.test(await options.text('#profile-list')),
          5_000,
          'nothing stored',
        );

        writeFileSync(file, '{ "autobearer": 1, "profiles": [');
        await options.setFile('#import-file', file);
        await waitFor(
          async () => /not JSON/.test(await options.text('#file-result')),
          5_000,
          'a non-JSON file is refused',
        );
        await options.close();
      });

      it('imports the profile file, grants host access, and shows a profile that still lacks it', async () => {
        const options = await driver.open('options.html');
        const file = path.join(work, 'profiles.json');
        writeFileSync(file, JSON.stringify(profileFile()));
        // The preview shows where each token and the password go; Cancel changes nothing.
        await options.setFile('#import-file', file);
        const preview = await waitFor(() => options.text('#import-preview'), 5_000, 'the preview');
        assert.match(preview, /Import profiles\.json\? Nothing changes until you choose Import\./);
        assert.match(
          preview,
          /Verification API \(new\)\s*The token goes to: http:\/\/api\.test\s*Pages that send it: http:\/\/app\.test/,
        );
        assert.match(preview, new RegExp(`Your password or secret goes to: api\\.test:${api.port}`));
        await options.click('#import-preview', 'Cancel');
        await waitFor(
          async () => /not imported: nothing changed/.test(await options.text('#file-result')),
          5_000,
          'cancelled',
        );
        assert.match(await options.text('#profile-list'), /No profiles yet/);
        await importProfiles(options);
        assert.match(
          await options.text('li[data-profile="Elsewhere"]'),
          /Missing host permission: http:\/\/api\.example\/\*/,
        );
        // A page lets in more than it spells, and the options page says so.
        assert.match(
          await options.text(ITEM),
          /page "http:\/\/app\.test" lets in app\.test and every subdomain of it, over http or https, on any port/,
        );
        // The profile format: plain-http sign-in URLs are allowed and shown with a warning.
        assert.match(
          await options.text(ITEM),
          /Not encrypted \(plain http\): http:\/\/api\.test:\d+\/v2\/login, http:\/\/api\.test:\d+\/v2\/refresh\./,
        );
        assert.doesNotMatch(await options.text('li[data-profile="Strict API"]'), /Not encrypted/);
        await options.close();
      });

      it('says why a sign-in with a wrong password fails, and sends no header', async () => {
        popup = await driver.open('popup.html');
        await popupSays(/Signed out/);
        // The form names where the password goes before anyone types it.
        await popupSays(new RegExp(`Your password goes to api\\.test:${api.port} only`));
        await popup.fill(CARD, 'Username', USER);
        await popup.fill(CARD, 'Password', 'wrong');
        await popup.click(CARD, 'Sign in');
        await popupSays(/Wrong email or password/, `${CARD} [role=alert]`);
        assert.deepEqual(await driver.sessionRules(), []);
        assert.equal(api.loginCalls, 1);
      });

      it('signs in from the popup and shows who is signed in and when the token expires', async () => {
        await popup.fill(CARD, 'Username', USER);
        await popup.fill(CARD, 'Password', PASSWORD);
        await popup.click(CARD, 'Sign in');
        await popupSays(new RegExp(`Signed in as ${USER}`));
        signedInAt = Date.now();
        assert.match(await popup.text(CARD), /Not encrypted: signs in over plain http \(api\.test:\d+\)/);
        assert.match(await popup.text(`${CARD} .state`), /expires in 00:[34]\d/);
        const rules = await driver.sessionRules();
        const value = rules[0]?.action.requestHeaders?.[0]?.value ?? '';
        assert.ok(api.isValid(value), 'the rule carries the token the API issued');
        assert.ok(
          !(await popup.html()).includes(value.slice('Bearer '.length)),
          'the popup never holds the token',
        );
      });

      it('"Test" sends one request with the header to the test URL and shows the status', async () => {
        await popup.click(CARD, 'Test');
        await popupSays(/GET http:\/\/api\.test:\d+\/whoami → 200 OK \(\d+ ms\)/);
        assert.equal((await arrived('/whoami')).validToken, true);
        if (driver.name === 'chromium') {
          // The README shows these.
          const options = await driver.open('options.html');
          // The pages follow the system's color scheme: the page background's lightness, 0–255.
          const lightness = (page: ExtensionPage) =>
            page.run(() => {
              const [r = 0, g = 0, b = 0] =
                getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? [];
              return (Number(r) + Number(g) + Number(b)) / 3;
            }, undefined);
          for (const scheme of ['light', 'dark'] as const) {
            await popup.screenshot(path.resolve(`docs/screenshots/popup-${scheme}.png`), scheme);
            await options.screenshot(path.resolve(`docs/screenshots/options-${scheme}.png`), scheme);
            for (const page of [popup, options]) {
              const shade = await lightness(page);
              assert.ok(
                scheme === 'light' ? shade > 200 : shade < 60,
                `${scheme} background, lightness ${shade}`,
              );
            }
          }
          // The stores' screenshots (docs/store-listing.md), at their size: the options page as it
          // opens, and the popup as it drops from the toolbar, drawn larger on a plain backdrop.
          await popup.run(() => {
            const frame = document.createElement('style');
            frame.id = 'store-frame';
            frame.textContent =
              'html{background:#dfe3e8;min-height:100vh}body{margin:40px auto 0;zoom:1.6;box-shadow:0 4px 18px rgb(0 0 0/.3);border-radius:6px}';
            document.head.append(frame);
          }, undefined);
          await popup.screenshot(path.resolve('docs/store/popup-1280x800.png'), 'light', STORE_SCREENSHOT);
          await popup.run(() => document.getElementById('store-frame')?.remove(), undefined);
          await options.screenshot(
            path.resolve('docs/store/options-1280x800.png'),
            'light',
            STORE_SCREENSHOT,
          );
          for (const name of ['popup', 'options']) {
            // A PNG's width and height, from its header chunk.
            const png = readFileSync(`docs/store/${name}-1280x800.png`);
            assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1280, 800], name);
          }
          await options.close();
        }
      });

      it('sends the header to the chosen host from an allowed page, and nowhere else', async () => {
        app = await driver.openWeb(url('app.test', '/'));
        await app.fetch(url('api.test', '/data'));
        assert.equal((await arrived('/data')).validToken, true, 'api.test got a valid token from app.test');

        for (const host of ['eu.api.test', 'api.test.evil.test', 'evilapi.test']) {
          await app.fetch(url(host, '/data'));
          const got = await waitFor(() => api.on(host).at(-1), 5_000, `${host} got the request`);
          assert.equal(got.authorization, undefined, `${host} must not get the header`);
        }

        const evil = await driver.openWeb(url('evil.test', '/'));
        await evil.fetch(url('api.test', '/from-evil'));
        assert.equal(
          (await arrived('/from-evil')).authorization,
          undefined,
          'a fetch from evil.test must not carry it',
        );
        await evil.postForm(url('api.test', '/form-post'));
        assert.equal(
          (await arrived('/form-post')).authorization,
          undefined,
          'a form POST from evil.test must not carry it',
        );
        await evil.close();

        const link = await driver.openWeb(url('app.test', '/links.html'));
        await navigate(link, url('api.test', '/from-app-navigation'));
        assert.equal(
          (await arrived('/from-app-navigation')).validToken,
          true,
          'a navigation one of the profile’s pages starts carries the token',
        );
        await link.close();
      });

      it('a navigation any other site starts, or a typed URL, never carries the token; "Open in a tab" does, until the tab leaves the API', async () => {
        // A page on a host the extension has no access to, in either browser.
        const foreign = await driver.openWeb(`http://127.0.0.1:${api.port}/foreign.html`);
        await foreign.run(
          (base) => {
            const frame = document.createElement('iframe');
            frame.src = `${base}/frame`;
            document.body.append(frame);
            const image = document.createElement('img');
            image.src = `${base}/image`;
            document.body.append(image);
            window.open(`${base}/window-open`);
            const link = document.createElement('a');
            link.href = `${base}/link`;
            link.target = '_blank';
            document.body.append(link);
            link.click();
          },
          url('api.test', ''),
        );
        // Each has arrived before the page navigates away (which would cancel a frame or an image).
        for (const pathname of ['/frame', '/image', '/window-open', '/link']) {
          assert.equal((await arrived(pathname)).authorization, undefined, `${pathname} from a foreign site`);
        }
        await navigate(foreign, url('api.test', '/location'));
        assert.equal(
          (await arrived('/location')).authorization,
          undefined,
          'a location change by a foreign site',
        );
        // Closed, so that the app is the tab in front again (Firefox slows the timers of tabs behind).
        for (const part of ['/window-open', '/link']) await (await driver.openedPage(part)).close();
        await foreign.close();
        // Browsers cannot tell a typed URL from a navigation another site starts: neither gets it.
        const typed = await driver.openWeb(url('api.test', '/typed'));
        assert.equal((await arrived('/typed')).authorization, undefined, 'a typed URL');
        await typed.close();

        const tabRules = async () => (await driver.sessionRules()).filter((rule) => rule.condition.tabIds);
        const opened = Date.now();
        await popup.click(CARD, 'Open in a tab');
        const tab = await driver.openedPage('/whoami');
        const first = await waitFor(
          () => api.on('api.test', opened).find((r) => r.path === '/whoami'),
          5_000,
          'the tab loaded the test URL',
        );
        assert.equal(first.validToken, true, '"Open in a tab" carries the token');
        assert.equal((await tabRules()).length, 1);
        // The tab leaves the API for a site the extension cannot see: its rule goes, and that site
        // cannot send the tab back to the API with the token.
        await navigate(tab, `http://127.0.0.1:${api.port}/elsewhere.html`);
        await waitFor(async () => (await tabRules()).length === 0, 5_000, 'the tab’s rule is gone');
        await navigate(tab, url('api.test', '/sent-back'));
        assert.equal((await arrived('/sent-back')).authorization, undefined, 'sent back by a foreign site');
        await tab.close();
        // Closing an API tab removes its rule.
        await popup.click(CARD, 'Open in a tab');
        await waitFor(async () => (await tabRules()).length === 1, 5_000, 'a new tab rule');
        await (await driver.openedPage('/whoami')).close();
        await waitFor(async () => (await tabRules()).length === 0, 5_000, 'the closed tab’s rule is gone');
      });

      it('refreshes three times with rotation before expiry, with the background stopped between cycles', async () => {
        await app.startPolling(url('api.test', '/poll'), 500);
        let previous = signedInAt;
        for (let cycle = 1; cycle <= 3; cycle++) {
          const before = await tokensInRules(driver);
          await driver.stopBackground();
          const done = await waitFor(
            () => api.refreshCalls.filter((c) => c.ok)[cycle - 1],
            TTL_SECONDS * 1000,
            `refresh ${cycle} came before the token expired`,
            200,
          );
          await refreshedTokensInRules(driver, before, `refresh ${cycle}'s token is in the rules`);
          assert.ok(
            done.at - previous < (TTL_SECONDS - 2) * 1000,
            `refresh ${cycle} came before the previous token expired`,
          );
          previous = done.at;
        }
        await app.stopPolling();
        const polls = api.on('api.test', signedInAt).filter((r) => r.path === '/poll');
        assert.ok(polls.length > 100, `the app made its calls (${polls.length})`);
        const bad = polls.filter((r) => !r.validToken);
        assert.equal(
          bad.length,
          0,
          `${bad.length} of ${polls.length} calls reached the API without a valid token`,
        );
        assert.equal(
          api.refreshCalls.filter((c) => !c.ok).length,
          0,
          'no refresh was refused (no refresh token reused)',
        );
        await popupSays(/Signed in as/);
      });

      it('is still signed in after a browser restart, and the header is back', async () => {
        await driver.restart();
        await waitFor(
          async () => (await driver.sessionRules()).length > 0,
          10_000,
          'the rule is rebuilt after restart',
        );
        app = await driver.openWeb(url('app.test', '/'));
        await app.fetch(url('api.test', '/after-restart'));
        assert.equal((await arrived('/after-restart')).validToken, true);
        popup = await driver.open('popup.html');
        await popupSays(new RegExp(`Signed in as ${USER}`));
      });
    });

    // Each from a signed-in start of its own (signedIn()): they pass alone and in any order.
    describe('one thing each', () => {
      it('a 401 from the API makes it refresh at once, without waiting for the schedule', async () => {
        await signedIn();
        // A 401 refreshes only a token older than 10 s (a brand-new token that gets a 401 is the
        // server saying something else); the last refresh may have just happened.
        const issuedAt = Math.max(api.lastLoginAt, api.refreshLog.at(-1)?.at ?? 0);
        await waitFor(() => Date.now() - issuedAt > 10_500, 15_000, 'the token is 10 s old', 250);
        const before = api.refreshCalls.length;
        await app.fetch(url('api.test', '/unauthorized'));
        await waitFor(() => api.refreshCalls.length > before, 5_000, 'a refresh right after the 401');
        await popupSays(/Signed in as/);
      });

      it('the API’s answers reach AutoBearer only from its hosts, and not at all with "Refresh at once on 401" off', async () => {
        await signedIn();
        /** Turns the profile's 401 reaction on or off in its form, as a user does. */
        const reactTo401 = async (on: boolean) => {
          const options = await driver.open('options.html');
          await options.click(ITEM, 'Edit Verification API');
          // The price is said where the choice is made.
          assert.match(await options.text('#on401-hint'), /costs each request about [\d,]+–[\d,]+ µs/);
          await options.run((want) => {
            const box = document.querySelector('#profile-form input[name="on401"]') as HTMLInputElement;
            if (box.checked !== want) box.click();
          }, on);
          await options.click('#profile-form', 'Save profile');
          await waitFor(async () => /Saved/.test(await options.text('#file-result')), 5_000, 'saved');
          await options.close();
        };
        /**
         * Stops the background and starts it again, as any event does (here a popup asking for
         * the state). Firefox wakes a stopped event page for what the page listened to from its
         * start, which each start takes from what the reconciliation before it left; a first
         * start, and the one after it, listen to every host (core/response-listeners.ts).
         */
        const startAgain = async () => {
          await driver.stopBackground();
          const stoppedAt = Date.now();
          const page = await driver.open('popup.html');
          await waitFor(async () => (await driver.backgroundState()) === 'running', 10_000, 'started again');
          // And until the start's reconciliation is done (it sets the listeners this test is
          // about): a stop before that would leave the start's every-host listener registered.
          await waitFor(
            async () => {
              const reconciledAt = await page.run(async () => {
                type Session = { storage: { session: { get(k: string): Promise<Record<string, unknown>> } } };
                const g = globalThis as unknown as { browser?: Session; chrome: Session };
                const { diagnostics } = await (g.browser ?? g.chrome).storage.session.get('diagnostics');
                return (diagnostics as { reconciledAt?: number } | undefined)?.reconciledAt ?? 0;
              }, undefined);
              return reconciledAt >= stoppedAt;
            },
            10_000,
            'the start reconciled',
          );
          await page.close();
        };
        await startAgain();
        await startAgain();
        const issuedAt = Math.max(api.lastLoginAt, api.refreshLog.at(-1)?.at ?? 0);
        await waitFor(() => Date.now() - issuedAt > 10_500, 15_000, 'the token is 10 s old', 250);
        // On (the default): a 401 from the API wakes the stopped background, which refreshes. How
        // long that takes sets how long the checks below give the browser to do the same.
        await driver.stopBackground();
        let before = api.refreshCalls.length;
        const sent = Date.now();
        await app.fetch(url('api.test', '/unauthorized'));
        await waitFor(() => api.refreshCalls.length > before, 5_000, 'a refresh right after the 401');
        const quiet = Math.max(1_000, 3 * (Date.now() - sent));
        /** Calls `target` five times from the app with the background stopped: it stays stopped. */
        const callsLeaveItStopped = async (target: string, why: string) => {
          await driver.stopBackground();
          before = api.refreshCalls.length;
          const started = Date.now();
          for (let i = 0; i < 5; i++) await app.fetch(target);
          while (Date.now() - started < quiet) {
            assert.equal(await driver.backgroundState(), 'stopped', why);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          assert.equal(api.refreshCalls.length, before, `${why}: no refresh`);
        };
        // The app's own host (one of the profile's pages, granted but not where the token goes).
        // Chromium before 156 would lose the 401 that wakes it for a narrowed listener, so there
        // the listener keeps every granted host while a 401 may have to wake it (README): the
        // app's responses wake the worker, and still refresh nothing.
        if (driver.name === 'firefox' || driver.major >= CHROMIUM_WAKES_NARROWED_LISTENERS) {
          await callsLeaveItStopped(
            url('app.test', '/unauthorized'),
            'a 401 of the app’s own host is not heard',
          );
        } else {
          before = api.refreshCalls.length;
          await driver.stopBackground();
          for (let i = 0; i < 5; i++) await app.fetch(url('app.test', '/unauthorized'));
          await waitFor(
            async () => (await driver.backgroundState()) === 'running',
            quiet,
            'the app’s responses wake it (Chromium before 156)',
          );
          // As long as the API's own 401 took to bring a refresh, three times over.
          await new Promise((resolve) => setTimeout(resolve, quiet));
          assert.equal(api.refreshCalls.length, before, 'a 401 of the app’s own host refreshes nothing');
        }
        // Off: not even the API's own 401s are reported; the token waits for its schedule. From
        // the next start on in Firefox (above): Chromium's worker follows its listeners at once.
        await reactTo401(false);
        await startAgain();
        await callsLeaveItStopped(
          url('api.test', '/unauthorized'),
          'with the reaction off, the API’s 401 is not heard',
        );
        const last = api
          .on('api.test')
          .filter((r) => r.path === '/unauthorized')
          .at(-1);
        assert.equal(last?.validToken, true, 'the header still goes out');
        await reactTo401(true);
        await popupSays(/Signed in as/);
      });

      it('keeps sending the valid token while a refresh fails for a server error, and says so', async () => {
        await signedIn();
        await api.withFaults({ refreshStatus: 503 }, async () => {
          await popup.click(CARD, 'Refresh now');
          await popupSays(/Refresh failed: api\.test:\d+ answered 503/);
          await app.fetch(url('api.test', '/during-outage'));
          assert.equal((await arrived('/during-outage')).validToken, true);
        });
        await popup.click(CARD, 'Refresh now');
        await waitFor(async () => !/Refresh failed/.test(await popup.text(CARD)), 5_000, 'the error clears');
      });

      it('disabling the profile stops the header; enabling brings it back', async () => {
        await signedIn();
        await popup.click(CARD, 'Enabled: Verification API');
        await popupSays(/Disabled/);
        assert.deepEqual(await driver.sessionRules(), []);
        await app.fetch(url('api.test', '/while-disabled'));
        assert.equal((await arrived('/while-disabled')).authorization, undefined);
        await popup.click(CARD, 'Enabled: Verification API');
        await popupSays(/Signed in as/);
        await app.fetch(url('api.test', '/enabled-again'));
        assert.equal((await arrived('/enabled-again')).validToken, true);
      });

      it('signs out when the refresh is refused, with the server reason, and stops the header', async () => {
        await signedIn();
        await api.withFaults({ refreshStatus: 401 }, async () => {
          await popup.click(CARD, 'Refresh now');
          await popupSays(
            /Signed out: the refresh was refused \(api\.test:\d+ answered 401: refresh failure 401/,
            `${CARD} [role=alert]`,
          );
        });
        assert.deepEqual(await driver.sessionRules(), []);
        await app.fetch(url('api.test', '/after-refusal'));
        assert.equal((await arrived('/after-refusal')).authorization, undefined);
      });

      it('a pasted token goes over https only when the host did not opt into plain http', async () => {
        await signedIn(); // the profiles and the pages: this one is about another profile
        const strict = 'section[data-profile="Strict API"]';
        await popup.fill(strict, 'Token', 'pasted-token-123');
        await popup.fill(strict, 'Lifetime', '600');
        await popup.click(strict, 'Use token');
        await popupSays(/Token in use · expires in (09|10):\d\d/, strict);
        const rules = await driver.sessionRules();
        assert.ok(rules.some((r) => r.action.requestHeaders?.[0]?.value === 'Bearer pasted-token-123'));
        await app.fetch(url('strict.test', '/plain-http'));
        const got = await waitFor(
          () => api.on('strict.test').find((r) => r.path === '/plain-http'),
          5_000,
          'arrived',
        );
        assert.equal(
          got.authorization,
          undefined,
          'plain http never carries the token of an https-only host',
        );
        await popup.click(strict, 'Sign out');
      });

      it('never follows a cross-host redirect with the header, and web pages cannot reach the extension', async () => {
        await signedIn();
        await app.fetch(url('api.test', `/redirect?to=${encodeURIComponent(url('evil.test', '/landed'))}`));
        assert.equal((await arrived('/redirect')).validToken, true, 'the API host itself got it');
        const landed = await waitFor(
          () => api.on('evil.test').find((r) => r.path === '/landed'),
          5_000,
          'followed',
        );
        assert.equal(landed.authorization, undefined, 'the redirect target must not get the header');
        assert.equal(
          await app.canMessageExtensions(),
          false,
          'a web page has no way to message the extension',
        );
      });

      it('a removed profile stops the header at once; Undo brings it back with its sign-in', async () => {
        await signedIn();
        const options = await driver.open('options.html');
        await options.click(ITEM, 'Remove');
        await waitFor(
          async () => /Removed "Verification API"/.test(await options.text('#file-result')),
          5_000,
          'removed',
        );
        assert.deepEqual(await driver.sessionRules(), []);
        await app.fetch(url('api.test', '/after-remove'));
        assert.equal((await arrived('/after-remove')).authorization, undefined);
        await options.click('#file-result', 'Undo');
        await waitFor(
          async () => /Restored "Verification API"/.test(await options.text('#file-result')),
          5_000,
          'restored',
        );
        await app.fetch(url('api.test', '/after-undo'));
        assert.equal(
          (await arrived('/after-undo')).validToken,
          true,
          'the sign-in came back with the profile',
        );
        await options.close();
      });

      it('sign-out removes the header', async () => {
        await signedIn();
        await popup.click(CARD, 'Sign out');
        await popupSays(/Signed out/);
        assert.deepEqual(await driver.sessionRules(), []);
        await app.fetch(url('api.test', '/after-sign-out'));
        assert.equal((await arrived('/after-sign-out')).authorization, undefined);
        assert.equal(
          api.bearerOnTokenEndpoints,
          0,
          'the extension’s own sign-in and refresh calls never carried a token',
        );
      });

      // Last on purpose: it reads the console of everything before it.
      it('no token or password ever reached the console of a page or the background', async () => {
        await signedIn();
        // A profile that no longer validates makes the background warn: proof that its console is heard.
        await popup.run(async () => {
          type Area = {
            get(key: string): Promise<Record<string, unknown>>;
            set(items: Record<string, unknown>): Promise<void>;
          };
          const g = globalThis as unknown as {
            browser?: { storage: { local: Area } };
            chrome: { storage: { local: Area } };
          };
          const local = (g.browser ?? g.chrome).storage.local;
          const { profiles } = (await local.get('profiles')) as { profiles: unknown[] };
          await local.set({ profiles: [...profiles, { id: 'broken', profile: { name: 'broken' } }] });
        }, undefined);
        await popup.send('getState', {});
        await waitFor(
          () => /ignoring a stored profile/.test(driver.consoleOutput()),
          5_000,
          "the background's warning in the console",
        );
        const output = driver.consoleOutput();
        const secrets = [PASSWORD, ...api.issuedTokens()];
        assert.ok(secrets.length > 5, 'tokens were issued');
        for (const secret of secrets) assert.ok(!output.includes(secret), 'a secret in the console output');
      });
    });
  });
}
