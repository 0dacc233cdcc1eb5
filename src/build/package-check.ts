// Whether a package a store hands out holds what a release built: the same files, byte for
// byte, apart from what the stores add themselves. `npm run check-package` reads the files.
//
// What the stores add, and nothing else is forgiven:
// - addons.mozilla.org signs the .xpi: META-INF/ (the signature files).
// - the Chrome Web Store (and Edge Add-ons) wrap the zip in a CRX3 header and add _metadata/
//   (verified contents); Chrome's own copy of an installed extension's manifest.json also gains
//   `update_url` and `key`.
import { unzipSync } from 'fflate';

export type PackageFiles = Record<string, Uint8Array>;

const ADDED_BY_STORES = /^(META-INF|_metadata)\//;
const MANIFEST_KEYS_ADDED_BY_STORES = ['update_url', 'key'];

/** A .zip, .xpi or .crx's files; a CRX3 file's header (magic, version, header length) is skipped. */
export function packageFiles(bytes: Uint8Array): PackageFiles {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isCrx = bytes.length > 12 && new TextDecoder().decode(bytes.subarray(0, 4)) === 'Cr24';
  const zip = isCrx ? bytes.subarray(12 + view.getUint32(8, true)) : bytes;
  // Folders are entries too in some zips; only files are compared.
  return Object.fromEntries(Object.entries(unzipSync(zip)).filter(([name]) => !name.endsWith('/')));
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

function sameManifest(store: Uint8Array, release: Uint8Array): boolean {
  const parse = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
  const storeManifest = parse(store);
  for (const key of MANIFEST_KEYS_ADDED_BY_STORES) delete storeManifest[key];
  return JSON.stringify(storeManifest) === JSON.stringify(parse(release));
}

/** What differs between a store's package and a release's, one line a file; empty when nothing does. */
export function packageDifferences(store: PackageFiles, release: PackageFiles): string[] {
  const differences: string[] = [];
  for (const name of Object.keys(release).sort()) {
    const storeFile = store[name];
    const releaseFile = release[name] as Uint8Array;
    if (!storeFile) differences.push(`${name}: missing from the store’s package`);
    else if (
      name === 'manifest.json' ? !sameManifest(storeFile, releaseFile) : !sameBytes(storeFile, releaseFile)
    )
      differences.push(`${name}: differs`);
  }
  for (const name of Object.keys(store).sort())
    if (!(name in release) && !ADDED_BY_STORES.test(name)) differences.push(`${name}: not in the release`);
  return differences;
}
