// The soak with faults in both browsers. `npm test` runs the short version (2.5 minutes each);
// `npm run soak -- --minutes N` runs a long one.
import { describe } from 'node:test';
import { ChromiumDriver } from '../support/chromium.js';
import { FirefoxDriver } from '../support/firefox.js';
import { soakScenario } from './scenarios/soak.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 2.5);

describe('Chromium', () => {
  soakScenario(() => new ChromiumDriver().launch(), minutes);
});

describe('Firefox', () => {
  soakScenario(() => new FirefoxDriver().launch(), minutes);
});
