// The terminal bridge's pure parts (#30): the framing, the host manifests, the command line, the
// requests the extension takes, and "Copy as curl"; and the background's answers on the
// in-memory platform (a test plays the host's side of the port).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  curlCommand,
  grantsInForce,
  handedOutToken,
  newGrant,
  nextGrantEnd,
  parseTokenRequest,
} from '../../src/core/terminal.js';
import { parseArgs } from '../../src/terminal/args.js';
import { checkPrivateDir } from '../../src/terminal/bridge-dir.js';
import { FrameReader, frame, MAX_TO_BROWSER } from '../../src/terminal/framing.js';
import { FIREFOX_ID, hostManifest, manifestDir, unpackedExtensionId } from '../../src/terminal/manifests.js';
import { api, controller, eachSignedIn, id, platform, profile } from '../support/signed-in.js';
import { waitFor } from '../support/wait.js';

describe('terminal bridge, pure', () => {
  it('frames: a length in little-endian, then JSON; read back however the chunks cut them', () => {
    const one = frame({ id: 1, answer: { ok: true, token: 'é' } });
    assert.equal(one.readUInt32LE(0), one.length - 4);
    const both = Buffer.concat([one, frame({ id: 2 })]);
    const reader = new FrameReader();
    const seen = [...both].flatMap((byte) => reader.push(Buffer.from([byte])));
    assert.deepEqual(seen, [{ id: 1, answer: { ok: true, token: 'é' } }, { id: 2 }]);
    assert.throws(() => frame({ big: 'x'.repeat(MAX_TO_BROWSER) }), /above 1 MB/);
    const huge = Buffer.alloc(4);
    huge.writeUInt32LE(64 * 1024 * 1024, 0);
    assert.throws(() => new FrameReader().push(huge), /above the limit/);
  });

  it('host manifests name the exact extension: origins for the Chromium family, the id for Firefox', () => {
    const id = 'a'.repeat(32);
    assert.deepEqual(hostManifest('chrome', '/h/host', [id]), {
      name: 'dev.autobearer.bridge',
      description: 'AutoBearer: the live token for the terminal (autobearer token, curl, exec)',
      path: '/h/host',
      type: 'stdio',
      allowed_origins: [`chrome-extension://${id}/`],
    });
    assert.deepEqual(
      (hostManifest('firefox', '/h/host', [id]) as { allowed_extensions?: string[] }).allowed_extensions,
      [FIREFOX_ID],
    );
    assert.equal(manifestDir('firefox', 'linux', '/home/u'), '/home/u/.mozilla/native-messaging-hosts');
    assert.equal(
      manifestDir('chromium', 'linux', '/home/u'),
      '/home/u/.config/chromium/NativeMessagingHosts',
    );
    assert.equal(
      manifestDir('chrome', 'darwin', '/Users/u'),
      '/Users/u/Library/Application Support/Google/Chrome/NativeMessagingHosts',
    );
    assert.throws(() => manifestDir('edge', 'win32', 'C:\\Users\\u'), /registry/);
    assert.match(unpackedExtensionId('/some/dist/chrome'), /^[a-p]{32}$/);
  });

  it('reads the command line; refuses what it does not know, saying what it wants', () => {
    assert.deepEqual(parseArgs(['token', 'API', '--account', '2', '--min-ttl', '60', '--json']), {
      kind: 'token',
      json: true,
      profile: 'API',
      account: '2',
      minTtl: 60,
    });
    assert.deepEqual(parseArgs(['token', 'API', '--account', '1']), {
      kind: 'token',
      json: false,
      profile: 'API',
    });
    assert.deepEqual(parseArgs(['curl', 'API', '--', '-s', 'https://x.test/', '--json']), {
      kind: 'curl',
      profile: 'API',
      rest: ['-s', 'https://x.test/', '--json'],
    });
    assert.deepEqual(parseArgs(['install', '--browser', 'firefox']), {
      kind: 'install',
      browsers: ['firefox'],
      chromeIds: [],
    });
    assert.equal((parseArgs(['install']) as { browsers?: string[] }).browsers?.length, 4);
    assert.deepEqual(parseArgs(['host', 'chrome-extension://abc/']), {
      kind: 'host',
      args: ['chrome-extension://abc/'],
    });
    for (const bad of [
      ['token'],
      ['token', 'A', 'B'],
      ['token', 'A', '--min-ttl', 'soon'],
      ['token', 'A', '--account', '0'],
      ['token', 'A', '--password', 'x'],
      ['curl', 'A'],
      ['install', '--chrome-id', 'not-an-id'],
      ['install', '--browser', 'safari'],
      ['frobnicate'],
    ])
      assert.ok('error' in parseArgs(bad), bad.join(' '));
  });

  it('the bridge folder must be the user’s own and closed to others', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'autobearer-dir-'));
    const uid = process.getuid?.() ?? 0;
    try {
      const bridge = path.join(dir, 'autobearer');
      checkPrivateDir(bridge, uid, { create: true });
      execFileSync('chmod', ['755', bridge]);
      assert.throws(() => checkPrivateDir(bridge, uid), /open to other users/);
      execFileSync('chmod', ['700', bridge]);
      assert.throws(() => checkPrivateDir(bridge, uid + 1), /another user/);
      writeFileSync(path.join(dir, 'file'), '');
      assert.throws(() => checkPrivateDir(path.join(dir, 'file'), uid), /not a folder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a token request and nothing else; hands out the token the first header carries', () => {
    assert.deepEqual(parseTokenRequest({ type: 'token', profile: 'API', account: '2', minTtl: 30 }), {
      profile: 'API',
      account: '2',
      minTtl: 30,
    });
    for (const bad of [
      null,
      'token',
      { type: 'refresh', profile: 'API' },
      { type: 'token' },
      { type: 'token', profile: '' },
      { type: 'token', profile: 'API', account: '../x' },
      { type: 'token', profile: 'API', minTtl: -1 },
    ])
      assert.equal(parseTokenRequest(bad), undefined, JSON.stringify(bad));
    const tokens = { accessToken: 'at', idToken: 'it' };
    assert.equal(handedOutToken('Bearer {access_token}', tokens), 'at');
    assert.equal(handedOutToken('Bearer {id_token}', tokens), 'it');
    assert.equal(handedOutToken('Bearer {id_token}', { accessToken: 'at' }), 'at');
  });

  it('grants last the hours asked (at most a day) or until the browser closes', () => {
    const now = 1_000_000;
    const hour = newGrant('p', 1, now);
    const session = newGrant('q', null, now);
    assert.equal(hour?.until, now + 3_600_000);
    assert.equal(session?.until, null);
    for (const bad of [0, -1, 25, Number.NaN]) assert.equal(newGrant('p', bad, now), undefined);
    const grants = [hour, session].filter((g) => g !== undefined);
    assert.equal(nextGrantEnd(grants), now + 3_600_000);
    assert.deepEqual(
      grantsInForce(grants, now + 3_600_000).map((g) => g.profileId),
      ['q'],
    );
  });

  it('"Copy as curl" quotes what the shell would read otherwise', () => {
    assert.equal(
      curlCommand('https://api.test/me?a=1&b=2', { Authorization: 'Bearer abc', 'X-Note': "it's" }),
      `curl -H 'Authorization: Bearer abc' -H 'X-Note: it'\\''s' 'https://api.test/me?a=1&b=2'`,
    );
  });
});

describe('terminal access in the background', () => {
  eachSignedIn();
  const ask = (request: object) => {
    const answer = platform.native.answer;
    assert.ok(answer, 'the port is open');
    return answer({ type: 'token', ...request }) as Promise<{
      ok: boolean;
      refusal?: string;
      token?: string;
    }>;
  };

  it('the port opens only while access is on; each answer is the current token, refreshed first for --min-ttl', async () => {
    assert.equal(platform.native.open, false, 'off by default: no port, nothing keeps the background awake');
    await controller.handlers.setTerminalAccess({ id, hours: 1 });
    assert.equal(platform.native.open, true);
    const first = await ask({ profile: 'API' });
    assert.equal(first.ok, true);
    assert.ok(api.isValid(`Bearer ${first.token}`));
    // Asking for more time than the token has left refreshes it first.
    platform.clock += 100_000;
    const fresh = await ask({ profile: 'API', minTtl: 3_550 });
    assert.equal(fresh.ok, true);
    assert.notEqual(fresh.token, first.token);
    assert.deepEqual((await controller.handlers.getState({})).profiles[0]?.terminal?.handedOut, 2);
    assert.equal((await ask({ profile: 'Nope' })).refusal, 'unknown-profile');
    // Another profile, without terminal access of its own: refused, though the bridge is open.
    await controller.handlers.saveProfile({
      profile: { ...profile(), name: 'Other', hosts: ['http://other.test'] },
    });
    assert.equal((await ask({ profile: 'Other' })).refusal, 'access-off');
    // A refresh --min-ttl asks for that the server refuses for now: said so, the token kept.
    platform.clock += 100_000;
    const refused = await api.withFaults({ refreshStatus: 503 }, () =>
      ask({ profile: 'API', minTtl: 3_600 }),
    );
    assert.equal(refused.refusal, 'refresh-failed');
    assert.equal((await ask({ profile: 'API', account: '2' })).refusal, 'unknown-profile');
    await controller.handlers.signOut({ id });
    assert.equal((await ask({ profile: 'API' })).refusal, 'signed-out');
    // An hour later the grant has ended: the alarm's reconciliation closes the port.
    platform.clock += 3_600_001;
    await controller.reconcile();
    assert.equal(platform.native.open, false);
    assert.deepEqual(await platform.terminalGrants.load(), [], 'the ended grant is gone');
  });

  it('the policy can forbid it; a host that is not installed says so where the popup shows it', async () => {
    platform.terminalPolicy = false;
    // The policy arrives (storage.managed changed): read off the critical path, then in force.
    await controller.reconcile();
    await waitFor(async () => !(await platform.terminalPolicyCopy.load()), 2_000, 'the policy copy');
    await assert.rejects(controller.handlers.setTerminalAccess({ id, hours: 1 }), /policy/);
    assert.equal((await controller.handlers.getState({})).terminal.allowed, false);
    platform.terminalPolicy = undefined;
    await controller.reconcile();
    await waitFor(() => platform.terminalPolicyCopy.load(), 2_000, 'the policy lifted');
    platform.native.missingHost = 'Specified native messaging host not found.';
    const state = await controller.handlers.setTerminalAccess({ id, hours: null });
    assert.equal(state.profiles[0]?.terminal?.until, null);
    const shown = await controller.handlers.getState({});
    assert.match(shown.terminal.problem ?? '', /not running: Specified native messaging host not found/);
    await controller.handlers.endTerminalAccess({ id });
    assert.equal((await controller.handlers.getState({})).profiles[0]?.terminal, undefined);
    // The permission taken back in the browser's settings while access is on: no port, and why.
    platform.native.missingHost = undefined;
    platform.native.permitted = false;
    await controller.handlers.setTerminalAccess({ id, hours: 1 });
    await waitFor(
      async () => /permission/.test((await controller.handlers.getState({})).terminal.problem ?? ''),
      2_000,
      'the reason shown',
    );
    assert.equal(platform.native.open, false);
  });
});
