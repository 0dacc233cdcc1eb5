// Profiles (configuration, no secrets) in storage.local under one key, validated on every read.
import type { Profile } from '../core/profile.js';
import { parseProfileFile, validateProfile } from '../core/profile.js';
import type { PublicStatus } from '../core/session.js';
import type { Storage } from '../platform/browser.js';

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
}

export function profileStore(area: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>): ProfileStore {
  return {
    async load() {
      const raw = (await area.get(PROFILES_KEY))[PROFILES_KEY];
      if (!Array.isArray(raw)) return [];
      return raw.flatMap((entry: unknown): StoredProfile[] => {
        const { id, profile } = (entry ?? {}) as { id?: unknown; profile?: unknown };
        const valid = validateProfile(profile);
        if (typeof id !== 'string' || !valid.ok) {
          console.warn('AutoBearer: ignoring a stored profile that no longer validates');
          return [];
        }
        return [{ id, profile: valid.value }];
      });
    },
    async save(profiles) {
      await area.set({ [PROFILES_KEY]: profiles });
    },
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
      const trash = (await area.get(TRASH_KEY))[TRASH_KEY] as Partial<Trash> | undefined;
      const valid = validateProfile(trash?.entry?.profile);
      if (
        !trash?.entry ||
        typeof trash.entry.id !== 'string' ||
        typeof trash.removedAt !== 'number' ||
        !valid.ok
      ) {
        return undefined;
      }
      return { entry: { id: trash.entry.id, profile: valid.value }, removedAt: trash.removedAt };
    },
    async saveTrash(trash) {
      if (trash) await area.set({ [TRASH_KEY]: trash });
      else await area.remove(TRASH_KEY);
    },
  };
}
