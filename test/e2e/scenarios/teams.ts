// A team's signed profile file, followed (#14): subscribe from the options page, accept its
// profiles, sign in; a narrowing update applies at the next update, a widening one waits for the
// user; a file with a bad signature is refused and an unreachable host keeps the last good file,
// each said where the user looks.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { publicKeyText } from '../../../src/cli/keys.js';
import { joinFromSync, splitForSync } from '../../../src/core/sync.js';
import type { BrowserDriver, ExtensionPage, WebPage } from '../../support/driver.js';
import { FileServer } from '../../support/file-server.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const USER = 'dana@example.com';
const PASSWORD = 'team member password';
const TEAM = 'li[data-subscription="Team"]';
const ITEM = '#profile-list li[data-profile="Team API"]';
const CARD = 'section[data-profile="Team API"]';

export function teamsScenario(launch: () => Promise<BrowserDriver>): void {
  describe('a team’s signed profile file', { timeout: 240_000 }, () => {
    const api = new TestApi({ ttlSeconds: 600, users: { [USER]: PASSWORD } });
    const files = new FileServer();
    const work = mkdtempSync(path.join(tmpdir(), 'autobearer-teams-'));
    const team = generateKeyPairSync('ed25519');
    const stranger = generateKeyPairSync('ed25519');
    let driver: BrowserDriver;
    let options: ExtensionPage;
    let app: WebPage;
    const url = (host: string, pathname: string) => `http://${host}:${api.port}${pathname}`;
    /** The team publishes `hosts` for its one profile, signed with `key`. */
    const publish = (
      hosts: string[],
      key: KeyObject = team.privateKey,
      auth: object = api.jsonLoginAuth('api.test'),
    ) => {
      const text = JSON.stringify(
        {
          autobearer: 1,
          profiles: [{ name: 'Team API', hosts, pages: ['http://app.test'], auth }],
        },
        null,
        2,
      );
      files.put('/team.json', text);
      files.put('/team.json.sig', sign(null, Buffer.from(text), key).toString('base64'));
    };
    const says = (selector: string, pattern: RegExp, page = options) =>
      waitFor(async () => pattern.test(await page.text(selector)), 10_000, `${selector} shows ${pattern}`);
    /** Whether a call from the app page to `host` carried a valid token. */
    const carries = async (host: string) => {
      const since = Date.now();
      await app.fetch(url(host, '/team-call'));
      const call = await waitFor(
        () => api.on(host, since).find((r) => r.path === '/team-call'),
        5_000,
        `the call reached ${host}`,
      );
      return call.validToken;
    };

    /** A profile file of the user's own: one profile, and a machine identity with its secret. */
    const writeOwnFile = () => {
      const file = path.join(work, 'own.json');
      writeFileSync(
        file,
        JSON.stringify({
          autobearer: 1,
          profiles: [
            { name: 'Own API', hosts: ['http://a.test'], auth: { kind: 'manual' } },
            {
              name: 'Own machine',
              hosts: ['http://machine.test'],
              auth: {
                kind: 'oauth2-client-credentials',
                tokenUrl: url('machine.test', '/oauth/token'),
                clientId: 'cli',
                clientSecret: 'own machine secret',
              },
            },
          ],
        }),
      );
      return file;
    };

    before(async () => {
      await api.start();
      await files.start();
      driver = await launch();
      publish(['http://api.test', 'http://eu.api.test']);
    });

    after(async () => {
      await driver?.close();
      await api.stop();
      await files.stop().catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    });

    it('subscribes: the file’s profiles wait for the user, then apply read-only, and sign in', async () => {
      options = await driver.open('options.html');
      await options.fill('#subscribe-form', 'Name', 'Team');
      await options.fill(
        '#subscribe-form',
        'URL of the profile file',
        `http://company.test:${files.port}/team.json`,
      );
      await options.fill('#subscribe-form', 'Public key', publicKeyText(team.publicKey));
      await options.click('#subscribe-form', 'Subscribe');
      await says(TEAM, /waits for your confirmation/);
      assert.equal(await options.text(ITEM), '', 'nothing applies before the user says so');
      assert.match(await options.text(TEAM), /api\.test/);
      await options.click(TEAM, 'Apply');
      await says(ITEM, /from Team/);
      assert.match(await options.text(TEAM), /signed by ed25519:/);
      // Read-only: no Edit or Remove, Duplicate makes an editable copy.
      const buttons = (await options.controls()).map((c) => c.name);
      assert.ok(buttons.includes('Duplicate Team API') && !buttons.includes('Edit Team API'));
      if (/Missing/.test(await options.text(ITEM))) await options.click(ITEM, 'Grant access');
      await waitFor(async () => !/Missing/.test(await options.text(ITEM)), 5_000, 'access granted');

      const popup = await driver.open('popup.html');
      await says(CARD, /Signed out/, popup);
      await popup.fill(CARD, 'Username', USER);
      await popup.fill(CARD, 'Password', PASSWORD);
      await popup.click(CARD, 'Sign in');
      await says(CARD, /Signed in as/, popup);
      await popup.close();
      app = await driver.openWeb(url('app.test', '/'));
      assert.ok(await carries('api.test'));
      assert.ok(await carries('eu.api.test'));
    });

    it('a narrowing update applies at the next update; a widening one waits for the user, and the popup says so', async () => {
      publish(['http://api.test']);
      await options.click(TEAM, 'Update now');
      await waitFor(
        async () => !(await options.text(ITEM)).includes('eu.api.test'),
        10_000,
        'eu.api.test gone',
      );
      assert.equal(await carries('eu.api.test'), false, 'the removed host gets no token at once');
      assert.ok(await carries('api.test'), 'still signed in: the sign-in settings did not change');
      // Nothing changed: the next check is answered "not modified".
      await options.click(TEAM, 'Update now');
      await waitFor(() => files.requests.at(-1)?.notModified, 5_000, 'a conditional request');

      publish(['http://api.test', 'http://b.test']);
      await options.click(TEAM, 'Update now');
      await says(TEAM, /waits for your confirmation[\s\S]*b\.test/);
      assert.doesNotMatch(await options.text(ITEM), /b\.test/);
      assert.equal(await carries('b.test'), false, 'no token to the new host before the user agrees');
      const popup = await driver.open('popup.html');
      await says('#subscription-notice', /update of the team file Team waits/, popup);
      await popup.close();
      await options.click(TEAM, 'Apply');
      await says(ITEM, /b\.test/);
    });

    it('an update that only moves the refresh URL waits for Apply, and no refresh goes to the new host before it', async () => {
      const auth = api.jsonLoginAuth('api.test');
      const collector = url('evil.test', '/v2/refresh');
      publish(['http://api.test', 'http://b.test'], team.privateKey, {
        ...auth,
        refresh: { ...auth.refresh, url: collector },
      });
      await options.click(TEAM, 'Update now');
      await says(
        TEAM,
        /waits for your confirmation[\s\S]*refresh token to http:\/\/evil\.test:\d+\/v2\/refresh \(before: http:\/\/api\.test:\d+\/v2\/refresh\)/,
      );
      // A refresh meanwhile still goes where the user signed in.
      const before = api.refreshCalls.length;
      const since = Date.now();
      const popup = await driver.open('popup.html');
      await popup.click(CARD, 'Refresh now');
      await waitFor(() => api.refreshCalls.length > before, 5_000, 'a refresh');
      await says(CARD, /Signed in as/, popup);
      await popup.close();
      assert.deepEqual(
        api.on('evil.test', since).map((r) => r.path),
        [],
        'nothing went to the new refresh URL',
      );
      assert.ok(await carries('api.test'));
      await options.click(TEAM, 'Not now');
      await waitFor(
        async () => !/waits for your confirmation/.test(await options.text(TEAM)),
        5_000,
        'discarded',
      );
      publish(['http://api.test', 'http://b.test']);
    });

    it('a file with a bad signature is refused with the reason, and the last good one stays in force', async () => {
      publish(['http://api.test', 'http://b.test', 'http://evil.test'], stranger.privateKey);
      await options.click(TEAM, 'Update now');
      await says(TEAM, /failed.*signature does not match/);
      assert.doesNotMatch(await options.text(ITEM), /evil\.test/);
      assert.equal(await carries('evil.test'), false);
      assert.ok(await carries('api.test'));
    });

    it('an unreachable host: the last good file is kept, and the page says so', async () => {
      await files.stop();
      await options.click(TEAM, 'Update now');
      await says(TEAM, /failed.*could not be reached/);
      assert.match(await options.text(ITEM), /Team API/);
      assert.ok(await carries('api.test'));
      await files.start();
    });

    it('own profiles sync through the browser’s sync storage when turned on: no token, password or secret in it', async () => {
      // The test browsers have no sync account: storage.sync then keeps the items locally, which
      // is what is checked here; two browsers syncing is unit-tested (background-sync.test.ts).
      await options.close();
      options = await driver.open('options.html');
      await options.importFile(writeOwnFile());
      await waitFor(async () => (await options.text('#profile-list')).includes('Own API'), 5_000, 'imported');
      await options.run(() => {
        (document.getElementById('sync-enabled') as HTMLInputElement).click();
      }, undefined);
      await says('#sync-status', /Synced/);
      const synced = await options.run(async () => {
        type Sync = { storage: { sync: { get(k: null): Promise<Record<string, unknown>> } } };
        const g = globalThis as unknown as { browser?: Sync; chrome: Sync };
        return JSON.stringify(await (g.browser ?? g.chrome).storage.sync.get(null));
      }, undefined);
      assert.match(synced, /Own API/);
      assert.doesNotMatch(synced, /Team API/, 'a subscription’s profiles are the team’s, not synced');
      for (const secret of [...api.issuedTokens(), PASSWORD, 'own machine secret'])
        assert.ok(!synced.includes(secret), 'a secret reached sync storage');
    });

    it('another browser’s version that adds a host waits with its preview; accepted, it arrives signed out', async () => {
      const OWN = 'section[data-profile="Own API"]';
      const popup = await driver.open('popup.html');
      await says(OWN, /Signed out/, popup);
      await popup.fill(OWN, 'Token', 'own-pasted-token');
      await popup.fill(OWN, 'Lifetime', '600');
      await popup.click(OWN, 'Use token');
      await says(OWN, /Token in use/, popup);
      // Another browser signed in to the same browser account writes its version of Own API.
      type Sync = {
        storage: { sync: { get(k: null): Promise<Record<string, unknown>>; set(i: object): Promise<void> } };
      };
      /** What sync holds, where this browser's memory of its last sync agrees with it. */
      const synced = async () => {
        const [memory, items] = await options.run(async () => {
          const g = globalThis as unknown as { browser?: Sync; chrome: Sync };
          const area = (g.browser ?? g.chrome).storage;
          const local = (area as unknown as { local: Sync['storage']['sync'] }).local;
          const settings = (await local.get(null)).sync as {
            memory: { known: Record<string, { changedAt: number }> };
          };
          return [settings.memory.known['Own API']?.changedAt, await area.sync.get(null)] as const;
        }, undefined);
        // Read as written (the browser's clock, not this process's, decides what is "now").
        const state = joinFromSync(items, Number.POSITIVE_INFINITY);
        return state?.profiles['Own API']?.changedAt === memory ? state : undefined;
      };
      // Once this browser's sync has settled (its memory and sync storage agree).
      const state = await waitFor(synced, 10_000, 'sync settled');
      const own = state.profiles['Own API'];
      assert.ok(own, 'Own API is in sync storage');
      const widened = {
        ...state,
        profiles: {
          ...state.profiles,
          'Own API': {
            // Changed over there after this browser's version (and not ahead of its clock).
            changedAt: own.changedAt + 1,
            profile: { ...own.profile, hosts: ['http://a.test', 'http://evil.test'] },
          },
        },
      };
      const split = splitForSync(widened);
      assert.ok('items' in split);
      await options.run(async (written) => {
        const g = globalThis as unknown as { browser?: Sync; chrome: Sync };
        await (g.browser ?? g.chrome).storage.sync.set(written);
      }, split.items);
      const WAITING = '[data-sync-waiting="Own API"]';
      await says(WAITING, /waits for you[\s\S]*Own API now sends the token to or from http:\/\/evil\.test/);
      assert.doesNotMatch(await options.text('#profile-list li[data-profile="Own API"]'), /evil\.test/);
      await says('#subscription-notice', /A change of Own API from your other browsers waits/, popup);
      assert.match(await popup.text(OWN), /Token in use/, 'still signed in with its own version');
      await options.click(WAITING, 'Accept');
      await says('#profile-list li[data-profile="Own API"]', /evil\.test/);
      await says(OWN, /Signed out: you accepted a change from your other browsers/, popup);
      assert.ok(
        (await driver.sessionRules()).every((r) => !JSON.stringify(r).includes('own-pasted-token')),
        'its token is no longer sent anywhere',
      );
      await popup.close();
    });

    it('unsubscribing removes its profiles and their sign-ins', async () => {
      await options.click(TEAM, 'Unsubscribe');
      await waitFor(async () => (await options.text(ITEM)) === '', 5_000, 'the profile is gone');
      assert.equal(await carries('api.test'), false);
    });
  });
}
