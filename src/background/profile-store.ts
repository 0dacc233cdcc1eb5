// The user's profiles, and the last one removed (for "Undo"), in storage.local. Validated when
// stored, and read back without validating again only when this build stored exactly what is
// there (checkedStamp): after an update of the extension, whose rules may be stricter, or a change
// made past this store, they are validated; a start of the background validates nothing.
// A profile's client secret is the one secret a profile holds: it is kept sealed beside it (as
// tokens are), never in the clear.

import type { Storage } from '../browser-api/browser.js';
import { sha256Hex, stableJson } from '../core/json.js';
import { type Profile, validateProfile } from '../core/profile.js';
import type { StoredProfile } from '../core/profiles.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { hasClientSecret, withoutClientSecret } from '../core/valid-profile.js';
import { isSealed, open, type Sealed, seal } from './sealing.js';

export const PROFILES_KEY = 'profiles';
export const TRASH_KEY = 'trash';
/** What validation passed the stored profiles: checkedStamp of the build and what it stored. */
export const PROFILES_CHECKED_KEY = 'profilesChecked';

/** The build and a digest of exactly what it validated and stored. */
export const checkedStamp = async (build: string, stored: unknown): Promise<string> =>
  `${build} ${await sha256Hex(stableJson(stored))}`;

/** The last removed profile, kept briefly so "Undo" can bring it back with its sign-in. */
export interface Trash {
  readonly entry: StoredProfile;
  readonly removedAt: number;
}

export interface ProfileStore {
  load(): Promise<StoredProfile[]>;
  save(profiles: readonly StoredProfile[]): Promise<void>;
  loadTrash(): Promise<Trash | undefined>;
  saveTrash(trash: Trash | undefined): Promise<void>;
}

/** A profile as stored: its client secret, if any, sealed apart. */
interface StoredEntry {
  readonly id: string;
  readonly profile: unknown;
  readonly sealedClientSecret?: Sealed;
}

const hasClearSecret = (entry: unknown): boolean =>
  (entry as { profile?: { auth?: { clientSecret?: unknown } } } | undefined)?.profile?.auth?.clientSecret !==
  undefined;

/**
 * `build`: this build's identity (a digest of its sources and data, written by the build); stored
 * profiles that another build checked are checked again.
 */
export function profileStore(
  area: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>,
  key: () => Promise<CryptoKey>,
  build: string,
): ProfileStore {
  const toStored = async ({ id, profile }: StoredProfile): Promise<StoredEntry> => {
    const bare = withoutClientSecret(profile);
    if (!hasClientSecret(profile)) return { id, profile: bare };
    const secret = (profile.auth as { clientSecret: string }).clientSecret;
    return { id, profile: bare, sealedClientSecret: await seal(await key(), secret) };
  };
  /**
   * A stored entry back as a profile, or undefined when it no longer validates; `checked`: this
   * build validated it when it was stored.
   */
  const fromStored = async (entry: unknown, checked: boolean): Promise<StoredProfile | undefined> => {
    const { id, profile, sealedClientSecret } = (entry ?? {}) as Partial<StoredEntry>;
    if (!checked) await publicSuffixListReady();
    const valid = checked ? { ok: true as const, value: profile as Profile } : validateProfile(profile);
    if (typeof id !== 'string' || !valid.ok) return undefined;
    if (!isSealed(sealedClientSecret)) return { id, profile: valid.value };
    // A secret the key can no longer open (its database was cleared) is asked for again.
    const secret = await open(await key(), sealedClientSecret).catch(() => undefined);
    return {
      id,
      profile: { ...valid.value, auth: { ...valid.value.auth, ...(secret ? { clientSecret: secret } : {}) } },
    };
  };
  // Every profile handed to save is a validated one (what the handlers, sync and imports built).
  const save = async (profiles: readonly StoredProfile[]) => {
    const entries = await Promise.all(profiles.map(toStored));
    await area.set({ [PROFILES_KEY]: entries, [PROFILES_CHECKED_KEY]: await checkedStamp(build, entries) });
  };
  return {
    async load() {
      const stored = await area.get([PROFILES_KEY, PROFILES_CHECKED_KEY]);
      const raw = stored[PROFILES_KEY];
      if (!Array.isArray(raw)) return [];
      const checked = stored[PROFILES_CHECKED_KEY] === (await checkedStamp(build, raw));
      const entries = await Promise.all(raw.map((entry) => fromStored(entry, checked)));
      if (entries.includes(undefined))
        console.warn('AutoBearer: ignoring a stored profile that no longer validates');
      const profiles = entries.filter((entry): entry is StoredProfile => entry !== undefined);
      // What this build validated is stored as it reads it (an update may fill in new defaults),
      // stamped, so that it need not be checked again; while one fails, nothing is rewritten.
      // Earlier versions kept client secrets in the clear: sealed now, in any case.
      const validatedAll = !checked && !entries.includes(undefined);
      if (validatedAll || raw.some((entry) => hasClearSecret(entry))) await save(profiles);
      return profiles;
    },
    save,
    async loadTrash() {
      const trash = (await area.get(TRASH_KEY))[TRASH_KEY] as
        | { entry?: unknown; removedAt?: unknown; checked?: unknown }
        | undefined;
      if (!trash) return undefined;
      const entry = await fromStored(trash.entry, trash.checked === (await checkedStamp(build, trash.entry)));
      if (!entry || typeof trash?.removedAt !== 'number') return undefined;
      return { entry, removedAt: trash.removedAt };
    },
    async saveTrash(trash) {
      if (trash) {
        const entry = await toStored(trash.entry);
        await area.set({
          [TRASH_KEY]: { entry, removedAt: trash.removedAt, checked: await checkedStamp(build, entry) },
        });
      } else await area.remove(TRASH_KEY);
    },
  };
}
