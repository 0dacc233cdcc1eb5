// The same end-to-end scenarios in real headless Firefox ESR.
import { describe } from 'node:test';
import { FirefoxDriver, installFirefoxPolicy } from '../support/firefox.js';
import { accountsScenario } from './scenarios/accounts.js';
import { coreScenario } from './scenarios/core.js';
import { managedScenario } from './scenarios/managed.js';
import { oauthScenario } from './scenarios/oauth.js';
import { pagesScenario } from './scenarios/pages.js';
import { recipesScenario } from './scenarios/recipes.js';
import { teamsScenario } from './scenarios/teams.js';
import { terminalScenario } from './scenarios/terminal.js';

describe('Firefox', () => {
  coreScenario(() => new FirefoxDriver().launch());
  oauthScenario(() => new FirefoxDriver().launch());
  pagesScenario(() => new FirefoxDriver().launch());
  recipesScenario(() => new FirefoxDriver().launch());
  accountsScenario(() => new FirefoxDriver().launch());
  teamsScenario(() => new FirefoxDriver().launch());
  managedScenario(installFirefoxPolicy, () => new FirefoxDriver().launch());
  terminalScenario((home) => {
    // Firefox reads the user's host manifests from $HOME/.mozilla/native-messaging-hosts.
    home.install(['--browser', 'firefox']);
    return new FirefoxDriver({ env: home.env }).launch();
  });
});
