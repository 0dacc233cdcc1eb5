// The same end-to-end scenarios in real headless Firefox ESR.
import { describe } from 'node:test';
import { FirefoxDriver } from '../support/firefox.js';
import { coreScenario } from './scenarios/core.js';

describe('Firefox', () => {
  coreScenario(() => new FirefoxDriver().launch());
});
