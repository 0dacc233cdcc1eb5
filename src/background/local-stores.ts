// Small records in storage.local beside the profiles: the last policy file read, the endpoints
// each issuer's discovery named, and the profile files this build validated. None holds a secret.

import type { Storage } from '../browser-api/browser.js';
import type { ProfileFile } from '../core/profile.js';

export const POLICY_COPY_KEY = 'managedProfileFile';
export const DISCOVERED_KEY = 'discovered';
export const CHECKED_FILES_KEY = 'checkedFiles';

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

export const TERMINAL_POLICY_COPY_KEY = 'managedTerminalAccess';

/** The policy's `terminalAccess`, as last read (storage.managed is slow in Chromium): true unless it said false. */
export interface TerminalPolicyCopy {
  load(): Promise<boolean>;
  save(allowed: boolean): Promise<void>;
}

export function terminalPolicyCopy(area: Area): TerminalPolicyCopy {
  return {
    load: async () => (await area.get(TERMINAL_POLICY_COPY_KEY))[TERMINAL_POLICY_COPY_KEY] !== false,
    save: (allowed) =>
      allowed ? area.remove(TERMINAL_POLICY_COPY_KEY) : area.set({ [TERMINAL_POLICY_COPY_KEY]: false }),
  };
}

/** What an issuer's discovery last named (public metadata). */
export interface Discovered {
  /** Every endpoint, for the plain-http warning. */
  readonly endpoints: readonly string[];
  /** The one the extension calls: its host needs access, wherever it is. */
  readonly tokenEndpoint?: string;
}

export interface DiscoveryStore {
  load(): Promise<Record<string, Discovered>>;
  save(issuer: string, discovered: Discovered): Promise<void>;
}

const isUrlList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((url) => typeof url === 'string');

/** A stored entry; one written before the token endpoint was kept is a bare list. */
function readDiscovered(value: unknown): Discovered | undefined {
  if (isUrlList(value)) return { endpoints: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const { endpoints, tokenEndpoint } = value as Record<string, unknown>;
  if (!isUrlList(endpoints)) return undefined;
  return typeof tokenEndpoint === 'string' ? { endpoints, tokenEndpoint } : { endpoints };
}

export function discoveryStore(area: Area): DiscoveryStore {
  const load = async (): Promise<Record<string, Discovered>> => {
    const raw = (await area.get(DISCOVERED_KEY))[DISCOVERED_KEY];
    if (typeof raw !== 'object' || raw === null) return {};
    return Object.fromEntries(
      Object.entries(raw).flatMap(([issuer, value]) => {
        const read = readDiscovered(value);
        return read ? [[issuer, read]] : [];
      }),
    );
  };
  return {
    load,
    async save(issuer, discovered) {
      const all = await load();
      if (JSON.stringify(all[issuer]) === JSON.stringify(discovered)) return;
      await area.set({ [DISCOVERED_KEY]: { ...all, [issuer]: discovered } });
    },
  };
}

/**
 * The policy's and the subscriptions' files as this build's validation passed them, by a digest
 * of their text: a start reads their profiles rather than validating the same text again (which
 * needs the Public Suffix List). Another build's record is not used: its rules may differ.
 */
export interface CheckedFileStore {
  load(): Promise<Record<string, ProfileFile>>;
  save(files: Record<string, ProfileFile>): Promise<void>;
}

export function checkedFileStore(area: Area, build: string): CheckedFileStore {
  return {
    async load() {
      const stored = (await area.get(CHECKED_FILES_KEY))[CHECKED_FILES_KEY] as
        | { build?: unknown; files?: Record<string, ProfileFile> }
        | undefined;
      return stored?.build === build && stored.files ? stored.files : {};
    },
    async save(files) {
      await area.set({ [CHECKED_FILES_KEY]: { build, files } });
    },
  };
}
