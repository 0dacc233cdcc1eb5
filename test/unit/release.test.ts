import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
