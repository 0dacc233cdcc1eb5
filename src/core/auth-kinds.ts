// What each auth kind is and can do, answered in one place. Every question the pages and the
// background ask of a kind (how the popup signs in, whether it needs a secret, whether a profile
// of it may hold several accounts...) reads a kind's traits here, so that a new kind fails to
// compile until it says what it does; only its wire format (token-service.ts, auth-requests.ts)
// switches on the kind itself.
import type { Auth, Profile } from './profile.js';
import { hasClientSecret } from './valid-profile.js';

/**
 * The kinds, named here rather than taken from the schema's type (profile.ts reads the traits
 * while it validates); `sameKinds` below fails to compile when the two differ.
 */
export type AuthKind =
  | 'json-login'
  | 'oauth2-password'
  | 'oauth2-authorization-code'
  | 'oauth2-client-credentials'
  | 'manual';
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKinds: Same<AuthKind, Auth['kind']> = true;
void sameKinds;

/**
 * How the popup signs in for a kind: a username and password, the provider's own page, a
 * machine identity ("Connect"), or a pasted token.
 */
export type SignInMethod = 'password' | 'provider' | 'connect' | 'token';

export interface AuthKindTraits {
  /** An OAuth 2.0 grant: its token endpoint speaks RFC 6749. */
  readonly oauth: boolean;
  readonly signIn: SignInMethod;
  /** Signing in needs the client secret (a machine identity), which a shared file never holds. */
  readonly needsClientSecret: boolean;
  /** The user may add accounts (another user's sign-in) to a profile; a machine identity is one. */
  readonly allowsAddedAccounts: boolean;
  /** It names an issuer, whose discovery finds its endpoints. */
  readonly hasIssuer: boolean;
  /** Its answer may hold an ID token (`{id_token}` in a header). */
  readonly mayBringIdToken: boolean;
  /** A refresh may send the scope again (`scopeOnRefresh`): the kinds that refresh with a refresh token. */
  readonly mayResendScope: boolean;
  /** Which fields of the options form describe it. */
  readonly formFields: 'json-login' | 'oauth' | 'manual';
}

const TRAITS: { readonly [K in AuthKind]: AuthKindTraits } = {
  'json-login': {
    oauth: false,
    signIn: 'password',
    needsClientSecret: false,
    allowsAddedAccounts: true,
    hasIssuer: false,
    mayBringIdToken: true,
    mayResendScope: false,
    formFields: 'json-login',
  },
  'oauth2-password': {
    oauth: true,
    signIn: 'password',
    needsClientSecret: false,
    allowsAddedAccounts: true,
    hasIssuer: false,
    mayBringIdToken: true,
    mayResendScope: true,
    formFields: 'oauth',
  },
  'oauth2-authorization-code': {
    oauth: true,
    signIn: 'provider',
    needsClientSecret: false,
    allowsAddedAccounts: true,
    hasIssuer: true,
    mayBringIdToken: true,
    mayResendScope: true,
    formFields: 'oauth',
  },
  'oauth2-client-credentials': {
    oauth: true,
    signIn: 'connect',
    needsClientSecret: true,
    allowsAddedAccounts: false,
    hasIssuer: false,
    mayBringIdToken: false,
    mayResendScope: false,
    formFields: 'oauth',
  },
  manual: {
    oauth: false,
    signIn: 'token',
    needsClientSecret: false,
    allowsAddedAccounts: true,
    hasIssuer: false,
    mayBringIdToken: false,
    mayResendScope: false,
    formFields: 'manual',
  },
};

/** Every kind, in the order the options form offers them. */
export const AUTH_KINDS = Object.keys(TRAITS) as readonly AuthKind[];

/** Whether a text (a form's value, before validation) names a kind. */
export const isAuthKind = (kind: string): kind is AuthKind => Object.hasOwn(TRAITS, kind);

export function traitsOf(kind: AuthKind): AuthKindTraits {
  return TRAITS[kind];
}

/** How the popup signs in to a profile of this sign-in. */
export const signInMethod = (auth: Auth): SignInMethod => TRAITS[auth.kind].signIn;

/** Whether a profile cannot sign in until the user enters its client secret (an import, a team file). */
export const lacksClientSecret = (profile: Profile): boolean =>
  TRAITS[profile.auth.kind].needsClientSecret && !hasClientSecret(profile);
