// `npm run keygen -- [KEYFILE]`: a new Ed25519 key pair for signing a team's profile files
// (docs/teams.md). Writes the private key (PKCS #8 PEM, readable by its owner only) to KEYFILE
// (default autobearer-signing.key), never over an existing file, and prints the public key that
// subscribers pin.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { publicKeyText } from './keys.js';

const file = process.argv[2] ?? 'autobearer-signing.key';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
try {
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
} catch (error) {
  console.error(
    `Not written: ${(error as Error).message}. Choose another file name; an existing key is never replaced.`,
  );
  process.exit(1);
}
const text = publicKeyText(publicKey);
writeFileSync(`${file}.pub`, `${text}\n`, { flag: 'w' });
console.log(`Private key: ${file} (keep it secret; whoever holds it can sign files subscribers trust)`);
console.log(`Public key, to pin in each subscription (also in ${file}.pub):`);
console.log(text);
