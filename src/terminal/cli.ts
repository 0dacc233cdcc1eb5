// `autobearer`: the live token of an AutoBearer profile in the terminal, and the native messaging
// host that passes it (docs/terminal.md). One program: the browser starts it as `autobearer host`.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { TOKEN_VARIABLE } from '../core/terminal.js';
import { type Command, parseArgs, USAGE } from './args.js';
import { BRIDGE_NAMES, bridgeDir, keyPath, socketPath } from './bridge-dir.js';
import { type Asked, askToken } from './client.js';
import { runHost } from './host.js';
import {
  BROWSERS,
  FIREFOX_ID,
  hostManifest,
  manifestDir,
  manifestFile,
  unpackedExtensionId,
} from './manifests.js';

/** Exit codes, one per reason (docs/terminal.md lists them). */
export const EXIT = {
  ok: 0,
  usage: 2,
  'no-bridge': 3,
  'unknown-profile': 4,
  'access-off': 5,
  'signed-out': 6,
  'refresh-failed': 7,
  forbidden: 8,
  timeout: 9,
  'bad-request': 10,
} as const;

/** This program's file (the bundle), which the launcher runs with this Node. */
const self = (): string => path.resolve(process.argv[1] ?? '');
/** The package's root: the bundle is dist/cli/autobearer.cjs in it. */
const packageRoot = (): string => path.resolve(path.dirname(self()), '..', '..');

/** Where the launcher the manifests name lives: the user's own, 0700. */
const launcherPath = (home: string): string =>
  path.join(home, '.local', 'share', 'autobearer', 'autobearer-host');

function install(command: Extract<Command, { kind: 'install' }>): number {
  const home = homedir();
  const launcher = launcherPath(home);
  mkdirSync(path.dirname(launcher), { recursive: true, mode: 0o700 });
  // The browsers start the host without a shell's PATH: the launcher names this Node and this file.
  writeFileSync(
    launcher,
    `#!/bin/sh\n# AutoBearer's native messaging host (autobearer uninstall removes it)\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(self())} host "$@"\n`,
  );
  chmodSync(launcher, 0o700);
  // This package's own unpacked build, and the ids the user names (a store's, another folder's).
  const builtChrome = path.join(packageRoot(), 'dist', 'chrome');
  const chromeIds = [
    ...new Set([
      ...command.chromeIds,
      ...(existsSync(builtChrome) ? [unpackedExtensionId(builtChrome)] : []),
    ]),
  ];
  for (const browser of command.browsers) {
    const dir = command.manifestDir ?? manifestDir(browser, process.platform, home);
    mkdirSync(dir, { recursive: true });
    const file = manifestFile(dir);
    writeFileSync(file, `${JSON.stringify(hostManifest(browser, launcher, chromeIds), null, 2)}\n`);
    const who =
      browser === 'firefox' ? FIREFOX_ID : chromeIds.join(', ') || 'no extension id: add --chrome-id';
    console.log(`${browser}: ${file} (for ${who})`);
  }
  return EXIT.ok;
}

function uninstall(command: Extract<Command, { kind: 'uninstall' }>): number {
  const home = homedir();
  for (const browser of command.browsers) {
    const file = manifestFile(command.manifestDir ?? manifestDir(browser, process.platform, home));
    if (existsSync(file)) {
      rmSync(file);
      console.log(`${browser}: removed ${file}`);
    }
  }
  if (!command.manifestDir) rmSync(launcherPath(home), { force: true });
  return EXIT.ok;
}

function doctor(): number {
  const home = homedir();
  const launcher = launcherPath(home);
  console.log(`host launcher: ${existsSync(launcher) ? launcher : `missing (run: autobearer install)`}`);
  for (const browser of BROWSERS) {
    const file = manifestFile(manifestDir(browser, process.platform, home));
    if (!existsSync(file)) {
      console.log(`${browser}: not installed (${file})`);
      continue;
    }
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const allowed = manifest.allowed_extensions ?? manifest.allowed_origins ?? [];
    console.log(`${browser}: ${file} → ${manifest.path}, for ${allowed.join(', ') || 'no extension'}`);
  }
  const dir = bridgeDir(process.env, process.getuid?.() ?? -1);
  for (const name of BRIDGE_NAMES) {
    const on = existsSync(socketPath(dir, name)) && existsSync(keyPath(dir, name));
    console.log(
      `${name} bridge: ${on ? `running (${socketPath(dir, name)})` : 'not running (terminal access off, or the browser closed)'}`,
    );
  }
  return EXIT.ok;
}

/** Says why there is no token, on one line, and gives its exit code. */
function refused(asked: Exclude<Asked, { ok: true }>): number {
  console.error(`autobearer: ${asked.message}`);
  return EXIT[asked.refusal] ?? EXIT['bad-request'];
}

/** curl's config syntax: a quoted string with backslashes and quotes escaped. */
const curlQuoted = (text: string): string =>
  `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, '')}"`;

async function withToken(command: Extract<Command, { kind: 'token' | 'curl' | 'exec' }>): Promise<number> {
  const asked = await askToken(command);
  if (!asked.ok) return refused(asked);
  if (command.kind === 'token') {
    if (command.json)
      console.log(
        JSON.stringify({
          token: asked.token,
          expiresAt: new Date(asked.expiresAt).toISOString(),
          headers: asked.headers,
        }),
      );
    else console.log(asked.token);
    return EXIT.ok;
  }
  const [program, ...args] = command.kind === 'curl' ? ['curl', '-K', '-', ...command.rest] : command.rest;
  // The token goes on curl's standard input (its config), or in the environment: never in the
  // arguments, which every local user can read in /proc.
  const child = spawn(program as string, args, {
    stdio: [command.kind === 'curl' ? 'pipe' : 'inherit', 'inherit', 'inherit'],
    env: command.kind === 'exec' ? { ...process.env, [TOKEN_VARIABLE]: asked.token } : process.env,
  });
  if (command.kind === 'curl') {
    const config = Object.entries(asked.headers).map(
      ([name, value]) => `header = ${curlQuoted(`${name}: ${value}`)}\n`,
    );
    child.stdin?.end(config.join(''));
  }
  return new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`autobearer: cannot run ${program}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const command = parseArgs(argv);
  if ('error' in command) {
    console.error(`autobearer: ${command.error}\n\n${USAGE}`);
    return EXIT.usage;
  }
  switch (command.kind) {
    case 'help':
      console.log(USAGE);
      return EXIT.ok;
    case 'host':
      runHost(command.args);
      return -1; // runs until the browser closes its end
    case 'install':
      return install(command);
    case 'uninstall':
      return uninstall(command);
    case 'doctor':
      return doctor();
    default:
      return withToken(command);
  }
}

void main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error) => {
    console.error(`autobearer: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
