// `npm run release`: the store packages of a tagged version, built from its source archive.
//
// From a clean tree whose commit is tagged v<version> (package.json, package-lock.json and
// manifest.json agreeing on it), writes to release/<version>/:
//   autobearer-<version>-source.tar.gz   `git archive` of the tag: what AMO reviewers rebuild
//   autobearer-<version>-chrome.zip      Chrome Web Store
//   autobearer-<version>-edge.zip        Edge Add-ons (the Chrome package, byte for byte)
//   autobearer-<version>-firefox.zip     addons.mozilla.org (`npm run sign:firefox` submits it)
//   SHA256SUMS                           `sha256sum --check SHA256SUMS`
// The packages are built in a temporary folder from the source archive itself (`npm ci`, then
// `npm run build`), so a release proves its archive builds it. docs/releasing.md has the steps.
import { execFileSync, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { releaseFiles, releaseProblems, sha256sums, tagFor } from '../build/release.js';

const root = path.resolve(import.meta.dirname, '../..');
const run = (command: string, args: string[], cwd = root, stdio: StdioOptions = 'pipe'): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio }) ?? '';
const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

const packageJson = readJson('package.json');
const lock = readJson('package-lock.json');
const version: string = packageJson.version;
const problems = releaseProblems({
  versions: {
    packageJson: version,
    packageLock: lock.packages?.['']?.version,
    manifest: readJson('manifest.json').version,
  },
  uncommitted: run('git', ['status', '--porcelain']).split('\n').filter(Boolean),
  tags: run('git', ['tag', '--points-at', 'HEAD']).split('\n').filter(Boolean),
});
if (problems.length > 0) {
  console.error(`No release of ${version}:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
  process.exit(1);
}

const files = releaseFiles(version);
const out = path.join(root, 'release', version);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// The source archive: the tagged commit's files and nothing else, under one folder. git writes
// the commit's time into it, so the same tag archives to the same bytes.
const prefix = `autobearer-${version}`;
run('git', [
  'archive',
  '--format=tar.gz',
  `--prefix=${prefix}/`,
  '-o',
  path.join(out, files.source),
  tagFor(version),
]);

const work = mkdtempSync(path.join(tmpdir(), 'autobearer-release-'));
try {
  run('tar', ['-xzf', path.join(out, files.source), '-C', work]);
  const tree = path.join(work, prefix);
  console.log(`Building ${version} from ${files.source} in ${tree} (npm ci, npm run build)…`);
  run('npm', ['ci', '--no-audit', '--no-fund'], tree, 'inherit');
  run('npm', ['run', 'build'], tree, 'inherit');
  copyFileSync(path.join(tree, 'dist', 'autobearer-chrome.zip'), path.join(out, files.chrome));
  copyFileSync(path.join(tree, 'dist', 'autobearer-chrome.zip'), path.join(out, files.edge));
  copyFileSync(path.join(tree, 'dist', 'autobearer-firefox.zip'), path.join(out, files.firefox));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const names = [files.source, files.chrome, files.edge, files.firefox];
const digests = Object.fromEntries(
  names.map((name) => [
    name,
    createHash('sha256')
      .update(readFileSync(path.join(out, name)))
      .digest('hex'),
  ]),
);
writeFileSync(path.join(out, files.sums), sha256sums(digests));
console.log(`\nRelease ${version} in ${path.relative(root, out)}/:`);
for (const name of names)
  console.log(
    `  ${name.padEnd(40)} ${(statSync(path.join(out, name)).size / 1024).toFixed(1).padStart(7)} KiB  ${digests[name]}`,
  );
console.log(`Check: (cd release/${version} && sha256sum --check SHA256SUMS)`);
