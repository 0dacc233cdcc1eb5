// Signing in with a real OAuth 2.0 / OpenID Connect provider (oidc-provider on loopback): the
// provider's own login and consent pages, refreshes with rotation, a revoked grant, a machine
// identity, a closed sign-in window, a provider that refuses the extension's origin.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type BrowserDriver,
  type ExtensionPage,
  refreshedTokensInRules,
  tokensInRules,
} from '../../support/driver.js';
import { MACHINE_CLIENT, MACHINE_SECRET, PUBLIC_CLIENT, TestProvider } from '../../support/oidc.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const TTL_SECONDS = 45;
const CARD = 'section[data-profile="Provider API"]';
const MACHINE_CARD = 'section[data-profile="Machine API"]';

export function oauthScenario(launch: () => Promise<BrowserDriver>): void {
  describe('OAuth provider', { timeout: 300_000 }, () => {
    const api = new TestApi({ ttlSeconds: TTL_SECONDS, users: {} });
    const work = mkdtempSync(path.join(tmpdir(), 'autobearer-oauth-'));
    let provider: TestProvider;
    let driver: BrowserDriver;
    let popup: ExtensionPage;
    const url = (host: string, pathname: string) => `http://${host}:${api.port}${pathname}`;
    const arrived = (host: string, pathname: string) =>
      waitFor(() => api.on(host).find((r) => r.path === pathname), 5_000, `${pathname} reached ${host}`);
    const popupSays = (pattern: RegExp, selector = CARD) =>
      waitFor(async () => pattern.test(await popup.text(selector)), 10_000, `the popup shows ${pattern}`);

    /** The user's part on the provider's own pages: log in (unless the provider remembers them), then consent. */
    async function signInAtProvider(user: string): Promise<void> {
      let page = await driver.openedPage('/interaction/');
      if (await page.exists('input[name=login]')) {
        await page.fill('input[name=login]', user);
        await page.fill('input[name=password]', 'any password');
        await page.click('button[type=submit]');
        page = await waitFor(
          async () => {
            const next = await driver.openedPage('/interaction/');
            return (
              !(await next.exists('input[name=login]')) && (await next.exists('button[type=submit]')) && next
            );
          },
          10_000,
          'the consent page',
        );
      }
      await page.click('button[type=submit]');
    }

    before(async () => {
      await api.start();
      driver = await launch();
      const options = await driver.open('options.html');
      const redirectUri = await options.text('#redirect-url');
      const origin = await options.text('#extension-origin');
      assert.match(redirectUri, /^https:\/\/[a-z0-9]+\.(chromiumapp\.org|extensions\.allizom\.org)\/$/);
      assert.match(origin, /^(chrome|moz)-extension:\/\/[0-9a-z-]+$/);
      provider = new TestProvider({
        hostname: 'id.test',
        redirectUri,
        allowedOrigins: [origin],
        accessTokenSeconds: TTL_SECONDS,
      });
      await provider.start();
      api.acceptToken = (authorization) => provider.isValid(authorization);

      const file = path.join(work, 'oauth.json');
      writeFileSync(
        file,
        JSON.stringify({
          autobearer: 1,
          profiles: [
            {
              name: 'Provider API',
              hosts: ['http://api.test'],
              pages: ['http://app.test'],
              auth: {
                kind: 'oauth2-authorization-code',
                issuer: provider.issuer,
                clientId: PUBLIC_CLIENT,
                scope: 'openid offline_access',
              },
            },
            {
              name: 'Machine API',
              hosts: ['http://machine.test'],
              auth: {
                kind: 'oauth2-client-credentials',
                tokenUrl: `${provider.issuer}/token`,
                clientId: MACHINE_CLIENT,
                clientSecret: MACHINE_SECRET,
              },
            },
          ],
        }),
      );
      await options.importFile(file);
      await waitFor(
        async () => /Imported 2 profiles/.test(await options.text('#file-result')),
        5_000,
        'imported',
      );
      for (const name of ['Provider API', 'Machine API']) {
        const item = `li[data-profile="${name}"]`;
        if (/Missing host permission/.test(await options.text(item)))
          await options.click(item, 'Grant access');
        await waitFor(
          async () => !/Missing/.test(await options.text(item)),
          5_000,
          `${name} has its host access`,
        );
      }
      await options.close();
      popup = await driver.open('popup.html');
    });

    after(async () => {
      await driver?.close();
      await provider?.stop();
      await api.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('signs in on the provider’s own pages, and the API host receives the header', async () => {
      await popupSays(/Signed out/);
      await popup.click(CARD, 'Sign in');
      await signInAtProvider('alice');
      await popupSays(/Signed in as alice/);
      const app = await driver.openWeb(url('app.test', '/'));
      await app.fetch(url('api.test', '/provider-data'));
      assert.equal((await arrived('api.test', '/provider-data')).validToken, true);
      await app.close();
      // The issuer is plain http (local development): the warning lists what discovery found too.
      const options = await driver.open('options.html');
      const warning = await waitFor(
        async () =>
          /Not encrypted/.test(await options.text('li[data-profile="Provider API"]')) &&
          options.text('li[data-profile="Provider API"]'),
        5_000,
        'the plain-http warning',
      );
      assert.ok(warning.includes(`${provider.issuer}/token`), `the discovered token endpoint in: ${warning}`);
      await options.close();
    });

    it('refreshes twice with rotation, with the background stopped in between', async () => {
      const app = await driver.openWeb(url('app.test', '/'));
      const since = Date.now();
      await app.startPolling(url('api.test', '/provider-poll'), 500);
      const rotatedBefore = provider.refreshTokens.length;
      for (let cycle = 1; cycle <= 2; cycle++) {
        const before = await tokensInRules(driver);
        await driver.stopBackground();
        await waitFor(
          () => provider.refreshGrants.length >= cycle,
          TTL_SECONDS * 1000,
          `refresh ${cycle} came in time`,
          200,
        );
        await refreshedTokensInRules(driver, before, `refresh ${cycle}'s token is in the rules`);
      }
      await app.stopPolling();
      await app.close();
      assert.ok(provider.refreshTokens.length >= rotatedBefore + 2, 'each refresh rotated the refresh token');
      const polls = api.on('api.test', since).filter((r) => r.path === '/provider-poll');
      assert.ok(polls.length > 40, `the app made its calls (${polls.length})`);
      assert.equal(polls.filter((r) => !r.validToken).length, 0, 'every call carried a valid token');
    });

    it('a revoked grant ends in "signed out" with the provider’s reason', async () => {
      await provider.revokeLatestGrant();
      await popup.click(CARD, 'Refresh now');
      await popupSays(
        /Signed out: the refresh was refused \(id\.test:\d+ answered 400: invalid_grant/,
        `${CARD} [role=alert]`,
      );
      assert.equal((await driver.sessionRules()).length, 0);
    });

    it('a refresh token the provider no longer takes: signed in again through its session, without a window', async () => {
      await popup.click(CARD, 'Sign in');
      await signInAtProvider('alice');
      await popupSays(/Signed in as alice/);
      await provider.expireRefreshTokens();
      await popup.click(CARD, 'Refresh now');
      await popupSays(/signed in again through the provider's session, without a window/);
      assert.match(await popup.text(CARD), /Signed in as alice/);
      const app = await driver.openWeb(url('app.test', '/'));
      await app.fetch(url('api.test', '/after-silent'));
      assert.equal((await arrived('api.test', '/after-silent')).validToken, true);
      await app.close();
      await popup.click(CARD, 'Sign out');
      await popupSays(/Signed out/);
    });

    it('a closed sign-in window ends in a clear message and stores nothing', async () => {
      await popup.click(CARD, 'Sign in');
      const login = await driver.openedPage('/interaction/');
      await login.close();
      await popupSays(/Sign-in failed: the sign-in window was closed/, `${CARD} [role=alert]`);
      assert.match(await popup.text(CARD), /Signed out/);
      assert.equal((await driver.sessionRules()).length, 0);
    });

    it('a provider that does not allow the extension’s origin says so', async () => {
      const allowed = [...provider.options.allowedOrigins];
      provider.options.allowedOrigins.length = 0;
      try {
        await popup.click(CARD, 'Sign in');
        await signInAtProvider('alice');
        await popupSays(
          /Sign-in failed: id\.test:\d+ answered 400: invalid_request: origin \S+ not allowed/,
          `${CARD} [role=alert]`,
        );
        assert.equal((await driver.sessionRules()).length, 0);
      } finally {
        provider.options.allowedOrigins.push(...allowed);
      }
    });

    it('connects a machine identity, whose token reaches only its own host', async () => {
      await popup.click(MACHINE_CARD, 'Connect');
      await popupSays(/Signed in as machine/, MACHINE_CARD);
      const page = await driver.openWeb(url('machine.test', '/'));
      await page.fetch(url('machine.test', '/machine-data'));
      assert.equal((await arrived('machine.test', '/machine-data')).validToken, true);
      await page.fetch(url('api.test', '/not-for-machine'));
      assert.equal((await arrived('api.test', '/not-for-machine')).authorization, undefined);
      await page.close();
    });

    it('never exports the client secret, and asks for it where a shared file arrives without it', async () => {
      const options = await driver.open('options.html');
      const reply = await options.send('exportFile', {});
      const { text, withoutSecret } = reply.value as { text: string; withoutSecret: string[] };
      assert.ok(!text.includes(MACHINE_SECRET), 'no secret in the export');
      assert.deepEqual(withoutSecret, ['Machine API']);
      assert.ok(!(await options.html()).includes(MACHINE_SECRET), 'nor in the options page');
      // A colleague's browser gets the shared file: remove the profile here, then import it.
      await options.click('li[data-profile="Machine API"]', 'Remove Machine API');
      const shared = path.join(work, 'shared.json');
      writeFileSync(shared, text);
      await options.setFile('#import-file', shared);
      await waitFor(
        async () =>
          /Machine API \(new\)[\s\S]*Needs its client secret/.test(await options.text('#import-preview')),
        5_000,
        'the preview says the secret is needed',
      );
      await options.click('#import-preview', 'Import');
      await popupSays(/Machine API needs its client secret/, MACHINE_CARD);
      await popup.fill(MACHINE_CARD, 'Client secret', MACHINE_SECRET);
      await popup.click(MACHINE_CARD, 'Connect');
      await popupSays(/Signed in as machine/, MACHINE_CARD);
      assert.ok(!(await popup.html()).includes(MACHINE_SECRET), 'the popup does not keep it');
      await options.close();
    });
  });
}
