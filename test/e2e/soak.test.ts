// The soak with faults in both browsers. `npm test` runs the short version (2.5 minutes each);
// `npm run soak -- --minutes N` runs a long one (`--browser chromium|firefox` for one of them).
import { describe } from 'node:test';
import { ChromiumDriver } from '../support/chromium.js';
import { FirefoxDriver } from '../support/firefox.js';
import { accountsScenario } from './scenarios/accounts.js';
import { soakScenario } from './scenarios/soak.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 2.5);
const browsers = (process.env.SOAK_BROWSERS ?? 'chromium,firefox').split(',');
/**
 * `npm run soak` also soaks the two-tab page with two accounts; `npm test` runs that page over two
 * token lifetimes already (scenarios/accounts.ts, in chromium.test.ts and firefox.test.ts).
 */
const longRun = process.env.SOAK_MINUTES !== undefined;

if (browsers.includes('chromium')) {
  describe('Chromium', () => {
    soakScenario(() => new ChromiumDriver().launch(), minutes);
    if (longRun) accountsScenario(() => new ChromiumDriver().launch(), { minutes });
  });
}

if (browsers.includes('firefox')) {
  describe('Firefox', () => {
    soakScenario(() => new FirefoxDriver().launch(), minutes);
    if (longRun) accountsScenario(() => new FirefoxDriver().launch(), { minutes });
  });
}
