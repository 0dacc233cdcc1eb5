// The user's own profiles through the browser's sync storage (core/sync.ts decides; this reads
// and writes). Opt-in per browser; what it remembers of the last sync lives in storage.local.

import type { Storage } from '../browser-api/browser.js';
import { stableJson } from '../core/json.js';
import type { Profile } from '../core/profile.js';
import { mergeByName } from '../core/profiles.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import type { Outcome } from '../core/session.js';
import {
  arrivedProfile,
  EMPTY_MEMORY,
  joinFromSync,
  localState,
  memoryOf,
  mergeSync,
  SYNC_PREFIX,
  type SyncMemory,
  type SyncState,
  sameState,
  splitForSync,
  syncWidens,
} from '../core/sync.js';
import { t } from '../core/text.js';
import { withoutClientSecret } from '../core/valid-profile.js';
import { UserError } from '../messages/protocol.js';
import type { ProfileStore } from './profile-store.js';
import { type Queue, queue } from './queue.js';

export const SYNC_SETTINGS_KEY = 'sync';

/** Whether this browser syncs, what it remembers of the last sync, and how that went. */
export interface SyncSettings {
  readonly enabled: boolean;
  readonly memory: SyncMemory;
  readonly last?: Outcome;
  /**
   * Another browser's versions of profiles here that widen where they send a token or a
   * credential (syncWidens), by name: they wait for the user's Accept, and this browser keeps its
   * own meanwhile.
   */
  readonly waiting?: SyncState['profiles'];
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
  /** Signs every account of a profile out, with the reason (a widening version was accepted). */
  readonly signOut: (profileId: string, reason: string) => Promise<void>;
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
   * same. Says whether this browser's profiles, or the versions waiting for the user, changed.
   */
  run(): Promise<boolean> {
    return this.inTurn(async () => {
      const settings = await this.settings();
      if (!settings.enabled) return false;
      const { sync, profiles, now: clock } = this.deps;
      const now = clock();
      const items = await sync.get(null);
      await publicSuffixListReady();
      const remote = joinFromSync(items, now);
      if (!remote) return false; // another browser's write is still arriving: its last piece calls again
      const own = await profiles.load();
      const mine = localState(
        own.map((entry) => entry.profile),
        settings.memory,
        now,
      );
      const merged = mergeSync(mine, remote, now);

      // This browser: the merged profiles, each keeping its id (and its client secret where its
      // destinations stay); a version that widens one of them waits for the user, this one stays.
      const waiting: Record<string, SyncState['profiles'][string]> = {};
      const memory = {
        known: { ...memoryOf(merged).known } as Record<string, SyncMemory['known'][string]>,
        removed: merged.removed,
      };
      const next = mergeByName(
        own,
        Object.values(merged.profiles).map((arrival) => arrival.profile),
        this.deps.newId,
        (profile, here) => {
          const mine = withoutClientSecret(here);
          if (stableJson(mine) === stableJson(profile) || !syncWidens(here, profile))
            return arrivedProfile(profile, here);
          const arrival = merged.profiles[profile.name] as SyncState['profiles'][string];
          waiting[profile.name] = arrival;
          // Remembered as a change just before the other browser's: it keeps winning the merge
          // (so sync keeps it) until the user accepts it, discards it, or edits the profile here.
          memory.known[profile.name] = { text: stableJson(mine), changedAt: arrival.changedAt - 1 };
          return here;
        },
      );
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
      await this.save({
        enabled: true,
        memory,
        last,
        ...(Object.keys(waiting).length ? { waiting } : {}),
      });
      return changedHere || stableJson(waiting) !== stableJson(settings.waiting ?? {});
    });
  }

  /**
   * Another browser's waiting version of profile `name` replaces this browser's, signed out, if
   * it is still the one the user saw (`changedAt`); `discard` keeps this browser's instead, which
   * then counts as changed now and goes to the other browsers.
   */
  async settleWaiting(
    name: string,
    { changedAt, discard = false }: { changedAt?: number; discard?: boolean },
  ) {
    await this.inTurn(async () => {
      const settings = await this.settings();
      const arrival = settings.waiting?.[name];
      if (!arrival) throw new UserError(t('syncNothingWaits', name));
      if (!discard && arrival.changedAt !== changedAt) throw new UserError(t('syncWaitingChanged', name));
      const { [name]: _settled, ...waiting } = settings.waiting ?? {};
      const { [name]: _known, ...rest } = settings.memory.known;
      const known: Record<string, SyncMemory['known'][string]> = rest;
      if (!discard) {
        const own = await this.deps.profiles.load();
        const here = own.find((entry) => entry.profile.name === name);
        if (here) {
          const profile: Profile = arrivedProfile(arrival.profile, here.profile);
          await this.deps.profiles.save(
            own.map((entry) => (entry === here ? { id: here.id, profile } : entry)),
          );
          await this.deps.signOut(here.id, t('signedOutSyncedChange'));
        }
        known[name] = { text: stableJson(arrival.profile), changedAt: arrival.changedAt };
      }
      await this.save({ ...settings, memory: { ...settings.memory, known }, waiting });
    });
    await this.run();
  }

  private save(settings: SyncSettings): Promise<void> {
    return this.deps.local.set({ [SYNC_SETTINGS_KEY]: settings });
  }
}
