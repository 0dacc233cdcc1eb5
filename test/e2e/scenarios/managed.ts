// Company deployment: profiles pushed by enterprise policy (storage.managed) appear read-only,
// are used like the user's own, and the rest of the extension is unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserDriver, ExtensionPage } from '../../support/driver.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const ITEM = 'li[data-profile="Company API"]';
const CARD = 'section[data-profile="Company API"]';

export function managedScenario(
  installPolicy: (profileFile: string) => () => void,
  launch: () => Promise<BrowserDriver>,
): void {
  describe('company deployment by policy', { timeout: 120_000 }, () => {
    const api = new TestApi({ ttlSeconds: 3600, users: {} });
    let removePolicy: (() => void) | undefined;
    let driver: BrowserDriver;
    let options: ExtensionPage;

    before(async () => {
      await api.start();
      removePolicy = installPolicy(
        JSON.stringify({
          autobearer: 1,
          profiles: [
            {
              name: 'Company API',
              hosts: ['http://company.test'],
              pages: ['http://app.test'],
              auth: { kind: 'manual' },
            },
          ],
        }),
      );
      driver = await launch();
    });

    after(async () => {
      await driver?.close();
      removePolicy?.();
      await api.stop();
    });

    it('shows the managed profile read-only on the options page', async () => {
      options = await driver.open('options.html');
      const text = await waitFor(async () => options.text(ITEM), 10_000, 'the managed profile is listed');
      assert.match(text, /managed by your organization/);
      assert.match(text, /Duplicate/);
      assert.doesNotMatch(text, /Edit|Remove/);
      if (/Missing/.test(text)) await options.click(ITEM, 'Grant access');
      await waitFor(async () => !/Missing/.test(await options.text(ITEM)), 5_000, 'host access');
    });

    it('is used like any profile: a pasted token reaches its host', async () => {
      const popup = await driver.open('popup.html');
      await waitFor(async () => /Signed out/.test(await popup.text(CARD)), 5_000, 'popup');
      await popup.fill(CARD, 'Token', 'company-token');
      await popup.click(CARD, 'Use token');
      await waitFor(async () => /Token in use/.test(await popup.text(CARD)), 5_000, 'token in use');
      const app = await driver.openWeb(`http://app.test:${api.port}/`);
      await app.fetch(`http://company.test:${api.port}/managed`);
      const got = await waitFor(
        () => api.on('company.test').find((r) => r.path === '/managed'),
        5_000,
        'arrived',
      );
      assert.equal(got.authorization, 'Bearer company-token');
    });
  });
}
