// The built `autobearer` command as a user runs it (docs/terminal.md): install writes the host's
// launcher and one manifest per browser into the user's own folders, doctor says what is where,
// uninstall takes it away; a wrong command line says what it wants. In a test HOME.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const CLI = path.resolve('bin/autobearer.cjs');

describe('the autobearer command', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'autobearer-cli-home-'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: path.join(home, 'run') },
      timeout: 15_000,
    });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('install: the launcher (the user’s alone) and a manifest per browser naming exactly the extension', () => {
    const id = 'abcdefghijklmnopabcdefghijklmnop';
    const done = run('install', '--chrome-id', id);
    assert.equal(done.status, 0, done.stderr);
    const launcher = path.join(home, '.local/share/autobearer/autobearer-host');
    assert.equal(statSync(launcher).mode & 0o777, 0o700);
    assert.match(readFileSync(launcher, 'utf8'), /autobearer\.cjs" host "\$@"/);
    const manifest = (dir: string) =>
      JSON.parse(readFileSync(path.join(home, dir, 'dev.autobearer.bridge.json'), 'utf8'));
    const firefox = manifest('.mozilla/native-messaging-hosts');
    assert.deepEqual(firefox.allowed_extensions, ['autobearer@autobearer.dev']);
    assert.equal(firefox.path, launcher);
    for (const dir of ['.config/google-chrome', '.config/chromium', '.config/microsoft-edge']) {
      const chromium = manifest(`${dir}/NativeMessagingHosts`);
      assert.ok(chromium.allowed_origins.includes(`chrome-extension://${id}/`), dir);
      assert.equal(chromium.allowed_extensions, undefined);
    }
    const doctor = run('doctor');
    assert.equal(doctor.status, 0);
    assert.match(doctor.stdout, /firefox: .*autobearer@autobearer\.dev/);
    assert.match(doctor.stdout, /firefox bridge: not running/);
  });

  it('uninstall takes every manifest and the launcher away', () => {
    assert.equal(run('uninstall').status, 0);
    assert.ok(!existsSync(path.join(home, '.mozilla/native-messaging-hosts/dev.autobearer.bridge.json')));
    assert.ok(!existsSync(path.join(home, '.local/share/autobearer/autobearer-host')));
    assert.match(run('doctor').stdout, /firefox: not installed/);
  });

  it('a wrong command line: exit 2 and what it wants; nothing running: exit 3 at once', () => {
    const wrong = run('token');
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /which profile\?/);
    const none = run('token', 'API');
    assert.equal(none.status, 3);
    assert.match(none.stderr, /no browser answers/);
  });
});
