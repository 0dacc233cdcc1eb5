// Signed profile files (docs/profile-format.md, "Signed files"): an Ed25519 signature over the
// file's exact bytes, kept beside it (`FILE.sig`), checked against the public key a subscription
// pins. Exact bytes, not parsed JSON: nothing to canonicalize, and what is checked is what is read.
import { verifyAsync } from '@noble/ed25519';
import { t } from './text.js';

/** How a public key is written: `ed25519:` and the 32 raw bytes in base64. */
export const KEY_PREFIX = 'ed25519:';

function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  try {
    return Uint8Array.from(atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** The 32 key bytes of `ed25519:BASE64`, or undefined for anything else. */
export function parsePublicKey(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith(KEY_PREFIX)) return undefined;
  const bytes = fromBase64(trimmed.slice(KEY_PREFIX.length));
  return bytes?.length === 32 ? bytes : undefined;
}

/** The 64 signature bytes of a `.sig` file (base64, surrounding whitespace ignored). */
export function parseSignature(text: string): Uint8Array | undefined {
  const bytes = fromBase64(text);
  return bytes?.length === 64 ? bytes : undefined;
}

/**
 * Ed25519 verification: the browser's own (WebCrypto) where it has it, else @noble/ed25519
 * (Chrome before 137 has no Ed25519 in WebCrypto). `subtle` is injectable for the tests.
 */
export async function verifyEd25519(
  publicKey: Uint8Array,
  signature: Uint8Array,
  data: Uint8Array,
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): Promise<boolean> {
  let key: CryptoKey | undefined;
  try {
    key = await subtle?.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    key = undefined; // not supported here
  }
  if (subtle && key)
    return subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, data as BufferSource);
  try {
    return await verifyAsync(signature, data, publicKey);
  } catch {
    return false;
  }
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether `file` is signed by the key `keyText` pins: `signature` is the text of its `.sig`
 * (undefined when there is none). The reason, when not, is one a user can act on.
 */
export async function checkSignature(
  keyText: string,
  file: Uint8Array,
  signature: string | undefined,
  subtle?: SubtleCrypto,
): Promise<SignatureCheck> {
  const key = parsePublicKey(keyText);
  if (!key) return { ok: false, reason: t('badPublicKey') };
  if (signature === undefined) return { ok: false, reason: t('signatureMissing') };
  const bytes = parseSignature(signature);
  if (!bytes) return { ok: false, reason: t('signatureMalformed') };
  const valid = await verifyEd25519(key, bytes, file, ...(subtle ? [subtle] : []));
  return valid ? { ok: true } : { ok: false, reason: t('signatureInvalid') };
}
