// The pages as people use them: with the keyboard alone, with every control named for assistive
// technology, with problems shown while typing, and a desktop notification when a refused
// refresh signs a profile out while nobody is looking at the popup.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserDriver, Control, ExtensionPage } from '../../support/driver.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const USER = 'kim@example.com';
const PASSWORD = 'keyboard only';
const CARD = 'section[data-profile="Keyboard API"]';
const MAX_TABS = 60;

/** Presses Tab until the focus is on the control with this role and name; fails listing the way there. */
async function tabTo(page: ExtensionPage, role: string, name: RegExp): Promise<void> {
  const seen: Control[] = [];
  for (let i = 0; i < MAX_TABS; i++) {
    await page.press('Tab');
    const focused = await page.focused();
    if (focused.role === role && name.test(focused.name)) return;
    seen.push(focused);
  }
  assert.fail(
    `Tab never reached ${role} ${name}; it went through ${seen.map((c) => `${c.role} "${c.name}"`).join(', ')}`,
  );
}

const focusIs = (page: ExtensionPage, role: string, name: RegExp) =>
  waitFor(
    async () => {
      const focused = await page.focused();
      return focused.role === role && name.test(focused.name);
    },
    5_000,
    `the focus on ${role} ${name}`,
  );

export function pagesScenario(launch: () => Promise<BrowserDriver>): void {
  describe('keyboard, names and notifications', { timeout: 180_000 }, () => {
    const api = new TestApi({ ttlSeconds: 600, users: { [USER]: PASSWORD } });
    const work = mkdtempSync(path.join(tmpdir(), 'autobearer-pages-'));
    let driver: BrowserDriver;
    const url = (host: string, pathname: string) => `http://${host}:${api.port}${pathname}`;

    before(async () => {
      await api.start();
      driver = await launch();
      const file = path.join(work, 'keyboard.json');
      writeFileSync(
        file,
        JSON.stringify({
          autobearer: 1,
          profiles: [
            {
              name: 'Keyboard API',
              hosts: ['http://api.test'],
              auth: api.jsonLoginAuth('api.test'),
            },
          ],
        }),
      );
      const options = await driver.open('options.html');
      await options.importFile(file);
      const item = 'li[data-profile="Keyboard API"]';
      await waitFor(async () => /Keyboard API/.test(await options.text(item)), 5_000, 'imported');
      if (/Missing/.test(await options.text(item))) await options.click(item, 'Grant access');
      await waitFor(async () => !/Missing/.test(await options.text(item)), 5_000, 'access granted');
      await options.close();
    });

    after(async () => {
      await driver?.close();
      await api.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('every control of the popup and the options page has a role and a name', async () => {
      const popup = await driver.open('popup.html');
      const options = await driver.open('options.html');
      try {
        await waitFor(async () => /Signed out/.test(await popup.text(CARD)), 5_000, 'popup drawn');
        await waitFor(
          async () => /Keyboard API/.test(await options.text('#profile-list')),
          5_000,
          'list drawn',
        );
        for (const page of [popup, options]) {
          const controls = await page.controls();
          assert.ok(controls.length > 3, 'the page has controls');
          const unnamed = controls.filter((c) => !c.role || !c.name);
          assert.deepEqual(unnamed, [], 'controls without a role or a name');
        }
        const names = (await options.controls()).map((c) => `${c.role} ${c.name}`);
        // A list of "Edit" buttons says which profile each one edits.
        assert.ok(names.includes('button Edit Keyboard API'), names.join(' | '));
        const popupNames = (await popup.controls()).map((c) => `${c.role} ${c.name}`);
        assert.ok(popupNames.includes('textbox Username'), popupNames.join(' | '));
        assert.ok(popupNames.includes('textbox Password'), popupNames.join(' | '));
        assert.ok(popupNames.includes('button Sign in'), popupNames.join(' | '));
        assert.ok(
          popupNames.some((n) => /^switch .*Keyboard API/.test(n)),
          popupNames.join(' | '),
        );
      } finally {
        await popup.close();
        await options.close();
      }
    });

    it('signs in from the popup with the keyboard alone', async () => {
      const popup = await driver.open('popup.html');
      await waitFor(async () => /Signed out/.test(await popup.text(CARD)), 5_000, 'popup drawn');
      await tabTo(popup, 'textbox', /^Username$/);
      await popup.type(USER);
      await tabTo(popup, 'textbox', /^Password$/);
      await popup.type(PASSWORD);
      await tabTo(popup, 'button', /^Sign in$/);
      await popup.press('Enter');
      await waitFor(
        async () => /Signed in as kim@example\.com/.test(await popup.text(CARD)),
        10_000,
        'signed in',
      );
      await popup.close();
    });

    it('exports the profiles without any token or password, as a file that imports again; an import that changes the sign-in settings signs out', async () => {
      const options = await driver.open('options.html');
      // What the "Export profile file" button saves.
      const reply = await options.send('exportFile', {});
      assert.equal(reply.ok, true, reply.error);
      const { text } = reply.value as { text: string };
      assert.match(text, /"Keyboard API"/);
      const secrets = [PASSWORD, ...api.issuedTokens()];
      assert.ok(secrets.length > 1, 'signed in: there are tokens to leak');
      for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret in the export');
      const file = path.join(work, 'exported.json');
      writeFileSync(file, text);
      await options.importFile(file);
      await waitFor(
        async () => /Imported .*exported\.json/.test(await options.text('#file-result')),
        5_000,
        'the export imported again',
      );
      const popup = await driver.open('popup.html');
      await waitFor(async () => /Signed in as/.test(await popup.text(CARD)), 5_000, 'still signed in');
      assert.equal((await driver.sessionRules()).length > 0, true, 'the header still goes out');

      // The same profile, signing in elsewhere: the tokens it holds must not go there.
      const moved = path.join(work, 'moved.json');
      // It also sends the token to one more host: the preview says both before anything changes.
      const widened = JSON.parse(text.replace('/v2/refresh', '/v2/refresh?version=2'));
      widened.profiles[0].hosts.push('extra.test');
      writeFileSync(moved, JSON.stringify(widened));
      await options.setFile('#import-file', moved);
      const preview = await waitFor(() => options.text('#import-preview'), 5_000, 'the preview');
      assert.match(preview, /Keyboard API \(changed\)/);
      assert.match(preview, /Newly gets the token you are signed in with now: extra\.test/);
      assert.match(preview, /Signs out: its sign-in settings change/);
      assert.match(await popup.text(CARD), /Signed in as/, 'nothing changed before Import');
      await options.click('#import-preview', 'Import');
      await waitFor(
        async () => /sign-in settings changed/.test(await popup.text(CARD)),
        5_000,
        'signed out by the import',
      );
      assert.deepEqual(await driver.sessionRules(), [], 'no header any more');
      await popup.fill(CARD, 'Username', USER);
      await popup.fill(CARD, 'Password', PASSWORD);
      await popup.click(CARD, 'Sign in');
      await waitFor(async () => /Signed in as/.test(await popup.text(CARD)), 10_000, 'signed in again');
      await popup.close();
      await options.close();
    });

    it('adds, duplicates and removes a profile with the keyboard alone, with problems shown as you type', async () => {
      const options = await driver.open('options.html');
      await waitFor(
        async () => /Keyboard API/.test(await options.text('#profile-list')),
        5_000,
        'list drawn',
      );
      await tabTo(options, 'button', /^Add profile$/);
      await options.press('Enter');
      await focusIs(options, 'textbox', /^Name$/);
      await options.type('Typed API');
      await tabTo(options, 'textbox', /^Hosts that get the header/);
      await options.type('exa mple.com');
      // Validation as you type: the problem shows without a save.
      await waitFor(
        async () =>
          /hosts\[0\]: "exa mple\.com" is not a host name/.test(await options.text('#form-problems')),
        5_000,
        'the problem shown while typing',
      );
      await options.press('Control+a');
      await options.type('b.test');
      await tabTo(options, 'textbox', /^Login URL$/);
      await options.type(url('b.test', '/v2/login'));
      const problemsShown = () =>
        options.run(() => !(document.getElementById('form-problems') as HTMLElement).hidden, undefined);
      await waitFor(async () => !(await problemsShown()), 5_000, 'no problem left').catch(async (error) => {
        throw new Error(`${(error as Error).message}: ${await options.text('#form-problems')}`);
      });
      await tabTo(options, 'button', /^Save profile$/);
      await options.press('Enter');
      await waitFor(
        async () => /Typed API/.test(await options.text('li[data-profile="Typed API"]')),
        5_000,
        'the typed profile saved',
      );

      await tabTo(options, 'button', /^Duplicate Typed API$/);
      await options.press('Enter');
      await focusIs(options, 'textbox', /^Name$/);
      await tabTo(options, 'button', /^Save profile$/);
      await options.press('Enter');
      await waitFor(
        async () => /b\.test/.test(await options.text('li[data-profile="Typed API (copy)"]')),
        5_000,
        'the copy saved, with the same hosts',
      );

      await tabTo(options, 'button', /^Remove Typed API \(copy\)$/);
      await options.press('Enter');
      // The removal offers its undo where the focus is.
      await focusIs(options, 'button', /^Undo$/);
      await options.press('Enter');
      await waitFor(
        async () => /Restored/.test(await options.text('#file-result')),
        5_000,
        'the copy restored',
      );
      assert.match(await options.text('li[data-profile="Typed API (copy)"]'), /b\.test/);
      await options.close();
    });

    it('saving a signed-in profile from the form keeps its sign-in: the form gives back its sign-in settings as they were', async () => {
      const options = await driver.open('options.html');
      await options.click('li[data-profile="Keyboard API"]', 'Edit Keyboard API');
      await options.click('#profile-form', 'Save profile');
      await waitFor(async () => /Saved/.test(await options.text('#file-result')), 5_000, 'saved');
      const popup = await driver.open('popup.html');
      await waitFor(async () => /Signed in as/.test(await popup.text(CARD)), 5_000, 'still signed in');
      assert.equal((await driver.sessionRules()).length > 0, true, 'the header still goes out');
      await popup.close();
      await options.close();
    });

    it('a refresh the server refuses ends in a desktop notification for that profile', async () => {
      const popup = await driver.open('popup.html');
      await waitFor(async () => /Signed in as/.test(await popup.text(CARD)), 5_000, 'signed in');
      await popup.watchNotifications();
      assert.deepEqual(await popup.notificationIds(), [], 'no notification before');
      await api.withFaults({ refreshStatus: 401 }, async () => {
        await popup.click(CARD, 'Refresh now');
        await waitFor(async () => /Signed out/.test(await popup.text(CARD)), 5_000, 'signed out');
      });
      const ids = await waitFor(
        async () => {
          const shown = await popup.notificationIds();
          return shown.length > 0 ? shown : undefined;
        },
        5_000,
        'a notification',
      );
      assert.equal(ids.length, 1);
      assert.match(ids[0] ?? '', /^signed-out:/);
      await popup.close();
    });
  });
}
