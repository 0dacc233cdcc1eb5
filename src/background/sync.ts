// The user's own profiles through the browser's sync storage (core/sync.ts decides; this reads
// and writes). Opt-in per browser; what it remembers of the last sync lives in storage.local.
import { stableJson } from '../core/json.js';
import { keepClientSecret } from '../core/profile.js';
import {
  EMPTY_MEMORY,
  joinFromSync,
  localState,
  memoryOf,
  mergeSync,
  SYNC_PREFIX,
  type SyncMemory,
  sameState,
  splitForSync,
} from '../core/sync.js';
import type { Storage } from '../platform/browser.js';
import type { ProfileStore } from './profile-store.js';
import { type Queue, queue } from './queue.js';

export const SYNC_SETTINGS_KEY = 'sync';

/** Whether this browser syncs, what it remembers of the last sync, and how that went. */
export interface SyncSettings {
  readonly enabled: boolean;
  readonly memory: SyncMemory;
  readonly last?: { readonly at: number; readonly ok: boolean; readonly message?: string };
}

type Area = Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>;

export interface SyncDeps {
  readonly local: Area;
  /** storage.sync */
  readonly sync: Area;
  readonly profiles: ProfileStore;
  readonly now: () => number;
  readonly newId: () => string;
  /** Signs out (and forgets the accounts of) a profile another browser removed. */
  readonly forgetSignIns: (profileId: string) => Promise<void>;
}

export class ProfileSync {
  private readonly inTurn: Queue = queue();

  constructor(private readonly deps: SyncDeps) {}

  async settings(): Promise<SyncSettings> {
    const raw = (await this.deps.local.get(SYNC_SETTINGS_KEY))[SYNC_SETTINGS_KEY] as SyncSettings | undefined;
    return raw && typeof raw.enabled === 'boolean' ? raw : { enabled: false, memory: EMPTY_MEMORY };
  }

  /** Turns sync on (a first sync at once) or off (what is in sync stays for the other browsers). */
  async setEnabled(enabled: boolean): Promise<void> {
    await this.inTurn(async () => {
      const settings = await this.settings();
      await this.save({ ...settings, enabled, memory: enabled ? settings.memory : EMPTY_MEMORY });
    });
    if (enabled) await this.run();
  }

  /**
   * One sync: this browser's profiles and the synced ones merged, each side given what it lacks.
   * Called when either changes; does nothing while sync is off, and writes nothing that is the
   * same. Says whether this browser's profiles changed.
   */
  run(): Promise<boolean> {
    return this.inTurn(async () => {
      const settings = await this.settings();
      if (!settings.enabled) return false;
      const { local, sync, profiles, now: clock } = this.deps;
      const now = clock();
      const items = await sync.get(null);
      const remote = joinFromSync(items);
      if (!remote) return false; // another browser's write is still arriving: its last piece calls again
      const own = await profiles.load();
      const mine = localState(
        own.map((entry) => entry.profile),
        settings.memory,
        now,
      );
      const merged = mergeSync(mine, remote, now);

      // This browser: the merged profiles, each keeping its id and its client secret here.
      const byName = new Map(own.map((entry) => [entry.profile.name, entry]));
      const next = Object.values(merged.profiles).map(({ profile }) => {
        const here = byName.get(profile.name);
        return here
          ? { id: here.id, profile: keepClientSecret(profile, here.profile) }
          : { id: this.deps.newId(), profile };
      });
      const changedHere = stableJson(next) !== stableJson(own);
      if (changedHere) {
        await profiles.save(next);
        for (const entry of own)
          if (!merged.profiles[entry.profile.name]) await this.deps.forgetSignIns(entry.id);
      }

      // The other browsers: the merged state, if it differs from what sync holds.
      let last: SyncSettings['last'] = { at: now, ok: true };
      if (!sameState(merged, remote)) {
        const split = splitForSync(merged);
        if ('tooLarge' in split) last = { at: now, ok: false, message: split.tooLarge };
        else {
          await sync.set(split.items);
          const stale = Object.keys(items).filter(
            (key) => key.startsWith(SYNC_PREFIX) && !(key in split.items),
          );
          if (stale.length) await sync.remove(stale);
        }
      }
      await local.set({ [SYNC_SETTINGS_KEY]: { enabled: true, memory: memoryOf(merged), last } });
      return changedHere;
    });
  }

  private save(settings: SyncSettings): Promise<void> {
    return this.deps.local.set({ [SYNC_SETTINGS_KEY]: settings });
  }
}
