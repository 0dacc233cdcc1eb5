// What an import would change, shown before anything is stored: per profile, where its token
// goes and where a password or secret goes, and what widens against the profile stored under
// the same name. Pure.
import { lacksClientSecret } from './auth-kinds.js';
import {
  authFingerprint,
  type Credential,
  type CredentialDestination,
  movedDestinations,
  secretDestination,
} from './auth-requests.js';
import type { Profile } from './profile.js';
import { type MessageKey, t } from './text.js';
import { keepClientSecret } from './valid-profile.js';

export interface ImportPreviewItem {
  readonly name: string;
  readonly change: 'new' | 'changed' | 'unchanged';
  /** The hosts that get the token and the pages whose requests carry it, as the file writes them. */
  readonly hosts: readonly string[];
  readonly pages: readonly string[];
  /** Hosts and pages the stored profile of that name did not send the token to or from. */
  readonly widened: readonly string[];
  /** The host a password or client secret goes to, if the profile sends one. */
  readonly secretTo?: string;
  /** A password or client secret now goes to a URL the stored profile did not send it to. */
  readonly secretMoved: boolean;
  /**
   * Every credential the stored profile did not send where this one does (credentialDestinations),
   * with where it went before: a changed profile's are the user's to accept (a new one's are all new).
   */
  readonly moved: ReadonlyArray<CredentialDestination & { readonly from: readonly string[] }>;
  /** The stored profile is signed in now. */
  readonly signedIn: boolean;
  /** Its sign-in settings change, so it will be signed out (its tokens never go elsewhere). */
  readonly signsOut: boolean;
  /** A machine identity whose client secret neither the file nor the stored profile holds. */
  readonly needsSecret: boolean;
}

export interface ImportPreview {
  readonly profiles: readonly ImportPreviewItem[];
  /** Names of the stored profiles the file does not hold: the import removes them. */
  readonly removed: readonly string[];
}

export interface StoredForPreview {
  readonly profile: Profile;
  readonly signedIn: boolean;
}

/** Compares host texts without case: the browser does, and `API.example.com` is no new host. */
const key = (host: string): string => host.toLowerCase();

export function previewImport(
  current: readonly StoredForPreview[],
  incoming: readonly Profile[],
): ImportPreview {
  const byName = new Map(current.map((entry) => [entry.profile.name, entry]));
  const profiles = incoming.map((file): ImportPreviewItem => {
    const stored = byName.get(file.name);
    // As the import stores it: a file without the secret keeps the stored one.
    const profile = stored ? keepClientSecret(file, stored.profile) : file;
    const needsSecret = lacksClientSecret(profile);
    const secretTo = secretDestination(profile.auth);
    const common = {
      name: profile.name,
      hosts: profile.hosts,
      pages: profile.pages,
      ...(secretTo !== undefined ? { secretTo } : {}),
    };
    if (!stored) {
      return {
        ...common,
        change: 'new',
        widened: [],
        secretMoved: false,
        moved: [],
        signedIn: false,
        signsOut: false,
        needsSecret,
      };
    }
    const before = new Set([...stored.profile.hosts, ...stored.profile.pages].map(key));
    const widened = [...profile.hosts, ...profile.pages].filter((host) => !before.has(key(host)));
    const unchanged = JSON.stringify(stored.profile) === JSON.stringify(profile);
    const authChanged = authFingerprint(stored.profile.auth) !== authFingerprint(profile.auth);
    const moved = movedDestinations(stored.profile.auth, profile.auth);
    return {
      ...common,
      change: unchanged ? 'unchanged' : 'changed',
      widened,
      secretMoved: moved.some((d) => d.credential === 'password' || d.credential === 'client-secret'),
      moved,
      signedIn: stored.signedIn,
      signsOut: stored.signedIn && authChanged,
      needsSecret,
    };
  });
  const names = new Set(incoming.map((profile) => profile.name));
  return { profiles, removed: current.map((e) => e.profile.name).filter((name) => !names.has(name)) };
}

/** "Billing API now sends its refresh token to https://new.example/token (before: https://old…)". */
export function movedText(name: string, moved: ImportPreviewItem['moved'][number]): string {
  const before = moved.from.join(', ');
  if (moved.credential === 'sign-in-page') {
    return before
      ? t('widensSignInPage', name, moved.url, before)
      : t('widensNewSignInPage', name, moved.url);
  }
  const what = t(CREDENTIAL_WORDS[moved.credential]);
  return before
    ? t('widensDestination', name, what, moved.url, before)
    : t('widensNewDestination', name, what, moved.url);
}

const CREDENTIAL_WORDS = {
  password: 'credentialPassword',
  'client-secret': 'credentialClientSecret',
  'refresh-token': 'credentialRefreshToken',
  'access-token': 'credentialAccessToken',
} as const satisfies Record<Exclude<Credential, 'sign-in-page'>, MessageKey>;
