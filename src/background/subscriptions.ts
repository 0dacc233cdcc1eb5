// Fetching a subscription's file (docs/teams.md): conditional (ETag, Last-Modified), bounded in
// size and time, never following a redirect, its signature checked where a key is pinned, and
// refused with the reason where anything is wrong. Nothing is stored here: the controller keeps
// the last good file whatever happens.
import { sha256Hex } from '../core/json.js';
import { parseProfileFile } from '../core/profile.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { checkSignature } from '../core/signing.js';
import { type FetchedFile, MAX_FILE_BYTES, type Subscription, signatureUrl } from '../core/subscriptions.js';
import { t } from '../core/text.js';
import { REQUEST_TIMEOUT_MS, readBoundedBytes } from './token-client.js';

export type Fetched = { readonly kind: 'unchanged' } | { readonly kind: 'file'; readonly file: FetchedFile };

/** Why a check failed, in words the options page shows. */
export class SubscriptionError extends Error {
  override readonly name = 'SubscriptionError';
}

interface Deps {
  readonly fetch: typeof fetch;
  readonly now: () => number;
}

async function get(url: string, deps: Deps, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await deps.fetch(url, {
      headers,
      credentials: 'omit',
      cache: 'no-store',
      // The host permission is for this URL's origin only: a redirect elsewhere is refused.
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new SubscriptionError(t('subscriptionUnreachable', url, (error as Error).message));
  }
}

/**
 * The subscription's file, if it changed since the last one seen (the waiting update's, else the
 * one in force); throws a SubscriptionError saying why it cannot be taken.
 */
export async function fetchSubscription(subscription: Subscription, deps: Deps): Promise<Fetched> {
  const seen = subscription.pending ?? subscription.current;
  const conditional: Record<string, string> = {
    ...(seen?.etag ? { 'If-None-Match': seen.etag } : {}),
    ...(seen?.lastModified ? { 'If-Modified-Since': seen.lastModified } : {}),
  };
  const response = await get(subscription.url, deps, conditional);
  if (response.status === 304 && seen) return { kind: 'unchanged' };
  if (!response.ok) {
    await response.body?.cancel();
    throw new SubscriptionError(t('subscriptionHttpError', subscription.url, response.status));
  }
  const { bytes, truncated } = await readBoundedBytes(response, MAX_FILE_BYTES);
  if (truncated)
    throw new SubscriptionError(t('subscriptionTooLarge', subscription.url, MAX_FILE_BYTES / 1024));
  if (subscription.publicKey) {
    const sig = await get(signatureUrl(subscription.url), deps);
    const signature = sig.ok ? (await readBoundedBytes(sig, 4096)).bytes : undefined;
    if (!sig.ok) await sig.body?.cancel();
    const check = await checkSignature(
      subscription.publicKey,
      bytes,
      signature && new TextDecoder().decode(signature),
    );
    if (!check.ok) throw new SubscriptionError(t('subscriptionRefused', check.reason));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SubscriptionError(t('subscriptionRefused', t('notUtf8')));
  }
  await publicSuffixListReady();
  const parsed = parseProfileFile(text);
  if (!parsed.ok) throw new SubscriptionError(t('subscriptionRefused', parsed.problems.join('; ')));
  const digest = await sha256Hex(new Uint8Array(bytes));
  const etag = response.headers.get('ETag') ?? undefined;
  const lastModified = response.headers.get('Last-Modified') ?? undefined;
  return {
    kind: 'file',
    file: {
      text,
      at: deps.now(),
      digest,
      ...(etag ? { etag } : {}),
      ...(lastModified ? { lastModified } : {}),
    },
  };
}
