// The end-to-end scenarios in real headless Chromium.
import { describe } from 'node:test';
import { ChromiumDriver } from '../support/chromium.js';
import { coreScenario } from './scenarios/core.js';
import { oauthScenario } from './scenarios/oauth.js';

describe('Chromium', () => {
  coreScenario(() => new ChromiumDriver().launch());
  oauthScenario(() => new ChromiumDriver().launch());
});
