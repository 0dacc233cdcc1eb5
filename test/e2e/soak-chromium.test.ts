// The soak with faults in Chromium: `npm test` runs the short version (2.5 minutes), beside the
// Firefox one (soak-firefox.test.ts; test:e2e runs two files at a time); `npm run soak -- --minutes N`
// a long one.
import { describe } from 'node:test';
import { ChromiumDriver } from '../support/chromium.js';
import { soakRun } from './scenarios/soak.js';

const { browsers, scenarios } = soakRun();
if (browsers.includes('chromium')) describe('Chromium', () => scenarios(() => new ChromiumDriver().launch()));
