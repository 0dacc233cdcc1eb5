import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { packageDifferences, packageFiles } from '../../src/build/package-check.js';
import { releaseProblems, sha256sums } from '../../src/build/release.js';

const ready = {
  versions: { packageJson: '1.2.0', packageLock: '1.2.0', manifest: '1.2.0' },
  uncommitted: [],
  tags: ['v1.2.0'],
};

describe('what npm run release refuses', () => {
  it('nothing, for a clean tree whose commit is tagged with the version all three files say', () => {
    assert.deepEqual(releaseProblems(ready), []);
  });

  it('a manifest or lockfile version that is not package.json’s, saying which and how to bump', () => {
    const problems = releaseProblems({
      ...ready,
      versions: { packageJson: '1.2.0', packageLock: '1.1.0', manifest: '1.1.0' },
    });
    assert.equal(problems.length, 2);
    assert.match(
      problems[0] ?? '',
      /manifest\.json says 1\.1\.0, package\.json 1\.2\.0: bump with `npm version/,
    );
    assert.match(problems[1] ?? '', /package-lock\.json says 1\.1\.0/);
  });

  it('a tree with uncommitted changes, naming them', () => {
    const [problem, ...rest] = releaseProblems({
      ...ready,
      uncommitted: [' M src/popup/index.ts', '?? notes.txt'],
    });
    assert.deepEqual(rest, []);
    assert.match(problem ?? '', /not committed \( M src\/popup\/index\.ts; \?\? notes\.txt\)/);
  });

  it('a commit without the version’s tag, naming the tags it has', () => {
    assert.match(
      releaseProblems({ ...ready, tags: ['v1.1.0'] }).join(),
      /not tagged v1\.2\.0 \(its tags: v1\.1\.0\)/,
    );
    assert.match(releaseProblems({ ...ready, tags: [] }).join(), /not tagged v1\.2\.0 \(it has no tag\)/);
  });

  it('a version the stores do not take', () => {
    const versions = { packageJson: '1.2.0-beta', packageLock: '1.2.0-beta', manifest: '1.2.0-beta' };
    assert.match(releaseProblems({ ...ready, versions, tags: ['v1.2.0-beta'] }).join(), /not three numbers/);
  });
});

describe('SHA256SUMS', () => {
  it('is what sha256sum --check reads: digest, two spaces, name; one line a file, by name', () => {
    assert.equal(sha256sums({ 'b.zip': 'bb', 'a.zip': 'aa' }), 'aa  a.zip\nbb  b.zip\n');
  });
});

describe('checking a store’s package against a release', () => {
  const text = (value: string) => new TextEncoder().encode(value);
  const release = {
    'manifest.json': text('{"name":"AutoBearer","version":"1.2.0"}'),
    'background.js': text('console.log(1)'),
    'icons/icon-16.png': new Uint8Array([137, 80, 78, 71]),
  };
  const releaseZip = zipSync(release);
  /** A CRX3 file: magic, version 3, the header's length, a header, then the zip. */
  const crx = (zip: Uint8Array) => {
    const header = new Uint8Array(12 + 5);
    header.set(text('Cr24'));
    new DataView(header.buffer).setUint32(4, 3, true);
    new DataView(header.buffer).setUint32(8, 5, true);
    return new Uint8Array([...header, ...zip]);
  };

  it('finds nothing to say of the release itself, AMO’s signed copy, or the Chrome Web Store’s CRX', () => {
    assert.deepEqual(packageDifferences(packageFiles(releaseZip), packageFiles(releaseZip)), []);
    const signed = zipSync({
      ...release,
      'META-INF/mozilla.rsa': text('sig'),
      'META-INF/manifest.mf': text('m'),
    });
    assert.deepEqual(packageDifferences(packageFiles(signed), packageFiles(releaseZip)), []);
    const fromStore = zipSync({
      ...release,
      'manifest.json': text(
        '{"name":"AutoBearer","update_url":"https://clients2.google.com/service/update2/crx","version":"1.2.0"}',
      ),
      '_metadata/verified_contents.json': text('[]'),
    });
    assert.deepEqual(packageDifferences(packageFiles(crx(fromStore)), packageFiles(releaseZip)), []);
  });

  it('names a file that differs by one byte, a file missing, a file added and a manifest changed', () => {
    const tampered = zipSync({
      'manifest.json': text('{"name":"AutoBearer","version":"1.2.0","permissions":["cookies"]}'),
      'background.js': text('console.log(2)'),
      'extra.js': text('fetch("https://example.com")'),
    });
    assert.deepEqual(packageDifferences(packageFiles(tampered), packageFiles(releaseZip)), [
      'background.js: differs',
      'icons/icon-16.png: missing from the store’s package',
      'manifest.json: differs',
      'extra.js: not in the release',
    ]);
  });
});
