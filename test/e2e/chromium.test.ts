// The end-to-end scenarios in real headless Chromium.

import path from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../demo.js';
import { ChromiumDriver, installChromiumPolicy, TEST_EXTENSION_ID } from '../support/chromium.js';
import { accountsScenario } from './scenarios/accounts.js';
import { coreScenario } from './scenarios/core.js';
import { managedScenario } from './scenarios/managed.js';
import { oauthScenario } from './scenarios/oauth.js';
import { pagesScenario } from './scenarios/pages.js';
import { recipesScenario } from './scenarios/recipes.js';
import { teamsScenario } from './scenarios/teams.js';
import { terminalScenario } from './scenarios/terminal.js';

describe('Chromium', () => {
  coreScenario(() => new ChromiumDriver().launch());
  oauthScenario(() => new ChromiumDriver().launch());
  pagesScenario(() => new ChromiumDriver().launch());
  recipesScenario(() => new ChromiumDriver().launch());
  accountsScenario(() => new ChromiumDriver().launch());
  teamsScenario(() => new ChromiumDriver().launch());
  managedScenario(installChromiumPolicy, () => new ChromiumDriver().launch());
  terminalScenario((home) => {
    const driver = new ChromiumDriver({ env: home.env });
    // Chromium reads a profile's own host manifests from its user data folder.
    const manifestDir = path.join(driver.work, 'NativeMessagingHosts');
    home.install(['--browser', 'chromium', '--chrome-id', TEST_EXTENSION_ID, '--manifest-dir', manifestDir]);
    return driver.launch();
  });
});

describe('npm run demo', () => {
  it('imports the demo profile; signing in from the popup sends the header from the demo app', {
    timeout: 60_000,
  }, async () => {
    await runDemo({ check: true, port: 0 });
  });
});
