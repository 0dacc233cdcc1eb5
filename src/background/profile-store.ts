// Profiles (configuration, no secrets) in storage.local under one key, validated on every read.
import type { Profile } from '../core/profile.js';
import { validateProfile } from '../core/profile.js';
import type { PublicStatus } from '../core/session.js';
import type { Storage } from '../platform/browser.js';

export interface StoredProfile {
  /** Internal, stable across renames; never in the profile file. */
  readonly id: string;
  readonly profile: Profile;
}

export const PROFILES_KEY = 'profiles';
export const STATUS_KEY = 'status';
export const TRASH_KEY = 'trash';

/** The last removed profile, kept briefly so "Undo" can bring it back with its sign-in. */
export interface Trash {
  readonly entry: StoredProfile;
  readonly removedAt: number;
}

export interface ProfileStore {
  load(): Promise<StoredProfile[]>;
  save(profiles: readonly StoredProfile[]): Promise<void>;
  publishStatus(status: Readonly<Record<string, PublicStatus>>): Promise<void>;
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
    async publishStatus(status) {
      await area.set({ [STATUS_KEY]: status });
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
