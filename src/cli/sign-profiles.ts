// `npm run sign-profiles -- FILE KEYFILE [--expires-in-days N] [--serial N]`: signs a profile
// file for subscribers who pinned the key (docs/teams.md). Checks the file first, as AutoBearer
// will, so a broken file is never signed. Sets the file's `serial` (higher than the one it had,
// by default the time in seconds, so that every new file is newer than every older one) and, with
// --expires-in-days, its `expires`; writes FILE back with them, then FILE.sig (the Ed25519
// signature of FILE's exact bytes, in base64). Publish both side by side; any later change to
// FILE, even a space, needs a new signature.
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readPublicSuffixListFromTldts } from '../build/public-suffix-list.js';
import { parseProfileFile } from '../core/profile.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { useTranslate } from '../core/text.js';
import { englishMessages } from './english.js';
import { publicKeyText } from './keys.js';

useTranslate(englishMessages); // the file's problems, in words

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'expires-in-days': { type: 'string' }, serial: { type: 'string' } },
});
const [file, keyFile] = positionals;
if (!file || !keyFile) {
  console.error('usage: npm run sign-profiles -- FILE KEYFILE [--expires-in-days N] [--serial N]');
  process.exit(2);
}
readPublicSuffixListFromTldts();
await publicSuffixListReady();
const parsed = parseProfileFile(readFileSync(file, 'utf8'));
if (!parsed.ok) {
  fail(
    `${file} is not a valid profile file; not signed:\n${parsed.problems.map((p) => `  ${p}`).join('\n')}`,
  );
  throw new Error('unreachable');
}
const { autobearer, serial: previous, expires: written, ...rest } = JSON.parse(readFileSync(file, 'utf8'));
const serial =
  values.serial === undefined
    ? Math.max(Math.floor(Date.now() / 1000), (previous ?? 0) + 1)
    : Number(values.serial);
if (!Number.isSafeInteger(serial) || serial < 0) fail(`--serial ${values.serial}: a whole number, 0 or more`);
if (previous !== undefined && serial <= previous)
  fail(`--serial ${serial} is not higher than the file's ${previous}: subscribers would refuse it as older`);
const days = values['expires-in-days'];
if (days !== undefined && !(Number(days) > 0))
  fail(`--expires-in-days ${days}: a number of days, more than 0`);
const expires = days !== undefined ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : written;
if (expires !== undefined && Date.parse(expires) <= Date.now())
  fail(`${file} expires ${expires}, which is past: give --expires-in-days N`);

const privateKey = createPrivateKey(readFileSync(keyFile));
if (privateKey.asymmetricKeyType !== 'ed25519')
  fail(`${keyFile} is not an Ed25519 private key (npm run keygen makes one)`);
const text = `${JSON.stringify({ autobearer, serial, ...(expires !== undefined ? { expires } : {}), ...rest }, null, 2)}\n`;
if (!parseProfileFile(text).ok) fail('internal error: the file with its serial does not read back');
writeFileSync(file, text);
writeFileSync(`${file}.sig`, `${sign(null, Buffer.from(text), privateKey).toString('base64')}\n`);
console.log(
  `Signed ${parsed.value.profiles.length} profile(s), serial ${serial}${expires ? `, expires ${expires}` : ''}: ${file}.sig`,
);
console.log(`Subscribers pin: ${publicKeyText(createPublicKey(privateKey))}`);
