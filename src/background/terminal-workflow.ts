// Terminal access (core/terminal.ts, docs/terminal.md): while the user has it on for some profile,
// the native port to the `autobearer` host is open, and each request from the terminal gets that
// profile's current token, refreshed first if it would expire within the request's --min-ttl.
// Only what the profile's headers carry leaves: never a refresh token, a password or a secret.
import { accountKey, DEFAULT_ACCOUNT } from '../core/accounts.js';
import { canRenew } from '../core/auth-requests.js';
import type { Profile } from '../core/profile.js';
import type { ProfilesInForce, StoredProfile } from '../core/profiles.js';
import { headersFor } from '../core/rules.js';
import { dropAt } from '../core/schedule.js';
import { isUsable, type Session } from '../core/session.js';
import {
  afterHandOut,
  grantsInForce,
  handedOutToken,
  parseTokenRequest,
  type Refusal,
  type TerminalAnswer,
  type TerminalGrant,
} from '../core/terminal.js';
import { t } from '../core/text.js';
import { headersOf } from '../core/valid-profile.js';
import type { AppState } from '../core/view.js';
import type { Platform } from './platform.js';

type Deps = Pick<Platform, 'now' | 'terminalGrants' | 'terminalPolicyCopy' | 'nativeBridge'> & {
  readonly profiles: () => Promise<ProfilesInForce>;
  /** The profile an account key names, while it and the account exist. */
  readonly accountEntry: (key: string) => Promise<StoredProfile | undefined>;
  /** An account's session as it counts now (a stale one reads as signed out). */
  readonly session: (key: string, profile: Profile) => Promise<Session>;
  /** Refreshes an account's token (or joins the refresh in flight). */
  readonly refresh: (key: string) => Promise<void>;
  /** Publishes what changed (a token handed out, the bridge down) without a change to the rules. */
  readonly showProgress: () => Promise<unknown>;
};

const refuse = (refusal: Refusal, message: string): TerminalAnswer => ({ ok: false, refusal, message });

export class TerminalWorkflow {
  /** Why the bridge closed or could not open (the host is not installed): for the popup. */
  private problem: string | undefined;

  constructor(private readonly deps: Deps) {}

  /** What the pages show of terminal access beside each profile's grant. */
  async view(): Promise<AppState['terminal']> {
    const allowed = await this.deps.terminalPolicyCopy.load();
    return { allowed, ...(this.problem ? { problem: this.problem } : {}) };
  }

  /**
   * After each reconciliation: the port open while a grant is in force (and the policy and the
   * permission allow it), closed otherwise, so that nothing keeps the background awake then.
   */
  async apply(grants: readonly TerminalGrant[]): Promise<void> {
    const { nativeBridge } = this.deps;
    const permitted = grants.length > 0 && (await nativeBridge.permitted());
    // Access on, but the permission taken back in the browser's settings: the popup says so.
    if (grants.length > 0 && !permitted && this.problem !== t('terminalNeedsPermission')) {
      this.problem = t('terminalNeedsPermission');
      void this.deps.showProgress();
    }
    if (!permitted || !(await this.deps.terminalPolicyCopy.load())) {
      if (nativeBridge.isOpen()) nativeBridge.close();
      return;
    }
    if (nativeBridge.isOpen()) return;
    this.problem = undefined;
    nativeBridge.open(
      (request) => this.answer(request),
      (error) => {
        // A port the host never answered on (not installed) closes at once, with the browser's reason.
        this.problem = error ? t('terminalBridgeDown', error) : undefined;
        void this.deps.showProgress();
      },
    );
  }

  /** The answer to one request from the terminal. */
  async answer(raw: unknown): Promise<TerminalAnswer> {
    const request = parseTokenRequest(raw);
    if (!request) return refuse('bad-request', t('terminalBadRequest'));
    if (!(await this.deps.terminalPolicyCopy.load())) return refuse('forbidden', t('terminalForbidden'));
    const { profiles } = await this.deps.profiles();
    const entry = profiles.find((p) => p.profile.name === request.profile);
    if (!entry) return refuse('unknown-profile', t('terminalUnknownProfile', request.profile));
    const { id, profile } = entry;
    const now = this.deps.now();
    const grant = grantsInForce(await this.deps.terminalGrants.load(), now).find((g) => g.profileId === id);
    if (!grant || !profile.enabled) return refuse('access-off', t('terminalAccessOff', profile.name));
    const account = request.account ?? DEFAULT_ACCOUNT;
    const key = accountKey(id, account);
    if (!(await this.deps.accountEntry(key)))
      return refuse('unknown-profile', t('terminalNoAccount', profile.name, account));
    const sessionNow = () => this.deps.session(key, profile);
    let { tokens, error } = await sessionNow();
    const minTtlMs = (request.minTtl ?? 0) * 1000;
    if (tokens && tokens.expiresAt - this.deps.now() <= minTtlMs && canRenew(profile.auth, tokens)) {
      const before = tokens.accessToken;
      await this.deps.refresh(key);
      ({ tokens, error } = await sessionNow());
      // A new token is the freshest there is, even if the server gives less time than asked.
      if (tokens?.accessToken === before)
        return refuse('refresh-failed', t('terminalRefreshFailed', profile.name, error ?? ''));
    }
    if (!tokens || !isUsable(tokens, this.deps.now(), dropAt))
      return refuse(error && tokens ? 'refresh-failed' : 'signed-out', t('terminalSignedOut', profile.name));
    const headers = headersFor(profile, tokens);
    const token = handedOutToken(headersOf(profile)[0]?.value ?? '', tokens);
    await this.deps.terminalGrants.update((list) =>
      list.map((g) => (g.profileId === id ? afterHandOut(g, this.deps.now()) : g)),
    );
    void this.deps.showProgress();
    return { ok: true, token, expiresAt: tokens.expiresAt, headers };
  }
}
