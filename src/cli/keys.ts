// What the command-line tools share: the public key as subscribers pin it.
import type { KeyObject } from 'node:crypto';
import { KEY_PREFIX } from '../core/signing.js';

/** `ed25519:` and the 32 raw key bytes in base64, as the options page takes it. */
export function publicKeyText(publicKey: KeyObject): string {
  const { x } = publicKey.export({ format: 'jwk' });
  if (!x) throw new Error('not an Ed25519 public key');
  return KEY_PREFIX + Buffer.from(x, 'base64url').toString('base64');
}
