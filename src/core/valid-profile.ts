// What is read from a profile that has been validated: its headers, whether it carries the ID
// token, its client secret kept or left out. Apart from profile.ts, which holds the schema
// (valibot) and checks hosts against the Public Suffix List: the popup and the background's every
// start read profiles, and only validation needs those.
import type { HeaderTemplate, Profile } from './profile.js';
import { OAUTH_PATHS } from './token-answer.js';

/** Where a login's answer holds the tokens when the profile does not say: OAuth's names. */
export const DEFAULT_TOKEN_PATHS = OAUTH_PATHS;
/** The largest profile file read: a team's thousand profiles fit many times over. */
export const MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_REFRESH = { leadSeconds: 300, defaultLifetimeSeconds: 3600 } as const;

export const DEFAULT_HEADER = { name: 'Authorization', value: 'Bearer {access_token}' } as const;

/** The headers a profile sets: its `headers`, or its one `header`, or the default. */
export function headersOf(profile: {
  header?: HeaderTemplate | undefined;
  headers?: readonly HeaderTemplate[] | undefined;
}): readonly HeaderTemplate[] {
  return profile.headers ?? [profile.header ?? DEFAULT_HEADER];
}

/** Whether a header carries the ID token, which only some kinds of sign-in give. */
export const needsIdToken = (headers: readonly HeaderTemplate[]): boolean =>
  headers.some((header) => header.value.includes('{id_token}'));

/** Whether the profile holds a client secret (the one secret a profile may hold). */
export function hasClientSecret(profile: Profile): boolean {
  return 'clientSecret' in profile.auth && !!profile.auth.clientSecret;
}

/** The profile without its client secret: what pages see and what an export writes. */
export function withoutClientSecret(profile: Profile): Profile {
  if (!('clientSecret' in profile.auth) || profile.auth.clientSecret === undefined) return profile;
  const { clientSecret: _secret, ...auth } = profile.auth;
  return { ...profile, auth } as Profile;
}

/**
 * A profile saved or imported without a client secret keeps the stored profile's, when both are
 * the same kind: the pages never see it, and an export never holds it.
 */
export function keepClientSecret(incoming: Profile, stored: Profile): Profile {
  if (hasClientSecret(incoming) || !hasClientSecret(stored) || incoming.auth.kind !== stored.auth.kind)
    return incoming;
  return {
    ...incoming,
    auth: { ...incoming.auth, clientSecret: (stored.auth as { clientSecret: string }).clientSecret },
  } as Profile;
}
