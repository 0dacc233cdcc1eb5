// The soak with faults in Firefox: `npm test` runs the short version (2.5 minutes), beside the
// Chromium one (soak-chromium.test.ts; test:e2e runs two files at a time); `npm run soak -- --minutes N`
// a long one.
import { describe } from 'node:test';
import { FirefoxDriver } from '../support/firefox.js';
import { soakRun } from './scenarios/soak.js';

const { browsers, scenarios } = soakRun();
if (browsers.includes('firefox')) describe('Firefox', () => scenarios(() => new FirefoxDriver().launch()));
