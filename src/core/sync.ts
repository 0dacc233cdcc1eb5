// The user's own profiles in the browser's sync storage (opt-in): never a token, a password or a
// client secret; split into items under the per-item quota; merged per profile, the later change
// winning (a removal is a change too). Pure: background/sync.ts reads and writes the areas.

import { movedDestinations } from './auth-requests.js';
import { previewImport } from './import-preview.js';
import { stableJson } from './json.js';
import { type Profile, validateProfile } from './profile.js';
import { wideningOf } from './subscriptions.js';
import { t } from './text.js';
import { keepClientSecret, withoutClientSecret } from './valid-profile.js';
import type { SyncWaitingView } from './view.js';

/** chrome.storage.sync's quotas (Firefox's are the same): 8 KB per item, 100 KB in all. */
export const SYNC_ITEM_BYTES = 8_192;
export const SYNC_TOTAL_BYTES = 102_400;
/** A removal is remembered this long, so that a browser that was away does not bring it back. */
export const REMOVAL_MEMORY_MS = 60 * 24 * 3_600_000;
export const SYNC_PREFIX = 'profiles.';
/** chrome.storage.sync's MAX_ITEMS: a count above it is no state another browser wrote. */
export const SYNC_MAX_ITEMS = 512;

/** The synced state: each profile by name with when it last changed, and the names removed. */
export interface SyncState {
  readonly profiles: Readonly<Record<string, { readonly changedAt: number; readonly profile: Profile }>>;
  readonly removed: Readonly<Record<string, number>>;
}

export const EMPTY_SYNC: SyncState = { profiles: {}, removed: {} };

/** What this browser remembers of the last sync: each profile's text then, and when it changed. */
export interface SyncMemory {
  readonly known: Readonly<Record<string, { readonly text: string; readonly changedAt: number }>>;
  readonly removed: Readonly<Record<string, number>>;
}

export const EMPTY_MEMORY: SyncMemory = { known: {}, removed: {} };

/** A profile as it may leave the browser: without its client secret. */
const shareable = (profile: Profile): Profile => withoutClientSecret(profile);
const textOf = (profile: Profile): string => stableJson(shareable(profile));

/**
 * This browser's profiles as a sync state: a profile whose text differs from the last sync's
 * changed now; a name the last sync knew that is gone was removed now.
 */
export function localState(profiles: readonly Profile[], memory: SyncMemory, now: number): SyncState {
  const entries = profiles.map((profile) => {
    const known = memory.known[profile.name];
    const changedAt = known && known.text === textOf(profile) ? known.changedAt : now;
    return [profile.name, { changedAt, profile: shareable(profile) }] as const;
  });
  const present = Object.fromEntries(entries);
  const removed = { ...memory.removed };
  for (const name of Object.keys(memory.known)) if (!present[name]) removed[name] ??= now;
  // A profile made again after a removal: the removal is past.
  for (const [name, { changedAt }] of entries) if ((removed[name] ?? -1) < changedAt) delete removed[name];
  return { profiles: present, removed };
}

/**
 * Two states as one: per name, the later change wins, a removal included (at the same moment,
 * the profile stays). Removals older than `REMOVAL_MEMORY_MS` are forgotten.
 */
export function mergeSync(a: SyncState, b: SyncState, now: number): SyncState {
  const profiles: Record<string, SyncState['profiles'][string]> = {};
  const removed: Record<string, number> = {};
  const names = new Set([
    ...Object.keys(a.profiles),
    ...Object.keys(b.profiles),
    ...Object.keys(a.removed),
    ...Object.keys(b.removed),
  ]);
  for (const name of names) {
    const candidates = [a.profiles[name], b.profiles[name]].filter((p) => p !== undefined);
    const newest = candidates.sort((x, y) => y.changedAt - x.changedAt)[0];
    const removedAt = Math.max(a.removed[name] ?? -1, b.removed[name] ?? -1);
    if (newest && newest.changedAt >= removedAt) profiles[name] = newest;
    else if (removedAt >= 0 && now - removedAt < REMOVAL_MEMORY_MS) removed[name] = removedAt;
  }
  return { profiles, removed };
}

/** What this browser remembers after a sync to `state`. */
export const memoryOf = (state: SyncState): SyncMemory => ({
  known: Object.fromEntries(
    Object.entries(state.profiles).map(([name, { changedAt, profile }]) => [
      name,
      { text: textOf(profile), changedAt },
    ]),
  ),
  removed: state.removed,
});

/** Bytes as the sync quota counts them: the key and the value's JSON. */
const itemBytes = (key: string, value: unknown): number =>
  new TextEncoder().encode(key + JSON.stringify(value)).byteLength;

/**
 * The state as sync items: its JSON cut into pieces that each fit an item (`profiles.0`, …), and
 * `profiles.n`, how many; or, when the whole is above the quota, why not.
 */
export function splitForSync(state: SyncState): { items: Record<string, unknown> } | { tooLarge: string } {
  const text = stableJson(state);
  const items: Record<string, unknown> = {};
  // A piece's JSON escapes quotes and backslashes: cut by characters, check the bytes, cut smaller.
  let index = 0;
  for (let at = 0; at < text.length; index++) {
    let size = Math.min(text.length - at, SYNC_ITEM_BYTES / 2);
    while (size > 1 && itemBytes(`${SYNC_PREFIX}${index}`, text.slice(at, at + size)) > SYNC_ITEM_BYTES - 64)
      size = Math.floor(size * 0.9);
    items[`${SYNC_PREFIX}${index}`] = text.slice(at, at + size);
    at += size;
  }
  items[`${SYNC_PREFIX}n`] = index;
  const total = Object.entries(items).reduce((sum, [key, value]) => sum + itemBytes(key, value), 0);
  if (total > SYNC_TOTAL_BYTES - 1_024)
    return { tooLarge: t('syncTooLarge', Math.ceil(total / 1024), SYNC_TOTAL_BYTES / 1024) };
  return { items };
}

/**
 * The state the sync items hold; EMPTY_SYNC for none, undefined while they are incomplete or
 * beyond what the browser's sync quota lets any browser write (checked before anything is
 * allocated for them). A change time ahead of `now` (a clock ahead, or a hostile writer that
 * would win every merge) counts as `now`.
 */
export function joinFromSync(items: Readonly<Record<string, unknown>>, now: number): SyncState | undefined {
  const count = items[`${SYNC_PREFIX}n`];
  if (count === undefined) return EMPTY_SYNC;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > SYNC_MAX_ITEMS)
    return undefined;
  const pieces: string[] = [];
  let length = 0;
  for (let i = 0; i < count; i++) {
    const piece = items[`${SYNC_PREFIX}${i}`];
    if (typeof piece !== 'string') return undefined;
    length += piece.length;
    if (piece.length > SYNC_ITEM_BYTES || length > SYNC_TOTAL_BYTES) return undefined;
    pieces.push(piece);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(pieces.join(''));
  } catch {
    return undefined; // another browser's write is arriving piece by piece
  }
  return readState(raw, now);
}

/** A state read from sync, every profile checked again: another browser is not trusted more. */
function readState(raw: unknown, now: number): SyncState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { profiles, removed } = raw as { profiles?: unknown; removed?: unknown };
  if (typeof profiles !== 'object' || profiles === null) return undefined;
  const kept: Record<string, SyncState['profiles'][string]> = {};
  for (const [name, entry] of Object.entries(profiles)) {
    const { changedAt, profile } = (entry ?? {}) as { changedAt?: unknown; profile?: unknown };
    const valid = validateProfile(profile);
    if (typeof changedAt === 'number' && Number.isFinite(changedAt) && valid.ok && valid.value.name === name)
      kept[name] = { changedAt: Math.min(changedAt, now), profile: shareable(valid.value) };
  }
  const removals =
    typeof removed === 'object' && removed !== null
      ? Object.fromEntries(
          Object.entries(removed)
            .filter(
              (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
            )
            .map(([name, at]) => [name, Math.min(at, now)]),
        )
      : {};
  return { profiles: kept, removed: removals as Record<string, number> };
}

/** Whether two states hold the same (so nothing need be written). */
export const sameState = (a: SyncState, b: SyncState): boolean => stableJson(a) === stableJson(b);

/**
 * Whether a synced version of one of this browser's profiles widens where it sends a token or a
 * credential (the import preview's and subscriptions' rule, import-preview.ts): then it waits
 * for the user, and arrives signed out.
 */
export function syncWidens(here: Profile, incoming: Profile): boolean {
  return wideningOf(previewImport([{ profile: here, signedIn: false }], [incoming])).length > 0;
}

/**
 * A synced version as this browser stores it: with the client secret kept here only where every
 * credential destination is unchanged (a secret never follows a moved token endpoint).
 */
export function arrivedProfile(incoming: Profile, here: Profile | undefined): Profile {
  if (!here) return incoming;
  const kept = keepClientSecret(incoming, here);
  return movedDestinations(here.auth, kept.auth).length === 0 ? kept : incoming;
}

/** What the options page shows of the waiting versions: each as an import's preview would. */
export function waitingView(
  waiting: SyncState['profiles'],
  own: ReadonlyArray<{ readonly profile: Profile; readonly signedIn: boolean }>,
): SyncWaitingView[] {
  return Object.values(waiting).flatMap(({ changedAt, profile }) => {
    const here = own.find((entry) => entry.profile.name === profile.name);
    if (!here) return [];
    const preview = previewImport([here], [profile]);
    const [item] = preview.profiles;
    return item ? [{ name: profile.name, changedAt, item, widening: wideningOf(preview) }] : [];
  });
}
