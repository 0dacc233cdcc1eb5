// `npm run check-package -- STORE_PACKAGE RELEASE_PACKAGE`: says whether a package from a store
// (the .crx Chrome or Edge serves, the signed .xpi from addons.mozilla.org, or any zip) holds
// exactly the files of a release's package (release/<version>/autobearer-<version>-<browser>.zip,
// built by `npm run release` or downloaded with the release). Exit 0 when it does.
import { readFileSync } from 'node:fs';
import { packageDifferences, packageFiles } from '../build/package-check.js';

const [storeFile, releaseFile] = process.argv.slice(2);
if (!storeFile || !releaseFile) {
  console.error('Usage: npm run check-package -- STORE_PACKAGE RELEASE_PACKAGE');
  process.exit(2);
}
const release = packageFiles(readFileSync(releaseFile));
const differences = packageDifferences(packageFiles(readFileSync(storeFile)), release);
if (differences.length > 0) {
  console.error(`${storeFile} is not ${releaseFile}:\n${differences.map((line) => `- ${line}`).join('\n')}`);
  process.exit(1);
}
console.log(
  `${storeFile} holds the ${Object.keys(release).length} files of ${releaseFile}, byte for byte (besides what the store adds: signatures, and the manifest's update_url and key).`,
);
