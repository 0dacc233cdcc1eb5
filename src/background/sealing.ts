// Secrets at rest (tokens, client secrets): AES-GCM with a fresh IV per write, under the
// non-extractable key kept in IndexedDB (src/browser-api/secret-store.ts).

export interface Sealed {
  readonly iv: string;
  readonly data: string;
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export async function seal(key: CryptoKey, plain: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(plain));
  return { iv: toBase64(iv), data: toBase64(new Uint8Array(data)) };
}

export async function open(key: CryptoKey, sealed: Sealed): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(sealed.iv) },
    key,
    fromBase64(sealed.data),
  );
  return new TextDecoder().decode(plain);
}

export const isSealed = (value: unknown): value is Sealed =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Sealed).iv === 'string' &&
  typeof (value as Sealed).data === 'string';
