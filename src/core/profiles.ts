// The profiles in force: the organization's (from a policy) and the user's, each with its id. Pure.
import { type Profile, parseProfileFile } from './profile.js';

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

export interface ProfilesInForce {
  readonly profiles: StoredProfile[];
  /** Why the policy's file was refused, when it was. */
  readonly problems: string[];
}

/** The organization's profiles first, then the user's: a user profile of the same name gives way. */
export function profilesInForce(policyFile: unknown, own: readonly StoredProfile[]): ProfilesInForce {
  const managed = managedProfiles(policyFile);
  const names = new Set(managed.profiles.map((entry) => entry.profile.name));
  return {
    profiles: [...managed.profiles, ...own.filter((entry) => !names.has(entry.profile.name))],
    problems: managed.problems,
  };
}
