// Two small records in storage.local beside the profiles: the last policy file read, and the
// endpoints each issuer's discovery named. Neither holds a secret.
import type { Storage } from '../platform/browser.js';

export const POLICY_COPY_KEY = 'managedProfileFile';
export const DISCOVERED_KEY = 'discovered';

type Area = Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>;

export interface PolicyCopyStore {
  load(): Promise<unknown>;
  save(profileFile: unknown): Promise<void>;
}

export function policyCopyStore(area: Area): PolicyCopyStore {
  return {
    async load() {
      return (await area.get(POLICY_COPY_KEY))[POLICY_COPY_KEY];
    },
    async save(profileFile) {
      if (profileFile === undefined) await area.remove(POLICY_COPY_KEY);
      else await area.set({ [POLICY_COPY_KEY]: profileFile });
    },
  };
}

/** The endpoints each issuer's discovery last named, by issuer (public metadata). */
export interface DiscoveryStore {
  load(): Promise<Record<string, string[]>>;
  save(issuer: string, endpoints: string[]): Promise<void>;
}

export function discoveryStore(area: Area): DiscoveryStore {
  const load = async (): Promise<Record<string, string[]>> => {
    const raw = (await area.get(DISCOVERED_KEY))[DISCOVERED_KEY];
    if (typeof raw !== 'object' || raw === null) return {};
    return Object.fromEntries(
      Object.entries(raw).filter(
        (entry): entry is [string, string[]] =>
          Array.isArray(entry[1]) && entry[1].every((url) => typeof url === 'string'),
      ),
    );
  };
  return {
    load,
    async save(issuer, endpoints) {
      const all = await load();
      if (JSON.stringify(all[issuer]) === JSON.stringify(endpoints)) return;
      await area.set({ [DISCOVERED_KEY]: { ...all, [issuer]: endpoints } });
    },
  };
}
