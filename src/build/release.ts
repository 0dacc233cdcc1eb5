// What a release is made of and what it refuses, apart from the commands that make it
// (src/cli/release.ts), so that the rules are tested without git or a build.

/** Where each copy of the version lives; package.json is the one a person edits (`npm version`). */
export interface VersionSources {
  packageJson: string;
  packageLock: string | undefined;
  manifest: string;
}

/** What the tree looks like when a release is asked for. */
export interface ReleaseInputs {
  versions: VersionSources;
  /** `git status --porcelain` lines: changed or untracked files. */
  uncommitted: string[];
  /** The tags on the commit being released. */
  tags: string[];
}

export const tagFor = (version: string): string => `v${version}`;

/** Why a release cannot be made from this tree, in words that say what to do; empty when it can. */
export function releaseProblems({ versions, uncommitted, tags }: ReleaseInputs): string[] {
  const problems: string[] = [];
  const version = versions.packageJson;
  if (!/^\d+\.\d+\.\d+$/.test(version))
    problems.push(`package.json's version "${version}" is not three numbers (the stores take no suffix)`);
  if (versions.manifest !== version)
    problems.push(
      `manifest.json says ${versions.manifest}, package.json ${version}: bump with \`npm version <version>\`, which writes both`,
    );
  if (versions.packageLock !== version)
    problems.push(
      `package-lock.json says ${versions.packageLock ?? 'no version'}: run \`npm install\` and commit`,
    );
  if (uncommitted.length > 0)
    problems.push(
      `the tree has changes that are not committed (${uncommitted.slice(0, 5).join('; ')}${uncommitted.length > 5 ? '; …' : ''}): a release is built from a commit only`,
    );
  if (!tags.includes(tagFor(version)))
    problems.push(
      `this commit is not tagged ${tagFor(version)} (${tags.length > 0 ? `its tags: ${tags.join(', ')}` : 'it has no tag'}): \`npm version ${version}\` tags it, or \`git tag ${tagFor(version)}\``,
    );
  return problems;
}

/** The file names of one release, all in release/<version>/. */
export function releaseFiles(version: string): {
  source: string;
  chrome: string;
  firefox: string;
  edge: string;
  sums: string;
} {
  return {
    source: `autobearer-${version}-source.tar.gz`,
    chrome: `autobearer-${version}-chrome.zip`,
    firefox: `autobearer-${version}-firefox.zip`,
    edge: `autobearer-${version}-edge.zip`,
    sums: 'SHA256SUMS',
  };
}

/** A SHA256SUMS file as `sha256sum --check` reads it: one `<hex>  <name>` line a file, by name. */
export function sha256sums(digests: Record<string, string>): string {
  return Object.keys(digests)
    .sort()
    .map((name) => `${digests[name]}  ${name}\n`)
    .join('');
}
