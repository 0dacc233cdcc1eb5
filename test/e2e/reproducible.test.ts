// Reproducible packages (issue #29): the same sources build to the same bytes in another folder,
// in another time zone, on another day, so that anyone can check that a store's package is the
// release's. One more build of this tree, in a temporary folder, against the dist/ that
// `npm run build` wrote here; and every zip entry carries one fixed time, not the build's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = process.cwd();
/** What a checkout has that is not source: made by npm, the build, the tests or a release. */
const NOT_SOURCE = new Set(['node_modules', 'dist', 'release', '.cache', 'test-results', '.git']);
const PACKAGES = ['autobearer-chrome.zip', 'autobearer-firefox.zip'];

/** Every file below a folder, by its path relative to it, in one order. */
const filesIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();

/** Each entry of a zip's central directory: its name and the DOS date and time it carries. */
function zipEntries(zip: Buffer): { name: string; date: number; time: number }[] {
  const entries = [];
  const endOfDirectory = zip.lastIndexOf(Buffer.from('PK\x05\x06'));
  for (let i = zip.readUInt32LE(endOfDirectory + 16); zip.readUInt32LE(i) === 0x02014b50; ) {
    const nameLength = zip.readUInt16LE(i + 28);
    entries.push({
      name: zip.toString('utf8', i + 46, i + 46 + nameLength),
      time: zip.readUInt16LE(i + 12),
      date: zip.readUInt16LE(i + 14),
    });
    i += 46 + nameLength + zip.readUInt16LE(i + 30) + zip.readUInt16LE(i + 32);
  }
  return entries;
}

describe('a second build of the same sources, in another folder and time zone', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'autobearer-rebuild-'));
  const copy = path.join(work, 'elsewhere', 'autobearer');

  before(() => {
    cpSync(root, copy, { recursive: true, filter: (source) => !NOT_SOURCE.has(path.basename(source)) });
    // The same dependencies (npm ci from the same lockfile gives these), linked rather than copied.
    symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'node_modules/webpack-cli/bin/cli.js',
        '--config',
        'webpack.config.ts',
        '--mode',
        'production',
      ],
      {
        cwd: copy,
        env: { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8' },
        stdio: 'pipe',
        timeout: 240_000,
      },
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('writes the same files, byte for byte, as the build in dist/', () => {
    const here = filesIn(path.join(root, 'dist'));
    assert.deepEqual(filesIn(path.join(copy, 'dist')), here);
    const differ = here.filter(
      (file) =>
        !readFileSync(path.join(root, 'dist', file)).equals(readFileSync(path.join(copy, 'dist', file))),
    );
    assert.deepEqual(differ, [], 'run npm run build first if the sources changed since dist/ was built');
  });

  it('zips each package in name order, every entry dated 1980-01-01 00:00 whatever the day and zone', () => {
    for (const name of PACKAGES) {
      const entries = zipEntries(readFileSync(path.join(copy, 'dist', name)));
      assert.ok(
        entries.some((entry) => entry.name === 'manifest.json'),
        `${name} has a manifest`,
      );
      assert.deepEqual(
        entries.map((entry) => entry.name),
        entries.map((entry) => entry.name).sort(),
        `${name} is in name order`,
      );
      for (const entry of entries) assert.deepEqual([entry.date, entry.time], [(1 << 5) | 1, 0], entry.name);
    }
  });
});
