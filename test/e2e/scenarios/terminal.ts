// The live token in the terminal (#30, docs/terminal.md): the `autobearer` command, installed as
// the browser's native messaging host in a test HOME, hands out the token the popup shows while
// terminal access is on, and only then; `autobearer curl` gives it to curl on its standard input,
// never in its arguments; another local user cannot reach the bridge; nothing listens on TCP.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserDriver, ExtensionPage } from '../../support/driver.js';
import { TestApi } from '../../support/test-api.js';
import { waitFor } from '../../support/wait.js';

const USER = 'dev@example.com';
const PASSWORD = 'terminal password';
const NAME = 'API';
const CARD = `section[data-profile="${NAME}"]`;
const CLI = path.resolve('bin/autobearer.cjs');

/** A test's own HOME and runtime folder: what the browser, the host and the CLI share. */
export interface TerminalHome {
  readonly env: Record<string, string>;
  /** Runs `autobearer install` into this HOME (and `manifestDir`, where a browser reads it from). */
  install(args: readonly string[]): void;
}

export function terminalHome(): TerminalHome {
  const root = mkdtempSync(path.join(tmpdir(), 'autobearer-terminal-'));
  const home = path.join(root, 'home');
  const run = path.join(root, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(run, { mode: 0o700, recursive: true });
  const env = { HOME: home, XDG_RUNTIME_DIR: run };
  return {
    env,
    install: (args) => {
      execFileSync(process.execPath, [CLI, 'install', ...args], { env: { ...process.env, ...env } });
    },
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * `launch`: starts the browser with AutoBearer, the host installed for it in `home` (each driver
 * knows where its browser reads host manifests from).
 */
export function terminalScenario(launch: (home: TerminalHome) => Promise<BrowserDriver>): void {
  describe('the live token in the terminal', { timeout: 180_000 }, () => {
    const api = new TestApi({ ttlSeconds: 3600, users: { [USER]: PASSWORD } });
    const home = terminalHome();
    const work = mkdtempSync(path.join(tmpdir(), 'autobearer-terminal-work-'));
    let driver: BrowserDriver;
    let popup: ExtensionPage;

    /** Runs the CLI as the user would, with a bound: it must never hang. */
    const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
      new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [CLI, ...args], {
          env: { ...process.env, ...home.env, ...extraEnv },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
        });
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
      });
    const says = (selector: string, pattern: RegExp) =>
      waitFor(async () => pattern.test(await popup.text(selector)), 5_000, `${selector} shows ${pattern}`);
    const profileId = async () =>
      ((await popup.send('getState', {})).value as { profiles: Array<{ id: string }> }).profiles[0]?.id ?? '';
    /** The bridge's socket, as the host makes it for this browser. */
    const socketDir = path.join(home.env.XDG_RUNTIME_DIR as string, 'autobearer');
    const sockets = () =>
      existsSync(socketDir) ? readdirSync(socketDir).filter((f) => f.endsWith('.sock')) : [];

    before(async () => {
      await api.start();
      driver = await launch(home);
      const file = path.join(work, 'profiles.json');
      writeFileSync(
        file,
        JSON.stringify({
          autobearer: 1,
          profiles: [
            {
              name: NAME,
              hosts: ['http://api.test'],
              auth: api.jsonLoginAuth('api.test'),
              testUrl: `http://api.test:${api.port}/echo`,
            },
          ],
        }),
      );
      const options = await driver.open('options.html');
      await options.importFile(file);
      const item = `li[data-profile="${NAME}"]`;
      await waitFor(async () => (await options.text(item)) !== '', 5_000, 'imported');
      if (/Missing/.test(await options.text(item))) await options.click(item, 'Grant access');
      await waitFor(async () => !/Missing/.test(await options.text(item)), 5_000, 'access granted');
      await options.close();
      popup = await driver.open('popup.html');
      await popup.fill(CARD, 'Username', USER);
      await popup.fill(CARD, 'Password', PASSWORD);
      await popup.click(CARD, 'Sign in');
      await says(CARD, /Signed in as/);
    });

    after(async () => {
      await driver?.close();
      await api.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('"Copy as curl" copies a command that carries the live token to the test URL', async () => {
      await popup.click(CARD, 'Copy as curl');
      await says(CARD, /Copied: a curl command with the token for API/);
      const answer = await popup.send('curlCommand', { id: await profileId() });
      const command = (answer.value as { command: string }).command;
      const [, token] = command.match(/-H 'Authorization: Bearer ([^']+)'/) ?? [];
      assert.ok(token && api.isValid(`Bearer ${token}`), command.replace(/Bearer [^']+/, 'Bearer …'));
      assert.ok(command.endsWith(` http://api.test:${api.port}/echo`));
    });

    it('is off until the user turns it on: the command says so at once, and no host runs', async () => {
      const run = await cli(['token', NAME]);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /no browser answers/);
      assert.ok(run.ms < 5_000, `answered in ${run.ms} ms`);
      assert.deepEqual(sockets(), []);
    });

    it('turned on in the popup: `autobearer token` prints the token the API takes, and the popup counts it', async () => {
      await popup.click(CARD, 'Allow terminal access');
      await says(`${CARD} .terminal`, /Terminal access on until/);
      // The browser starts the host as the port opens: the first answer once it listens.
      const run = await waitFor(
        async () => {
          const attempt = await cli(['token', NAME]);
          return attempt.code === 0 ? attempt : undefined;
        },
        10_000,
        'a token from the bridge',
        250,
      );
      const token = run.stdout.trim();
      assert.ok(api.isValid(`Bearer ${token}`), 'the API takes it');
      await says(`${CARD} .terminal`, /1 tokens handed out/);
      const json = await cli(['token', NAME, '--json']);
      assert.equal(json.code, 0, json.stderr);
      const answer = JSON.parse(json.stdout) as {
        token: string;
        expiresAt: string;
        headers: Record<string, string>;
      };
      assert.equal(answer.token, token);
      assert.deepEqual(answer.headers, { Authorization: `Bearer ${token}` });
      assert.ok(Date.parse(answer.expiresAt) > Date.now());
    });

    it('`autobearer curl` reaches the API with the token on curl’s standard input, never in its arguments', async () => {
      // A stand-in curl first on PATH: it records its arguments and its input, and makes the request.
      const bin = path.join(work, 'bin');
      mkdirSync(bin, { recursive: true });
      const record = path.join(work, 'curl-record.json');
      writeFileSync(
        path.join(bin, 'curl'),
        `#!${process.execPath}
const fs = require('node:fs');
const input = fs.readFileSync(0, 'utf8');
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args, input }));
const headers = Object.fromEntries([...input.matchAll(/^header = "(.*)"$/gm)].map((m) => {
  const line = m[1].replace(/\\\\(.)/g, '$1');
  const at = line.indexOf(': ');
  return [line.slice(0, at), line.slice(at + 2)];
}));
fetch(args.at(-1), { headers }).then((r) => r.text()).then((text) => process.stdout.write(text));
`,
      );
      chmodSync(path.join(bin, 'curl'), 0o755);
      const echo = `http://127.0.0.1:${api.port}/echo`;
      const run = await cli(['curl', NAME, '--', '-s', echo], { PATH: `${bin}:${process.env.PATH}` });
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { valid: boolean }).valid, true, 'the API took the token');
      const { args, input } = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; input: string };
      assert.deepEqual(args, ['-K', '-', '-s', echo]);
      const token = (await cli(['token', NAME])).stdout.trim();
      assert.ok(!args.join(' ').includes(token), 'not in the arguments');
      assert.match(input, new RegExp(`^header = "Authorization: Bearer ${token}"$`, 'm'));
    });

    it('after a refresh the terminal gets the new token', async () => {
      const before = (await cli(['token', NAME])).stdout.trim();
      await popup.click(CARD, 'Refresh now');
      const after = await waitFor(
        async () => {
          const token = (await cli(['token', NAME])).stdout.trim();
          return token && token !== before ? token : undefined;
        },
        10_000,
        'a new token',
        250,
      );
      assert.ok(api.isValid(`Bearer ${after}`));
    });

    it('only the access token ever leaves: no request form gets the refresh token, password or anything else', async () => {
      const refreshTokens = [...api.refreshTokens.keys()];
      const outputs: string[] = [];
      for (const args of [
        ['token', NAME, '--json'],
        ['token', NAME, '--json', '--min-ttl', '0'],
      ]) {
        const run = await cli(args);
        outputs.push(run.stdout, run.stderr);
      }
      // A local program that speaks to the socket itself, with the key, and asks for more.
      const key = readFileSync(path.join(socketDir, `${sockets()[0]?.replace('.sock', '')}.key`), 'utf8');
      /** One line to the socket, as any local program may write it; resolves with the answer. */
      const rawLine = (line: string) =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, [
            '-e',
            `const s = require('node:net').connect(${JSON.stringify(path.join(socketDir, sockets()[0] ?? ''))});
             let out = ''; s.on('data', (d) => (out += d)); s.on('end', () => process.stdout.write(out));
             s.on('connect', () => s.write(${JSON.stringify(`${line}\n`)}));`,
          ]);
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
          });
          child.on('exit', () => resolve(out));
        });
      const raw = (request: object) => rawLine(JSON.stringify({ key, ...request }));
      // Lines that are no request are refused, and the host carries on.
      for (const line of ['null', '42', '[1]', 'not json'])
        assert.match(await rawLine(line), /"refusal":"bad-request"/, line);
      assert.equal((await cli(['token', NAME])).code, 0, 'the host still answers');
      for (const request of [
        { type: 'refreshToken', profile: NAME },
        { type: 'session', profile: NAME },
        { type: 'token', profile: NAME, field: 'refreshToken' },
        { type: 'token', profile: NAME, account: '../1' },
      ]) {
        const answer = await raw(request);
        outputs.push(answer);
        if (request.type !== 'token' || 'account' in request)
          assert.match(answer, /"refusal":"bad-request"/, JSON.stringify(request));
      }
      const everything = outputs.join('\n');
      for (const refresh of refreshTokens) assert.ok(!everything.includes(refresh), 'no refresh token');
      assert.ok(!everything.includes(PASSWORD), 'no password');
    });

    it('another local user cannot reach the bridge, and it listens on no TCP port', async (t) => {
      const socket = path.join(socketDir, sockets()[0] ?? '');
      // No TCP listener belongs to the host: its sockets are all Unix ones.
      // This browser's host: the one started with this test's runtime folder.
      const hostPid = execFileSync('pgrep', ['-f', 'autobearer.cjs host'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .find((pid) =>
          readFileSync(`/proc/${pid}/environ`, 'utf8')
            .split('\0')
            .includes(`XDG_RUNTIME_DIR=${home.env.XDG_RUNTIME_DIR}`),
        );
      assert.ok(hostPid, 'the host runs');
      const inodes = readdirSync(`/proc/${hostPid}/fd`).flatMap((fd) => {
        const target = readlinkSync(`/proc/${hostPid}/fd/${fd}`);
        return target.startsWith('socket:[') ? [target.slice(8, -1)] : [];
      });
      const listening = ['/proc/net/tcp', '/proc/net/tcp6']
        .flatMap((file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(1) : []))
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[3] === '0A')
        .map((fields) => fields[9]);
      assert.deepEqual(
        inodes.filter((inode) => listening.includes(inode)),
        [],
        'no listening TCP socket',
      );
      if (process.getuid?.() !== 0) {
        t.skip('creating another user needs root (CI runs as root)');
        return;
      }
      const other = 'autobearer-other';
      spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', other]);
      const attempt = spawnSync(
        'runuser',
        [
          '-u',
          other,
          '--',
          process.execPath,
          '-e',
          `require('node:net').connect(${JSON.stringify(socket)})
             .on('connect', () => { console.log('connected'); process.exit(0); })
             .on('error', (e) => { console.log(e.code); process.exit(0); });`,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      );
      assert.match(attempt.stdout.trim(), /^(EACCES|EPERM|ENOENT)$/, attempt.stdout + attempt.stderr);
      // The folder and the key file are the user's alone.
      assert.equal(statSync(socketDir).mode & 0o777, 0o700);
      for (const key of readdirSync(socketDir).filter((f) => f.endsWith('.key')))
        assert.equal(statSync(path.join(socketDir, key)).mode & 0o777, 0o600);
    });

    it('signed out, an unknown profile, then access off: the right exit code and message, at once', async () => {
      const unknown = await cli(['token', 'Nope']);
      assert.equal(unknown.code, 4, unknown.stderr);
      assert.match(unknown.stderr, /No profile named "Nope"/);
      await popup.click(CARD, 'Sign out');
      await says(CARD, /Signed out/);
      const signedOut = await cli(['token', NAME]);
      assert.equal(signedOut.code, 6, signedOut.stderr);
      assert.match(signedOut.stderr, /signed out/);
      // Turned off: the port closes, the host stops and takes its socket with it.
      await popup.click(CARD, 'Turn off');
      await waitFor(() => sockets().length === 0, 5_000, 'the host gone');
      const off = await cli(['token', NAME]);
      assert.equal(off.code, 3, off.stderr);
      assert.ok(off.ms < 5_000, `answered in ${off.ms} ms`);
      // Nothing keeps the background awake: it stops, and stays stopped.
      await driver.stopBackground();
      assert.equal(await driver.backgroundState(), 'stopped');
    });
  });
}
