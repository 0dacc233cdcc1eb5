// `npm run soak -- --minutes N [--browser chromium|firefox]`: the soak with faults, N minutes in each browser.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    browser: { type: 'string', default: 'chromium,firefox' },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error('usage: npm run soak -- --minutes N');
  process.exit(2);
}
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './test/support/setup.ts',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    'test/e2e/soak-chromium.test.ts',
    'test/e2e/soak-firefox.test.ts',
  ],
  { stdio: 'inherit', env: { ...process.env, SOAK_MINUTES: String(minutes), SOAK_BROWSERS: values.browser } },
);
process.exit(run.status ?? 1);
