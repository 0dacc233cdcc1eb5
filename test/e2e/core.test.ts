// The core promise, end to end in real headless Chromium: import a profile, sign in from the
// popup, and the header goes exactly to the chosen hosts, stays fresh across refreshes with
// rotation while the browser stops the service worker, survives a browser restart, and stops
// at sign-out.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ChromiumSession, extensionCopy, removeDir, tempDir } from '../support/chromium.js';
import { TestApi } from '../support/test-api.js';
import { waitFor } from '../support/wait.js';

const USER = 'alice@example.com';
const PASSWORD = 'correct horse battery staple';
const TTL_SECONDS = 45;

const profileFile = {
  autobearer: 1,
  profiles: [
    {
      name: 'Verification API',
      hosts: ['http://api.test'],
      pages: ['http://app.test'],
      auth: {
        kind: 'json-login',
        login: { url: 'http://api.test/v2/login', body: { email: '{username}', password: '{password}' } },
        refresh: { url: 'http://api.test/v2/refresh', body: { refresh: '{refresh_token}' } },
        response: { accessToken: 'data.token', refreshToken: 'data.refresh', expiresIn: 'data.ttl' },
      },
    },
    { name: 'Elsewhere', hosts: ['http://api.example'], auth: { kind: 'manual' } },
  ],
};

const badFile = {
  autobearer: 1,
  profiles: [
    {
      name: 'Typo',
      hosts: ['exa mple.com'],
      auth: { kind: 'manual' },
      header: { name: 'Authorization', valeu: 'x' },
    },
  ],
};

describe('core, in Chromium', { timeout: 420_000 }, () => {
  const api = new TestApi({ ttlSeconds: TTL_SECONDS, users: { [USER]: PASSWORD } });
  const work = tempDir('autobearer-e2e-');
  const userDataDir = path.join(work, 'profile');
  const extensionDir = extensionCopy(['http://*.test/*', 'https://*.test/*']);
  let browser: ChromiumSession;
  let popup: Page;
  let app: Page;
  let signedInAt = 0;

  const card = () => popup.locator('section[data-profile="Verification API"]');

  /** Has the app page (on an allowed page host) call a URL and returns what the API recorded. */
  async function callFrom(page: Page, url: string): Promise<void> {
    await page.evaluate(async (target) => {
      await fetch(target, { mode: 'no-cors', cache: 'no-store' }).catch(() => undefined);
    }, url);
  }
  const lastOn = (host: string) => api.on(host).at(-1);

  before(async () => {
    await api.start();
    browser = await ChromiumSession.launch({ extensionDir, userDataDir, port: api.port });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await api.stop();
    removeDir(work);
    removeDir(extensionDir);
  });

  it('refuses a bad profile file, listing every problem by its path, and stores nothing', async () => {
    const options = await browser.open('options.html');
    const file = path.join(work, 'bad.json');
    writeFileSync(file, JSON.stringify(badFile));
    await options.setInputFiles('#import-file', file);
    const result = options.locator('#file-result[role=alert]');
    await result.waitFor({ timeout: 5_000 });
    const text = await result.innerText();
    assert.match(text, /nothing was changed/);
    assert.match(text, /profiles\[0\]\.hosts\[0\]: "exa mple\.com" is not a host name/);
    assert.match(text, /profiles\[0\]\.header: unknown key "valeu"/);
    assert.match(await options.locator('#profile-list').innerText(), /No profiles yet/);

    writeFileSync(file, '{ "autobearer": 1, "profiles": [');
    await options.setInputFiles('#import-file', file);
    await waitFor(async () => /not JSON/.test(await result.innerText()), 5_000, 'a non-JSON file is refused');
    await options.close();
  });

  it('imports the profile file on the options page and shows a profile that lacks host permission', async () => {
    const options = await browser.open('options.html');
    const file = path.join(work, 'profiles.json');
    writeFileSync(file, JSON.stringify(profileFile));
    await options.setInputFiles('#import-file', file);
    await options.locator('#file-result[role=status]').waitFor({ timeout: 5_000 });
    assert.match(await options.locator('#file-result').innerText(), /Imported 2 profiles/);
    const elsewhere = options.locator('li[data-profile="Elsewhere"]');
    assert.match(await elsewhere.innerText(), /Missing host permission: http:\/\/api\.example\/\*/);
    assert.doesNotMatch(await options.locator('li[data-profile="Verification API"]').innerText(), /Missing/);
    await options.close();
  });

  it('says why a sign-in with a wrong password fails, and sends no header', async () => {
    popup = await browser.open('popup.html');
    await card().getByLabel('Username').fill(USER);
    await card().getByLabel('Password').fill('wrong');
    await card().getByRole('button', { name: 'Sign in' }).click();
    await card()
      .getByRole('alert')
      .filter({ hasText: 'Wrong email or password' })
      .waitFor({ timeout: 5_000 });
    assert.match(await card().innerText(), /Signed out/);
    assert.deepEqual(await browser.sessionRules(), []);
  });

  it('signs in from the popup and shows who is signed in and when the token expires', async () => {
    await card().getByLabel('Username').fill(USER);
    await card().getByLabel('Password').fill(PASSWORD);
    await card().getByRole('button', { name: 'Sign in' }).click();
    await card().getByText(`Signed in as ${USER}`).waitFor({ timeout: 5_000 });
    signedInAt = Date.now();
    assert.match(await card().locator('.state').innerText(), /expires in 00:(4\d|3\d)/);
    const rules = await browser.sessionRules();
    assert.ok(rules.length > 0, 'a session rule exists');
    const value = rules[0]?.action.requestHeaders?.[0]?.value ?? '';
    assert.ok(api.isValid(value), 'the rule carries the token the API issued');
    const popupText = await popup.content();
    assert.ok(!popupText.includes(value.replace('Bearer ', '')), 'the popup never holds the token');
  });

  it('sends the header to the chosen host from an allowed page, and nowhere else', async () => {
    app = await browser.context.newPage();
    await app.goto('http://app.test/');
    await callFrom(app, 'http://api.test/data');
    await waitFor(() => lastOn('api.test')?.path === '/data', 5_000, 'the API got the request');
    assert.equal(lastOn('api.test')?.validToken, true, 'api.test got a valid token from app.test');

    for (const host of ['eu.api.test', 'api.test.evil.test', 'evilapi.test']) {
      await callFrom(app, `http://${host}/data`);
      await waitFor(() => lastOn(host), 5_000, `${host} got the request`);
      assert.equal(lastOn(host)?.authorization, undefined, `${host} must not get the header`);
    }

    const evil = await browser.context.newPage();
    await evil.goto('http://evil.test/');
    const before = api.on('api.test').length;
    await callFrom(evil, 'http://api.test/from-evil');
    await evil.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = 'http://api.test/form-post';
      document.body.append(form);
      form.submit();
    });
    const fromEvil = () =>
      api
        .on('api.test')
        .slice(before)
        .filter((r) => r.path === '/from-evil' || r.path === '/form-post');
    await waitFor(() => fromEvil().length === 2, 5_000, 'both requests from evil.test arrived');
    for (const request of fromEvil()) {
      assert.equal(
        request.authorization,
        undefined,
        `${request.method} ${request.path} from evil.test must not carry it`,
      );
    }
    await evil.close();

    // A top-level navigation the user makes to the API carries the token.
    const tab = await browser.context.newPage();
    await tab.goto('http://api.test/opened-in-a-tab');
    const opened = api.on('api.test').find((r) => r.path === '/opened-in-a-tab');
    assert.equal(opened?.validToken, true, 'a top-level navigation to the API carries the token');
    await tab.close();
  });

  it('refreshes three times with rotation before expiry, with the worker stopped between cycles', async () => {
    // The app calls the API twice a second for the whole run.
    await app.evaluate(() => {
      (window as unknown as { poller: number }).poller = window.setInterval(() => {
        void fetch('http://api.test/poll', { cache: 'no-store' }).catch(() => undefined);
      }, 500);
    });
    let lastRefreshAt = signedInAt;
    for (let cycle = 1; cycle <= 3; cycle++) {
      await browser.stopServiceWorker();
      const ok = await waitFor(
        () => api.refreshCalls.filter((c) => c.ok).length >= cycle && api.refreshCalls.filter((c) => c.ok),
        TTL_SECONDS * 1000,
        `refresh ${cycle} came before the token expired`,
        200,
      );
      const at = ok[cycle - 1]?.at ?? 0;
      assert.ok(
        at - lastRefreshAt < (TTL_SECONDS - 2) * 1000,
        `refresh ${cycle} came before the previous token expired`,
      );
      lastRefreshAt = at;
    }
    await app.evaluate(() => window.clearInterval((window as unknown as { poller: number }).poller));
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
    await waitFor(
      async () => /Signed in as/.test(await card().innerText()),
      5_000,
      'the popup still shows signed in',
    );
  });

  it('is still signed in after a browser restart, and the header is back', async () => {
    await browser.close();
    browser = await ChromiumSession.launch({ extensionDir, userDataDir, port: api.port });
    await waitFor(
      async () => (await browser.sessionRules()).length > 0,
      10_000,
      'the rule is rebuilt after restart',
    );
    app = await browser.context.newPage();
    await app.goto('http://app.test/');
    await callFrom(app, 'http://api.test/after-restart');
    await waitFor(
      () => api.on('api.test').find((r) => r.path === '/after-restart'),
      5_000,
      'the request arrived',
    );
    assert.equal(api.on('api.test').find((r) => r.path === '/after-restart')?.validToken, true);
    popup = await browser.open('popup.html');
    await card().getByText(`Signed in as ${USER}`).waitFor({ timeout: 5_000 });
  });

  it('keeps sending the valid token while a refresh fails for a server error, and says so', async () => {
    api.refreshFailure = 503;
    await card().getByRole('button', { name: 'Refresh now' }).click();
    await card()
      .getByText(/Refresh failed: api\.test answered 503/)
      .waitFor({ timeout: 5_000 });
    await callFrom(app, 'http://api.test/during-outage');
    await waitFor(
      () => api.on('api.test').find((r) => r.path === '/during-outage'),
      5_000,
      'the request arrived',
    );
    assert.equal(api.on('api.test').find((r) => r.path === '/during-outage')?.validToken, true);
    api.refreshFailure = undefined;
    await card().getByRole('button', { name: 'Refresh now' }).click();
    await waitFor(async () => !/Refresh failed/.test(await card().innerText()), 5_000, 'the error clears');
  });

  it('signs out when the refresh is refused, with the server reason, and stops the header', async () => {
    api.refreshFailure = 401;
    await card().getByRole('button', { name: 'Refresh now' }).click();
    await card()
      .getByRole('alert')
      .filter({
        hasText: /Signed out: the refresh was refused \(api\.test answered 401: refresh failure 401/,
      })
      .waitFor({ timeout: 5_000 });
    api.refreshFailure = undefined;
    assert.deepEqual(await browser.sessionRules(), []);
    await callFrom(app, 'http://api.test/after-refusal');
    await waitFor(
      () => api.on('api.test').find((r) => r.path === '/after-refusal'),
      5_000,
      'the request arrived',
    );
    assert.equal(api.on('api.test').find((r) => r.path === '/after-refusal')?.authorization, undefined);
  });

  it('signs in again, and sign-out removes the header', async () => {
    await card().getByLabel('Username').fill(USER);
    await card().getByLabel('Password').fill(PASSWORD);
    await card().getByRole('button', { name: 'Sign in' }).click();
    await card().getByRole('button', { name: 'Sign out' }).click();
    await card().getByText('Signed out').waitFor({ timeout: 5_000 });
    assert.deepEqual(await browser.sessionRules(), []);
    await callFrom(app, 'http://api.test/after-sign-out');
    await waitFor(
      () => api.on('api.test').find((r) => r.path === '/after-sign-out'),
      5_000,
      'the request arrived',
    );
    assert.equal(api.on('api.test').find((r) => r.path === '/after-sign-out')?.authorization, undefined);
  });
});
