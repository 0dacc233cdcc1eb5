// `npm run test:oldest`: the end-to-end suite in the oldest Chromium and Firefox ESR that Debian
// 12's apt offers (README, "Test"), which users still run. The packages are fetched into
// .cache/browsers/ and unpacked there (apt-get download, dpkg -x): nothing is installed, and the
// browsers' libraries are those the installed chromium and firefox-esr packages brought.
//
//   npm run test:oldest                      the oldest version apt lists of each
//   npm run test:oldest -- --chromium 150.0.7871.100-1~deb12u1 --firefox 140.12.0esr-1~deb12u1
//   npm run test:oldest -- --only-fetch      fetch and print the paths, run nothing
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    chromium: { type: 'string' },
    firefox: { type: 'string' },
    'only-fetch': { type: 'boolean', default: false },
  },
});

const CACHE = path.resolve('.cache/browsers');

/** The versions of a package that apt lists (run `apt-get update` for the newest lists). */
function listedVersions(pkg: string): string[] {
  const text = execFileSync('apt-cache', ['madison', pkg], { encoding: 'utf8' });
  return [...new Set(text.split('\n').map((line) => line.split('|')[1]?.trim() ?? ''))].filter(Boolean);
}

/** The oldest of Debian versions, by dpkg's own ordering. */
function oldest(versions: string[]): string | undefined {
  return versions.reduce<string | undefined>((older, version) => {
    if (older === undefined) return version;
    const lower = spawnSync('dpkg', ['--compare-versions', version, 'lt', older]).status === 0;
    return lower ? version : older;
  }, undefined);
}

/** Fetches and unpacks `packages` at `version` into the cache, once; returns the folder. */
function unpacked(name: string, packages: string[], version: string): string {
  const dir = path.join(CACHE, `${name}-${version}`);
  if (existsSync(path.join(dir, '.done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const debs = path.join(dir, 'debs');
  mkdirSync(debs, { recursive: true });
  console.log(`fetching ${packages.map((pkg) => `${pkg}=${version}`).join(' ')} into ${dir}`);
  execFileSync('apt-get', ['download', ...packages.map((pkg) => `${pkg}=${version}`)], {
    cwd: debs,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (const deb of readdirSync(debs)) execFileSync('dpkg', ['-x', path.join(debs, deb), dir]);
  rmSync(debs, { recursive: true, force: true });
  execFileSync('touch', [path.join(dir, '.done')]);
  return dir;
}

function browser(pkg: string, asked: string | undefined): string {
  const version = asked ?? oldest(listedVersions(pkg));
  if (!version) {
    throw new Error(
      `apt lists no ${pkg} package: run apt-get update, or name a version (--chromium / --firefox)`,
    );
  }
  return version;
}

const chromiumVersion = browser('chromium', options.chromium);
const firefoxVersion = browser('firefox-esr', options.firefox);
const chromiumDir = unpacked('chromium', ['chromium', 'chromium-common'], chromiumVersion);
const firefoxDir = unpacked('firefox-esr', ['firefox-esr'], firefoxVersion);
const env = {
  ...process.env,
  CHROMIUM_PATH: path.join(chromiumDir, 'usr/lib/chromium/chromium'),
  FIREFOX_PATH: path.join(firefoxDir, 'usr/lib/firefox-esr/firefox-esr'),
};
console.log(`CHROMIUM_PATH=${env.CHROMIUM_PATH}\nFIREFOX_PATH=${env.FIREFOX_PATH}`);
if (options['only-fetch']) process.exit(0);

/** Runs an npm script or node with the oldest browsers; stops at the first failure. */
function run(command: string, args: string[]): void {
  const { status } = spawnSync(command, args, { env, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
run('npm', ['run', 'versions']);
run('npm', ['run', 'build']);
run('npm', ['run', 'test:e2e']);
