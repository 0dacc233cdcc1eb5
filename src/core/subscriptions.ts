// Subscriptions to a team's profile file (docs/teams.md): what one holds, where it may be fetched
// from, which update applies at once and which waits for the user. Pure.

import { type ImportPreview, movedText, previewImport } from './import-preview.js';
import { parseProfileFile, type Validated } from './profile.js';
import type { ParseProfileFile, StoredProfile } from './profiles.js';
import type { Outcome } from './session.js';
import { parsePublicKey } from './signing.js';
import { t } from './text.js';
import type { SubscriptionView } from './view.js';

/** A file as fetched: its text, when, and what the next request sends to ask "changed since?". */
export interface FetchedFile {
  readonly text: string;
  readonly at: number;
  readonly etag?: string;
  readonly lastModified?: string;
  /** SHA-256 of the text, hex: what the user's Apply names, so that it applies the file they saw. */
  readonly digest?: string;
}

export interface Subscription {
  readonly id: string;
  /** Shown beside its profiles, which it marks read-only. */
  readonly name: string;
  readonly url: string;
  /** `ed25519:…`: only a file this key signed is accepted (signing.ts). */
  readonly publicKey?: string;
  /** How often it is checked (alarms), in hours. */
  readonly everyHours: number;
  /** The file in force, once one was accepted. */
  readonly current?: FetchedFile;
  /** An update that widens where a token or a secret goes, waiting for the user's confirmation. */
  readonly pending?: FetchedFile;
  /** The last check: when, and why it failed where it did. */
  readonly lastCheck?: Outcome;
}

const isFile = (value: unknown): value is FetchedFile =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as FetchedFile).text === 'string' &&
  typeof (value as FetchedFile).at === 'number';

/** A stored subscription's shape (storage is not trusted to hold what was written). */
export const isSubscription = (value: unknown): value is Subscription => {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Subscription;
  return (
    typeof s.id === 'string' &&
    typeof s.name === 'string' &&
    typeof s.url === 'string' &&
    typeof s.everyHours === 'number' &&
    (s.publicKey === undefined || typeof s.publicKey === 'string') &&
    (s.current === undefined || isFile(s.current)) &&
    (s.pending === undefined || isFile(s.pending))
  );
};

export const DEFAULT_EVERY_HOURS = 24;
/** A profile file is a few KB; this is far above any, far below a memory problem. */
export const MAX_FILE_BYTES = 256 * 1024;
export const SUBSCRIPTION_ALARM = 'subscription:';

/** A host name that reaches this machine only (RFC 6761 `localhost`, 127/8, ::1). */
export const isLoopbackHost = (hostname: string): boolean =>
  /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(hostname);

/** Where the file's signature is: its URL with `.sig` after the path (docs/profile-format.md). */
export function signatureUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname += '.sig';
  return parsed.href;
}

/**
 * Why a subscription URL is refused, or undefined. https only: the file decides where tokens
 * go. Plain http is accepted for a loopback host (a file served on this machine) and where a key
 * is pinned (the signature, not the channel, then vouches for the file).
 */
export function subscriptionUrlProblem(url: string, pinned: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return t('subscriptionUrlInvalid', url);
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && (pinned || isLoopbackHost(parsed.hostname))) return undefined;
  return t('subscriptionUrlNotHttps', url);
}

/** What the user enters to subscribe. */
export interface SubscriptionRequest {
  readonly name: string;
  readonly url: string;
  readonly publicKey?: string | undefined;
  readonly everyHours?: number | undefined;
}

/** A new subscription (`id`) as the user entered it, or what is wrong with it. */
export function newSubscription(request: SubscriptionRequest, id: string): Validated<Subscription> {
  const { url, everyHours = DEFAULT_EVERY_HOURS } = request;
  const name = request.name.trim();
  const publicKey = request.publicKey?.trim() || undefined;
  const problem = !name
    ? t('subscriptionNameMissing')
    : publicKey && !parsePublicKey(publicKey)
      ? t('badPublicKey')
      : (subscriptionUrlProblem(url, !!publicKey) ??
        (Number.isFinite(everyHours) && everyHours >= 1 ? undefined : t('badEveryHours')));
  if (problem) return { ok: false, problems: [problem] };
  return { ok: true, value: { id, name, url, everyHours, ...(publicKey ? { publicKey } : {}) } };
}

/** The profiles a subscription's file in force holds, read-only, marked with its name. */
export function subscriptionProfiles(
  subscription: Subscription,
  parse: ParseProfileFile = parseProfileFile,
): StoredProfile[] {
  if (!subscription.current) return [];
  const parsed = parse(subscription.current.text);
  if (!parsed.ok) return []; // never stored so: a file is checked before it is kept
  return parsed.value.profiles.map((profile) => ({
    id: subscriptionProfileId(subscription.id, profile.name),
    profile,
    subscription: subscription.name,
  }));
}

export const subscriptionProfileId = (subscriptionId: string, name: string): string =>
  `sub:${subscriptionId}:${name}`;

/**
 * What in an update widens where a token or a secret goes, in words; empty when it only narrows
 * (removes hosts, pages, profiles) or changes nothing that matters there. A new profile counts:
 * its hosts would get a token once signed in.
 */
export function wideningOf(preview: ImportPreview): string[] {
  return preview.profiles.flatMap((item) => [
    ...(item.change === 'new' ? [t('widensNewProfile', item.name, item.hosts.join(', '))] : []),
    ...(item.widened.length ? [t('widensHosts', item.name, item.widened.join(', '))] : []),
    ...item.moved.map((d) => movedText(item.name, d)),
  ]);
}

/**
 * A file's serial and expiry (ms), as it states them. Read, not validated again: every file a
 * subscription holds or is offered was validated whole when fetched (fetchSubscription), and this
 * runs for each view; anything else states none.
 */
export function fileVersion(text: string): { serial?: number; expiresAt?: number } {
  let file: { serial?: unknown; expires?: unknown } | null;
  try {
    file = JSON.parse(text);
  } catch {
    return {};
  }
  const serial = file?.serial;
  const expiresAt = typeof file?.expires === 'string' ? Date.parse(file.expires) : Number.NaN;
  return {
    ...(typeof serial === 'number' && Number.isSafeInteger(serial) ? { serial } : {}),
    ...(Number.isNaN(expiresAt) ? {} : { expiresAt }),
  };
}

/**
 * Why `file` cannot follow what the subscription holds (the file in force, and a waiting one): a
 * serial lower than theirs, none where they have one, or the same one on other content. Without
 * it the file's host, or anyone on a plain-http channel, could serve an older signed file again.
 * Files without serials, after files without serials, follow as before.
 */
export function rollbackProblem(subscription: Subscription, file: FetchedFile): string | undefined {
  const held = [subscription.current, subscription.pending]
    .filter((f): f is FetchedFile => f !== undefined)
    .map((f) => ({ text: f.text, serial: fileVersion(f.text).serial }))
    .filter((f): f is { text: string; serial: number } => f.serial !== undefined);
  if (held.length === 0) return undefined;
  const newest = held.reduce((a, b) => (b.serial > a.serial ? b : a));
  const { serial } = fileVersion(file.text);
  if (serial === undefined) return t('subscriptionNoSerial', newest.serial);
  if (serial < newest.serial) return t('subscriptionOlder', serial, newest.serial);
  if (serial === newest.serial && !held.some((f) => f.serial === serial && f.text === file.text))
    return t('subscriptionSameSerial', serial);
  return undefined;
}

/** When the subscription is next checked. */
export const nextCheckAt = (subscription: Subscription, now: number): number =>
  (subscription.lastCheck?.at ?? now) + subscription.everyHours * 3_600_000;

/**
 * What accepting `file` would change against the subscription's file in force, and what in that
 * widens; `signedIn` says which of its profiles are signed in now (by profile id).
 */
export function updatePreview(
  subscription: Subscription,
  file: FetchedFile,
  signedIn: (profileId: string) => boolean,
): { preview: ImportPreview; widening: string[] } {
  const parsed = parseProfileFile(file.text);
  const incoming = parsed.ok ? parsed.value.profiles : [];
  const current = subscriptionProfiles(subscription).map(({ id, profile }) => ({
    profile,
    signedIn: signedIn(id),
  }));
  const preview = previewImport(current, incoming);
  return { preview, widening: wideningOf(preview) };
}

/** The profiles of the file in force that `file` no longer has: their sign-ins are forgotten. */
export function removedBy(subscription: Subscription, file: FetchedFile): string[] {
  const parsed = parseProfileFile(file.text);
  const kept = new Set(parsed.ok ? parsed.value.profiles.map((p) => p.name) : []);
  return subscriptionProfiles(subscription)
    .filter(({ profile }) => !kept.has(profile.name))
    .map(({ id }) => id);
}

export function subscriptionView(
  subscription: Subscription,
  signedIn: (profileId: string) => boolean,
  now: number,
): SubscriptionView {
  const { id, name, url, publicKey, everyHours, current, pending, lastCheck } = subscription;
  const { serial, expiresAt } = current ? fileVersion(current.text) : {};
  return {
    ...(serial !== undefined ? { serial } : {}),
    ...(expiresAt !== undefined ? { expiresAt, expired: expiresAt <= now } : {}),
    id,
    name,
    url,
    ...(publicKey ? { publicKey } : {}),
    everyHours,
    ...(current ? { fetchedAt: current.at } : {}),
    profiles: subscriptionProfiles(subscription).map(({ profile }) => profile.name),
    ...(lastCheck ? { lastCheck } : {}),
    ...(pending
      ? {
          pending: {
            at: pending.at,
            digest: pending.digest ?? '',
            ...updatePreview(subscription, pending, signedIn),
          },
        }
      : {}),
  };
}
