// The end-to-end scenarios in real headless Chromium.
import { describe } from 'node:test';
import { ChromiumDriver, installChromiumPolicy } from '../support/chromium.js';
import { coreScenario } from './scenarios/core.js';
import { managedScenario } from './scenarios/managed.js';
import { oauthScenario } from './scenarios/oauth.js';

describe('Chromium', () => {
  coreScenario(() => new ChromiumDriver().launch());
  oauthScenario(() => new ChromiumDriver().launch());
  managedScenario(installChromiumPolicy, () => new ChromiumDriver().launch());
});
