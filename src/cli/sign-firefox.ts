// `npm run sign:firefox -- [listed|unlisted]`: submits the release's Firefox package to
// addons.mozilla.org with `web-ext sign`, with the source archive for the reviewers.
//   listed    AMO lists it and Firefox users install it from there (reviewed before it is public)
//   unlisted  AMO signs it for self-distribution; the signed .xpi lands in release/<version>/signed
// Credentials come from the environment (web-ext reads them there): WEB_EXT_API_KEY and
// WEB_EXT_API_SECRET, from https://addons.mozilla.org/developers/addon/api/key/. Run
// `npm run release` first. Not run by the tests: it talks to addons.mozilla.org.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { releaseFiles } from '../build/release.js';

const root = path.resolve(import.meta.dirname, '../..');
const channel = process.argv[2] ?? 'unlisted';
const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};
if (channel !== 'listed' && channel !== 'unlisted') fail(`Channel "${channel}": say listed or unlisted.`);
for (const name of ['WEB_EXT_API_KEY', 'WEB_EXT_API_SECRET'])
  if (!process.env[name]) fail(`${name} is not set: AMO's API key and secret come from the environment.`);

const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, 'release', version);
const files = releaseFiles(version);
const firefoxZip = path.join(out, files.firefox);
if (!existsSync(firefoxZip))
  fail(`${path.relative(root, firefoxZip)} is missing: run \`npm run release\` first.`);

// web-ext signs a folder: the release's own package, unpacked, so AMO gets exactly its files.
const unpacked = mkdtempSync(path.join(tmpdir(), 'autobearer-sign-'));
try {
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(firefoxZip)))) {
    mkdirSync(path.dirname(path.join(unpacked, name)), { recursive: true });
    writeFileSync(path.join(unpacked, name), bytes);
  }
  execFileSync(
    'npx',
    [
      'web-ext',
      'sign',
      `--channel=${channel}`,
      `--source-dir=${unpacked}`,
      `--artifacts-dir=${path.join(out, 'signed')}`,
      `--upload-source-code=${path.join(out, files.source)}`,
      `--amo-metadata=${path.join(root, 'docs', 'amo-metadata.json')}`,
      // Listed versions wait for a human review; web-ext does not wait for it.
      ...(channel === 'listed' ? ['--approval-timeout=0'] : []),
    ],
    { cwd: root, stdio: 'inherit' },
  );
} finally {
  rmSync(unpacked, { recursive: true, force: true });
}
