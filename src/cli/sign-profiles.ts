// `npm run sign-profiles -- FILE KEYFILE`: signs a profile file for subscribers who pinned the
// key (docs/teams.md). Checks the file first, as AutoBearer will, so a broken file is never
// signed; writes FILE.sig (the Ed25519 signature of FILE's exact bytes, in base64). Publish both
// side by side; any later change to FILE, even a space, needs a new signature.
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseProfileFile } from '../core/profile.js';
import { useTranslate } from '../core/text.js';
import { englishMessages } from './english.js';
import { publicKeyText } from './keys.js';

useTranslate(englishMessages); // the file's problems, in words

const [file, keyFile] = process.argv.slice(2);
if (!file || !keyFile) {
  console.error('usage: npm run sign-profiles -- FILE KEYFILE');
  process.exit(2);
}
const bytes = readFileSync(file);
const parsed = parseProfileFile(bytes.toString('utf8'));
if (!parsed.ok) {
  console.error(`${file} is not a valid profile file; not signed:`);
  for (const problem of parsed.problems) console.error(`  ${problem}`);
  process.exit(1);
}
const privateKey = createPrivateKey(readFileSync(keyFile));
if (privateKey.asymmetricKeyType !== 'ed25519') {
  console.error(`${keyFile} is not an Ed25519 private key (npm run keygen makes one)`);
  process.exit(1);
}
writeFileSync(`${file}.sig`, `${sign(null, bytes, privateKey).toString('base64')}\n`);
console.log(`Signed ${parsed.value.profiles.length} profile(s): ${file}.sig`);
console.log(`Subscribers pin: ${publicKeyText(createPublicKey(privateKey))}`);
