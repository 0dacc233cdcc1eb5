// One door to tokens for every auth kind: sign in, and renew before expiry. json-login speaks
// the API's own JSON; the OAuth kinds go through oauth4webapi (oauth.ts).
import {
  type Credentials,
  canRenew,
  loginRefreshRequest,
  loginRequest,
  refreshAnswerPaths,
} from '../core/auth-requests.js';
import type { Profile } from '../core/profile.js';
import { t } from '../core/text.js';
import { fitForIdTokenHeader, TokenAnswerError, type Tokens } from '../core/token-answer.js';
import { needsIdToken } from '../core/valid-profile.js';
import {
  authorizationCodeFlow,
  clientCredentialsGrant,
  type OAuthDeps,
  passwordGrant,
  refreshGrant,
  type WebAuthFlow,
} from './oauth.js';
import { requestTokens, TokenRequestError } from './token-client.js';

export interface TokenServiceDeps extends OAuthDeps {
  readonly webAuthFlow: WebAuthFlow;
}

export interface SignedIn {
  readonly tokens: Tokens;
  readonly username?: string;
  /** Who signed in, where a checked ID token proves it (oauth.ts, subjectOf). */
  readonly subject?: string;
}

/**
 * Signs in; `credentials` only for the kinds that take a username and password. `anotherUser`:
 * for an account added beside the first, whose user the provider's session is not (oauth.ts).
 */
export async function signIn(
  profile: Profile,
  credentials: Credentials | undefined,
  deps: TokenServiceDeps,
  { anotherUser = false } = {},
): Promise<SignedIn> {
  const signedIn = await signInWith(profile, credentials, deps, anotherUser);
  return { ...signedIn, tokens: fitted(profile, signedIn.tokens) };
}

/**
 * New tokens without the user. `signedInAgain`: the refresh was refused, and the provider's own
 * session signed the user in again without a window; its tokens replace the old ones whole (a
 * refused refresh token is not kept). The caller checks `canRenew` first.
 */
export interface Renewed {
  readonly tokens: Tokens;
  readonly signedInAgain?: boolean;
}

/**
 * `subject`: whom the tokens belong to, as a checked ID token proved it at sign-in. A sign-in
 * through the provider's session must prove the same user: the session may be another account's
 * by now (an added account's tab would then send another user's token). Without that proof, at
 * sign-in or in the new answer, there is no sign-in without a window: the user is asked to click.
 */
export async function renew(
  profile: Profile,
  tokens: Tokens,
  deps: TokenServiceDeps,
  subject?: string,
): Promise<Renewed> {
  const { auth } = profile;
  try {
    return { tokens: fitted(profile, await renewWith(profile, tokens, deps)) };
  } catch (refused) {
    // A refresh token the provider no longer takes (expired, revoked, the 24-hour limit of
    // browser clients): sign in again through the provider's session, once, without a window.
    const refusedToken =
      refused instanceof TokenRequestError && refused.kind === 'rejected' && !!tokens.refreshToken;
    if (!refusedToken || auth.kind !== 'oauth2-authorization-code') throw refused;
    if (subject === undefined)
      throw new TokenRequestError('rejected', t('refusedNoProofOfUser', refused.message), refused.status);
    const lifetime = profile.refresh.defaultLifetimeSeconds;
    try {
      const again = await authorizationCodeFlow(auth, lifetime, deps.webAuthFlow, deps, { silent: true });
      if (again.subject === undefined) throw new Error(t('silentNoProof'));
      if (again.subject !== subject)
        throw new Error(t('sessionOfAnotherUser', again.username ?? again.subject));
      return { tokens: fitted(profile, again.tokens), signedInAgain: true };
    } catch (silent) {
      const why = silent instanceof Error ? silent.message : String(silent);
      throw new TokenRequestError('rejected', t('refusedAndNoSession', refused.message, why), refused.status);
    }
  }
}

/** The tokens as the profile's headers need them (an ID token, when a header carries one). */
function fitted(profile: Profile, tokens: Tokens): Tokens {
  try {
    return fitForIdTokenHeader(tokens, needsIdToken(profile.headers));
  } catch (error) {
    if (error instanceof TokenAnswerError) throw new TokenRequestError('invalid-answer', error.message);
    throw error;
  }
}

async function signInWith(
  profile: Profile,
  credentials: Credentials | undefined,
  deps: TokenServiceDeps,
  anotherUser: boolean,
): Promise<SignedIn> {
  const { auth } = profile;
  const lifetime = profile.refresh.defaultLifetimeSeconds;
  switch (auth.kind) {
    case 'json-login':
    case 'oauth2-password': {
      if (!credentials?.username) throw new TokenRequestError('rejected', t('enterUsername'));
      const tokens =
        auth.kind === 'json-login'
          ? await requestTokens(loginRequest(auth, credentials), auth.response, lifetime, deps)
          : await passwordGrant(auth, credentials, lifetime, deps);
      return { tokens, username: credentials.username };
    }
    case 'oauth2-authorization-code':
      return authorizationCodeFlow(auth, lifetime, deps.webAuthFlow, deps, { anotherUser });
    case 'oauth2-client-credentials':
      return { tokens: await clientCredentialsGrant(auth, lifetime, deps), username: auth.clientId };
    case 'manual':
      throw new TokenRequestError('rejected', t('takesPastedToken'));
  }
}

async function renewWith(profile: Profile, tokens: Tokens, deps: TokenServiceDeps): Promise<Tokens> {
  const { auth } = profile;
  const lifetime = profile.refresh.defaultLifetimeSeconds;
  if (!canRenew(auth, tokens)) throw new TokenRequestError('rejected', t('nothingToRenewWith'));
  switch (auth.kind) {
    case 'json-login': {
      const request = loginRefreshRequest(auth, tokens);
      if (!request) throw new TokenRequestError('rejected', t('noRefreshEndpoint'));
      return requestTokens(request, refreshAnswerPaths(auth), lifetime, deps);
    }
    case 'oauth2-client-credentials':
      // No refresh token in this grant: the grant is simply run again.
      return clientCredentialsGrant(auth, lifetime, deps);
    case 'oauth2-password':
    case 'oauth2-authorization-code':
      return refreshGrant(auth, tokens.refreshToken as string, lifetime, deps);
    case 'manual':
      throw new TokenRequestError('rejected', t('pastedCannotRenew'));
  }
}
