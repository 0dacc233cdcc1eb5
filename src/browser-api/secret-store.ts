// The one home of idb-keyval: the key that seals tokens at rest. It is a non-extractable
// AES-GCM CryptoKey kept in the extension's own IndexedDB, apart from the sealed tokens in
// storage.local; no script, the extension's own included, can read its key material.
import { createStore, get, type UseStore, update } from 'idb-keyval';

const KEY_NAME = 'token-key';
let store: UseStore | undefined;
let cached: Promise<CryptoKey> | undefined;

async function loadOrCreate(): Promise<CryptoKey> {
  store ??= createStore('autobearer', 'keys');
  const existing = await get<CryptoKey>(KEY_NAME, store);
  if (existing) return existing;
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  // Set only if still absent, in one transaction: two starts racing keep the same key.
  await update<CryptoKey>(KEY_NAME, (current) => current ?? fresh, store);
  const kept = await get<CryptoKey>(KEY_NAME, store);
  if (!kept) throw new Error('the token key could not be stored');
  return kept;
}

/** The key that seals tokens at rest, created on first use. */
export function tokenKey(): Promise<CryptoKey> {
  cached ??= loadOrCreate().catch((error) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
