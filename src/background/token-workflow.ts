// Signing an account in and keeping its token fresh: the refresh (an alarm, a 401, the user's
// "Refresh now"), the sign-in, and the 401 reaction. One refresh per account at a time: a second
// trigger joins the first. Each ends in one reconciliation, which publishes the outcome.
import { authFingerprint, canRenew } from '../core/auth-requests.js';
import type { ActiveToken } from '../core/plan.js';
import { nextAttemptAt, refreshesFor401 } from '../core/plan.js';
import type { Profile } from '../core/profile.js';
import type { StoredProfile } from '../core/profiles.js';
import type { ObservedRequest } from '../core/rules.js';
import { afterRefresh, type RefreshResult, type Session, signedIn } from '../core/session.js';
import { t } from '../core/text.js';
import type { Tokens } from '../core/token-answer.js';
import type { AppState } from '../core/view.js';
import { UserError } from '../messages/protocol.js';
import type { Platform } from './platform.js';
import { TokenRequestError } from './token-client.js';
import { renew, type SignedIn, type TokenServiceDeps } from './token-service.js';

/** Alarms may fire a little early; a refresh within this of its due time counts as due. */
export const DUE_TOLERANCE_MS = 1_000;

/** What the workflow needs of the loop around it. */
export interface TokenLoop {
  readonly reconcile: () => Promise<AppState>;
  readonly showProgress: () => Promise<AppState>;
  /** The refreshed token into the rules at once. */
  readonly handOff: (key: string, tokens: Tokens) => Promise<void>;
  /** The profile an account key names, while it and the account exist. */
  readonly accountEntry: (key: string) => Promise<StoredProfile | undefined>;
  /** An account's session as it counts now (a stale one reads as signed out). */
  readonly session: (key: string, profile: Profile) => Promise<Session>;
  readonly activeTokens: () => Promise<readonly ActiveToken[]>;
}

type Deps = Pick<Platform, 'now' | 'sessions' | 'notify'> & { readonly tokenDeps: TokenServiceDeps };

export class TokenWorkflow {
  /** Refreshes in flight, one per account (by key): a second trigger joins the first. */
  private readonly refreshes = new Map<string, Promise<void>>();
  /** Accounts (by key) whose sign-in (the provider's page, a grant) is in progress. */
  readonly signingIn = new Set<string>();
  /** Tokens a 401 already made us refresh: one forced refresh per token. */
  private readonly forcedBy401 = new Set<string>();

  constructor(
    private readonly deps: Deps,
    private readonly loop: TokenLoop,
  ) {}

  /** The accounts (by key) being refreshed now. */
  get refreshing(): ReadonlySet<string> {
    return new Set(this.refreshes.keys());
  }

  /**
   * A response on a profile's host. A 401 to a request that carried a token that is not brand
   * new means the server no longer takes it: refresh at once (one at a time, as ever) and
   * resolve when that is done. Only observed, never blocking.
   */
  async onResponse(request: ObservedRequest, status: number): Promise<void> {
    if (status !== 401) return;
    const active = await this.loop.activeTokens();
    const forced = refreshesFor401(active, request, this.deps.now(), this.forcedBy401);
    for (const { accessToken } of forced) this.forcedBy401.add(accessToken);
    await Promise.all(forced.map(({ id }) => this.refresh(id)));
  }

  /**
   * Refreshes one account's token (`id`: its key), unless a refresh for it is already in flight
   * (then joins it). `onlyIfDue` (alarms, worker starts) skips a token that a refresh a moment
   * ago already renewed.
   */
  refresh(id: string, { onlyIfDue = false } = {}): Promise<void> {
    const running = this.refreshes.get(id);
    if (running) return running;
    const run = (async () => {
      let attempted = false;
      try {
        attempted = await this.refreshOnce(id, onlyIfDue);
      } finally {
        this.refreshes.delete(id); // before the reconciliation, so that it publishes the outcome
      }
      if (attempted) await this.loop.reconcile();
    })();
    this.refreshes.set(id, run);
    return run;
  }

  /** The refresh itself; says whether it asked the server. */
  private async refreshOnce(id: string, onlyIfDue: boolean): Promise<boolean> {
    const { sessions, now: clock } = this.deps;
    const entry = await this.loop.accountEntry(id);
    if (!entry?.profile.enabled) return false;
    const session = await this.loop.session(id, entry.profile);
    const old = session.tokens;
    const now = clock();
    if (!old || !canRenew(entry.profile.auth, old)) return false;
    if (onlyIfDue && now < nextAttemptAt(entry.profile, session, now) - DUE_TOLERANCE_MS) return false;
    await this.loop.showProgress();
    let result: RefreshResult;
    try {
      result = { ok: true, ...(await renew(entry.profile, old, this.deps.tokenDeps, session.subject)) };
    } catch (error) {
      const { kind, message } =
        error instanceof TokenRequestError
          ? error
          : { kind: 'invalid-answer', message: (error as Error).message };
      result = { ok: false, transient: kind === 'transient', message };
    }
    // A sign-out or a new sign-in while the request was in flight wins: its session no longer
    // holds the token this refresh started from, and the answer is dropped.
    let before: Session | undefined;
    let after: Session | undefined;
    await sessions.update(id, (current) => {
      before = current;
      after = afterRefresh(current, old, result, result.ok ? now : clock());
      return after;
    });
    if (after === before) return true;
    // Requests wait on this hand-off: the new token goes into the rules at once.
    if (result.ok) await this.loop.handOff(id, result.tokens);
    // Only a sign-out this refusal caused is news: not one the user made while it was in flight.
    else if (!after?.tokens) {
      const title = t('notificationTitle', entry.profile.name);
      await this.deps
        .notify(`signed-out:${id}`, title, t('notificationBody', result.message))
        .catch(() => {});
    }
    return true;
  }

  /**
   * Signs an account (`id`: its key) in with `attempt` and stores the tokens, or the reason it
   * failed where the popup shows it (`keepError`: the provider's window closed the popup).
   */
  async signIn(
    id: string,
    profile: Profile,
    attempt: () => Promise<SignedIn>,
    { keepError }: { keepError: boolean },
  ): Promise<AppState> {
    const { sessions } = this.deps;
    this.signingIn.add(id);
    let failure: unknown;
    try {
      await this.loop.showProgress();
      const { tokens, username, subject } = await attempt();
      await sessions.update(id, () => signedIn(tokens, username, authFingerprint(profile.auth), subject));
    } catch (error) {
      failure = error;
      if (error instanceof TokenRequestError) {
        failure = new UserError(t('signInFailed', error.message));
        // The provider's window takes the focus and closes the popup: keep the reason for its next opening.
        if (keepError)
          await sessions.update(id, (current) => ({ ...current, error: (failure as Error).message }));
      }
    } finally {
      this.signingIn.delete(id);
    }
    const state = await this.loop.reconcile();
    if (failure) throw failure;
    return state;
  }
}
