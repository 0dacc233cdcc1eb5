// A recipe from docs/providers.md as a new user meets it: "Start from" on the options page, only
// the values that are theirs, save, sign in from the popup; the API then gets both headers the
// service wants (Supabase: the user's token and the project's anon key), against a stand-in that
// refuses a request missing either.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserDriver } from '../../support/driver.js';
import { SERVICE_USER, ServiceStandIn, SUPABASE_ANON_KEY } from '../../support/services.js';
import { waitFor } from '../../support/wait.js';

const CARD = 'section[data-profile="Supabase"]';
const ITEM = 'li[data-profile="Supabase"]';

export function recipesScenario(launch: () => Promise<BrowserDriver>): void {
  describe('a recipe from the options page (Supabase)', { timeout: 120_000 }, () => {
    const supabase = new ServiceStandIn('supabase');
    let driver: BrowserDriver;
    const project = () => supabase.origin.replace('127.0.0.1', 'api.test');

    before(async () => {
      await supabase.start();
      driver = await launch();
    });

    after(async () => {
      await driver?.close();
      await supabase.stop();
    });

    it('Start from Supabase, give the project URL and anon key, save, sign in: API calls carry both headers, and still do after a refresh', async () => {
      const options = await driver.open('options.html');
      await options.fill('main', 'Start from', 'supabase');
      await waitFor(
        async () => /Project URL/.test(await options.text('#template-form')),
        5_000,
        'the recipe asks for the project URL',
      );
      await options.fill('#template-form', 'Project URL', project());
      await options.fill('#template-form', 'anon public key', SUPABASE_ANON_KEY);
      await options.click('#template-form', 'Fill in the form');
      await waitFor(
        async () => /Filled in from the Supabase recipe/.test(await options.text('#form-problems')),
        5_000,
        'the form filled in',
      );
      await options.click('#profile-form', 'Save profile');
      await waitFor(async () => /Supabase/.test(await options.text(ITEM)), 5_000, 'saved');
      if (/Missing/.test(await options.text(ITEM))) await options.click(ITEM, 'Grant access');
      await waitFor(async () => !/Missing/.test(await options.text(ITEM)), 5_000, 'access granted');
      await options.close();

      const popup = await driver.open('popup.html');
      await waitFor(
        async () => /Signed out/.test(await popup.text(CARD)),
        5_000,
        'the popup shows the profile',
      );
      await popup.fill(CARD, 'Username', SERVICE_USER.email);
      await popup.fill(CARD, 'Password', SERVICE_USER.password);
      await popup.click(CARD, 'Sign in');
      await waitFor(async () => /Signed in as/.test(await popup.text(CARD)), 10_000, 'signed in');

      const app = await driver.openWeb(`${project()}/`);
      const reached = async (marker: string) => {
        await app.fetch(`${project()}${supabase.dataPath}?call=${marker}`);
        return waitFor(
          () => supabase.received.find((r) => r.path.endsWith(`call=${marker}`)),
          5_000,
          `call ${marker} reached the project`,
        );
      };
      const first = await reached('1');
      assert.equal(first.headers.apikey, SUPABASE_ANON_KEY, 'the anon key, set by the rules');
      assert.match(first.headers.authorization ?? '', /^Bearer \S+\.\S+\.\S+$/, 'the user’s token');

      await popup.click(CARD, 'Refresh now');
      await waitFor(
        () => supabase.received.some((r) => r.path.includes('grant_type=refresh_token')),
        10_000,
        'the refresh reached the project',
      );
      await waitFor(
        async () => /Signed in as/.test(await popup.text(CARD)),
        10_000,
        'signed in after the refresh',
      );
      const second = await waitFor(
        async () => {
          const call = await reached(String(Date.now()));
          return call.headers.authorization !== first.headers.authorization && call;
        },
        10_000,
        'a call with the refreshed token',
      );
      assert.equal(second.headers.apikey, SUPABASE_ANON_KEY);
      await app.close();
      await popup.close();
    });
  });
}
