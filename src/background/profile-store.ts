// Profiles in storage.local under one key, validated on every read. A profile's client secret is
// the one secret a profile holds: it is kept sealed beside it (as tokens are), never in the clear.
import {
  hasClientSecret,
  type Profile,
  parseProfileFile,
  validateProfile,
  withoutClientSecret,
} from '../core/profile.js';
import type { PublicStatus } from '../core/session.js';
import type { Storage } from '../platform/browser.js';
import { isSealed, open, type Sealed, seal } from './sealing.js';

export interface StoredProfile {
  /** Internal, stable across renames; never in the profile file. */
  readonly id: string;
  readonly profile: Profile;
  /** Pushed by the organization through enterprise policy (storage.managed): read-only here. */
  readonly managed?: boolean;
}

/** The organization's profiles, from the policy's `profileFile` (the profile file as JSON text). */
export interface ManagedProfiles {
  readonly profiles: StoredProfile[];
  /** Why the policy's file was refused, when it was. */
  readonly problems: string[];
}

export function managedProfiles(profileFileText: unknown): ManagedProfiles {
  if (profileFileText === undefined || profileFileText === null || profileFileText === '')
    return { profiles: [], problems: [] };
  if (typeof profileFileText !== 'string')
    return { profiles: [], problems: ['profileFile: must be the profile file as JSON text'] };
  const parsed = parseProfileFile(profileFileText);
  if (!parsed.ok) return { profiles: [], problems: parsed.problems };
  return {
    profiles: parsed.value.profiles.map((profile) => ({
      id: `managed:${profile.name}`,
      profile,
      managed: true,
    })),
    problems: [],
  };
}

export const PROFILES_KEY = 'profiles';
export const STATUS_KEY = 'status';
export const TRASH_KEY = 'trash';
export const DIAGNOSTICS_KEY = 'diagnostics';
export const MANAGED_COPY_KEY = 'managedProfileFile';
export const DISCOVERED_KEY = 'discovered';

/** What the last reconciliation did and how long it took: for "is it working?" and the benchmarks. */
export interface Diagnostics {
  readonly syncedAt: number;
  readonly syncMs: number;
  readonly rules: number;
}

/** The last removed profile, kept briefly so "Undo" can bring it back with its sign-in. */
export interface Trash {
  readonly entry: StoredProfile;
  readonly removedAt: number;
}

export interface ProfileStore {
  load(): Promise<StoredProfile[]>;
  save(profiles: readonly StoredProfile[]): Promise<void>;
  publishStatus(status: Readonly<Record<string, PublicStatus>>, diagnostics: Diagnostics): Promise<void>;
  /** The last `profileFile` read from storage.managed (which can take seconds to answer at a browser start). */
  loadManagedCopy(): Promise<unknown>;
  saveManagedCopy(profileFile: unknown): Promise<void>;
  loadTrash(): Promise<Trash | undefined>;
  saveTrash(trash: Trash | undefined): Promise<void>;
  /** The endpoints each issuer's discovery last named, by issuer (no secret: public metadata). */
  loadDiscovered(): Promise<Record<string, string[]>>;
  saveDiscovered(issuer: string, endpoints: string[]): Promise<void>;
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
  const loadDiscovered = async (): Promise<Record<string, string[]>> => {
    const raw = (await area.get(DISCOVERED_KEY))[DISCOVERED_KEY];
    if (typeof raw !== 'object' || raw === null) return {};
    return Object.fromEntries(
      Object.entries(raw).filter(
        (entry): entry is [string, string[]] =>
          Array.isArray(entry[1]) && entry[1].every((url) => typeof url === 'string'),
      ),
    );
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
    async publishStatus(status, diagnostics) {
      await area.set({ [STATUS_KEY]: status, [DIAGNOSTICS_KEY]: diagnostics });
    },
    async loadManagedCopy() {
      return (await area.get(MANAGED_COPY_KEY))[MANAGED_COPY_KEY];
    },
    async saveManagedCopy(profileFile) {
      if (profileFile === undefined) await area.remove(MANAGED_COPY_KEY);
      else await area.set({ [MANAGED_COPY_KEY]: profileFile });
    },
    async loadTrash() {
      const trash = (await area.get(TRASH_KEY))[TRASH_KEY] as
        | { entry?: unknown; removedAt?: unknown }
        | undefined;
      const entry = await fromStored(trash?.entry);
      if (!entry || typeof trash?.removedAt !== 'number') return undefined;
      return { entry, removedAt: trash.removedAt };
    },
    loadDiscovered,
    async saveDiscovered(issuer, endpoints) {
      const all = await loadDiscovered();
      if (JSON.stringify(all[issuer]) === JSON.stringify(endpoints)) return;
      await area.set({ [DISCOVERED_KEY]: { ...all, [issuer]: endpoints } });
    },
    async saveTrash(trash) {
      if (trash)
        await area.set({ [TRASH_KEY]: { entry: await toStored(trash.entry), removedAt: trash.removedAt } });
      else await area.remove(TRASH_KEY);
    },
  };
}
