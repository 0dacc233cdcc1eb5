// The profiles in force: the organization's (from a policy) and the user's, each with its id. Pure.
import { type Profile, type ProfileFile, parseProfileFile, type Validated } from './profile.js';

/** How a profile file's text becomes profiles: parseProfileFile, or a copy of what it said before. */
export type ParseProfileFile = (text: string) => Validated<ProfileFile>;

export interface StoredProfile {
  /** Internal, stable across renames; never in the profile file. */
  readonly id: string;
  readonly profile: Profile;
  /** Pushed by the organization through enterprise policy (storage.managed): read-only here. */
  readonly managed?: boolean;
  /** The name of the subscription (a team's shared file) it comes from: read-only here too. */
  readonly subscription?: string;
}

/** The organization's profiles, from the policy's `profileFile` (the profile file as JSON text). */
export interface ManagedProfiles {
  readonly profiles: StoredProfile[];
  /** Why the policy's file was refused, when it was. */
  readonly problems: string[];
}

export function managedProfiles(
  profileFileText: unknown,
  parse: ParseProfileFile = parseProfileFile,
): ManagedProfiles {
  if (profileFileText === undefined || profileFileText === null || profileFileText === '')
    return { profiles: [], problems: [] };
  if (typeof profileFileText !== 'string')
    return { profiles: [], problems: ['profileFile: must be the profile file as JSON text'] };
  const parsed = parse(profileFileText);
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

/**
 * The organization's profiles first, then the subscriptions' (a team's files), then the user's:
 * a profile whose name an earlier one took gives way (and the preview of a subscription says so).
 */
export function profilesInForce(
  policyFile: unknown,
  own: readonly StoredProfile[],
  subscribed: readonly StoredProfile[] = [],
  parse: ParseProfileFile = parseProfileFile,
): ProfilesInForce {
  const managed = managedProfiles(policyFile, parse);
  const names = new Set<string>();
  const profiles = [...managed.profiles, ...subscribed, ...own].filter((entry) => {
    if (names.has(entry.profile.name)) return false;
    names.add(entry.profile.name);
    return true;
  });
  return { profiles, problems: managed.problems };
}

/**
 * Profiles that arrive (an import, another browser's sync) in place of the user's own: one that
 * has a stored namesake keeps its id, so its sign-ins stay its own, and becomes what `arrived`
 * makes of the two (which decides whether the stored client secret stays: an import's preview
 * shows where it goes, sync must not move it unseen); a new name gets a new id. The stored
 * profiles the arrivals do not name are not in the result.
 */
export function mergeByName(
  stored: readonly StoredProfile[],
  arrivals: readonly Profile[],
  newId: () => string,
  arrived: (incoming: Profile, stored: Profile) => Profile,
): StoredProfile[] {
  const byName = new Map(stored.map((entry) => [entry.profile.name, entry]));
  return arrivals.map((profile) => {
    const here = byName.get(profile.name);
    if (!here) return { id: newId(), profile };
    const next = arrived(profile, here.profile);
    return next === here.profile ? here : { id: here.id, profile: next };
  });
}
