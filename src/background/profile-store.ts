// The user's profiles, and the last one removed (for "Undo"), in storage.local, validated on every
// read. A profile's client secret is the one secret a profile holds: it is kept sealed beside it
// (as tokens are), never in the clear.
import { hasClientSecret, validateProfile, withoutClientSecret } from '../core/profile.js';
import type { StoredProfile } from '../core/profiles.js';
import type { Storage } from '../platform/browser.js';
import { isSealed, open, type Sealed, seal } from './sealing.js';

export const PROFILES_KEY = 'profiles';
export const TRASH_KEY = 'trash';

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

export function profileStore(
  area: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>,
  key: () => Promise<CryptoKey>,
): ProfileStore {
  const toStored = async ({ id, profile }: StoredProfile): Promise<StoredEntry> => {
    const bare = withoutClientSecret(profile);
    if (!hasClientSecret(profile)) return { id, profile: bare };
    const secret = (profile.auth as { clientSecret: string }).clientSecret;
    return { id, profile: bare, sealedClientSecret: await seal(await key(), secret) };
  };
  /** A stored entry back as a profile, or undefined when it no longer validates. */
  const fromStored = async (entry: unknown): Promise<StoredProfile | undefined> => {
    const { id, profile, sealedClientSecret } = (entry ?? {}) as Partial<StoredEntry>;
    const valid = validateProfile(profile);
    if (typeof id !== 'string' || !valid.ok) return undefined;
    if (!isSealed(sealedClientSecret)) return { id, profile: valid.value };
    // A secret the key can no longer open (its database was cleared) is asked for again.
    const secret = await open(await key(), sealedClientSecret).catch(() => undefined);
    return {
      id,
      profile: { ...valid.value, auth: { ...valid.value.auth, ...(secret ? { clientSecret: secret } : {}) } },
    };
  };
  const save = async (profiles: readonly StoredProfile[]) => {
    await area.set({ [PROFILES_KEY]: await Promise.all(profiles.map(toStored)) });
  };
  return {
    async load() {
      const raw = (await area.get(PROFILES_KEY))[PROFILES_KEY];
      if (!Array.isArray(raw)) return [];
      const entries = await Promise.all(raw.map(fromStored));
      if (entries.includes(undefined))
        console.warn('AutoBearer: ignoring a stored profile that no longer validates');
      const profiles = entries.filter((entry): entry is StoredProfile => entry !== undefined);
      // Earlier versions kept client secrets in the clear: seal them now.
      if (raw.some((entry) => hasClearSecret(entry))) await save(profiles);
      return profiles;
    },
    save,
    async loadTrash() {
      const trash = (await area.get(TRASH_KEY))[TRASH_KEY] as
        | { entry?: unknown; removedAt?: unknown }
        | undefined;
      const entry = await fromStored(trash?.entry);
      if (!entry || typeof trash?.removedAt !== 'number') return undefined;
      return { entry, removedAt: trash.removedAt };
    },
    async saveTrash(trash) {
      if (trash)
        await area.set({ [TRASH_KEY]: { entry: await toStored(trash.entry), removedAt: trash.removedAt } });
      else await area.remove(TRASH_KEY);
    },
  };
}
