// The end-to-end scenarios in real headless Chromium.
import { describe } from 'node:test';
import { ChromiumDriver } from '../support/chromium.js';
import { coreScenario } from './scenarios/core.js';

describe('Chromium', () => {
  coreScenario(() => new ChromiumDriver().launch());
});
