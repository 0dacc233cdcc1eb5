// `npm run demo`: the local demo API, and Chromium with AutoBearer loaded and a demo profile
// imported, so a newcomer can sign in and watch the header arrive. `--check` runs it headless,
// signs in by itself, checks the header arrived, and exits (the end-to-end tests do that).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ChromiumDriver } from './support/chromium.js';
import { TestApi } from './support/test-api.js';
import { waitFor } from './support/wait.js';

export const DEMO_PORT = 8787;

export async function runDemo({ check = false, port = DEMO_PORT } = {}): Promise<void> {
  const api = new TestApi({ ttlSeconds: 60, users: { 'demo@example.com': 'demo' } });
  await api.start(port);
  // `port: 0` (the tests) takes any free port: use the one the server got.
  const base = (host: string) => `http://${host}:${api.port}`;
  const work = mkdtempSync(path.join(tmpdir(), 'autobearer-demo-'));
  const file = path.join(work, 'demo-profile.json');
  writeFileSync(
    file,
    JSON.stringify({
      autobearer: 1,
      profiles: [
        {
          name: 'Demo API',
          hosts: ['http://api.test'],
          pages: ['http://app.test'],
          testUrl: `${base('api.test')}/echo`,
          auth: api.jsonLoginAuth('api.test'),
        },
      ],
    }),
  );
  const driver = await new ChromiumDriver({ headless: check || !process.env.DISPLAY }).launch();
  const stop = async () => {
    await driver.close();
    await api.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const options = await driver.open('options.html');
    await options.importFile(file);
    await waitFor(
      async () => /Imported/.test(await options.text('#file-result')),
      10_000,
      'the demo profile is imported',
    );
    const popup = await driver.open('popup.html');
    const app = await driver.openWeb(`${base('app.test')}/demo.html`);
    if (check) {
      const card = 'section[data-profile="Demo API"]';
      await waitFor(
        async () => /Signed out/.test(await popup.text(card)),
        5_000,
        'the popup shows the demo profile',
      );
      await popup.fill(card, 'Username', 'demo@example.com');
      await popup.fill(card, 'Password', 'demo');
      await popup.click(card, 'Sign in');
      await waitFor(
        () => api.on('api.test').some((r) => r.path === '/echo' && r.validToken),
        10_000,
        'the demo page’s calls carry the token',
      );
      await app.close();
      return;
    }
    console.log(`AutoBearer demo is running.
  - The demo app (tab "AutoBearer demo app") calls the demo API every 2 s and shows the header it got.
  - In the AutoBearer popup tab, sign in as demo@example.com with password demo.
  - Demo API: ${base('api.test')} (the browser maps *.test to 127.0.0.1). Press Ctrl-C to stop.${
    process.env.DISPLAY
      ? ''
      : '\n  (No display here: Chromium runs headless. Run it on a desktop to see the window.)'
  }`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  runDemo({ check: values.check }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
