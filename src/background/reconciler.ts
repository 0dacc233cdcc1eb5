// The reconciliation: read what is stored → plan (src/core/plan.ts, pure) → apply (rules, alarms,
// the plan's clean-up of what it no longer needs) → publish (pages, badge). It starts nothing
// else: what the plan says is due next, the loop (controller.ts) starts once the pass has ended.
import {
  accountKey,
  accountsOf,
  type ExtraAccount,
  standingChoices,
  type TabChoice,
} from '../core/accounts.js';
import type { ApiTab } from '../core/api-tabs.js';
import { issuerOf } from '../core/auth-requests.js';
import { sha256Hex } from '../core/json.js';
import { originsFor, uncoveredOrigins } from '../core/permissions.js';
import {
  type ActiveToken,
  alarmChanges,
  currentSession,
  type Plan,
  plan,
  responseHosts,
  trashExpired,
  wakeHosts,
} from '../core/plan.js';
import { type ProfileFile, parseProfileFile, type Validated } from '../core/profile.js';
import { type ProfilesInForce, profilesInForce, type StoredProfile } from '../core/profiles.js';
import { publicSuffixListReady } from '../core/public-suffix.js';
import { withListenAlarm } from '../core/response-listeners.js';
import { type Session, SIGNED_OUT } from '../core/session.js';
import { type Subscription, subscriptionProfiles } from '../core/subscriptions.js';
import { waitingView } from '../core/sync.js';
import { grantsInForce, type TerminalGrant } from '../core/terminal.js';
import type { Tokens } from '../core/token-answer.js';
import { type AppState, appState, badgeOf, badgesOfTabs } from '../core/view.js';
import { AppliedRules } from './applied-rules.js';
import type { Platform } from './platform.js';
import { queue } from './queue.js';
import type { SyncSettings } from './sync.js';

/** What one reconciliation reads. */
interface Stored {
  readonly now: number;
  readonly profiles: StoredProfile[];
  readonly managedProblems: string[];
  readonly extras: ExtraAccount[];
  /** By account key. */
  readonly sessions: Map<string, Session>;
  readonly apiTabs: ApiTab[];
  readonly choices: TabChoice[];
  readonly subscriptions: Subscription[];
  readonly terminalGrants: TerminalGrant[];
  /** The host permissions the browser has granted (match patterns). */
  readonly granted: readonly string[];
}

/** What the reconciliation needs besides storage: the work in progress, and what only others know. */
export interface ReconcilerDeps {
  /** Accounts (by key) being refreshed or signed in now, which only the running background knows. */
  readonly inProgress: () => { refreshing: ReadonlySet<string>; signingIn: ReadonlySet<string> };
  /** Forgets the last removed profile once "Undo" is no longer offered. */
  readonly emptyTrash: () => Promise<void>;
  readonly syncSettings: () => Promise<SyncSettings>;
  /** What the pages show of terminal access beside the grants: allowed, and why the bridge is down. */
  readonly terminalView: () => Promise<AppState['terminal']>;
}

/** A profile file's text, as the policy or a subscription holds it (none: nothing to validate). */
const isFileText = (value: unknown): value is string => typeof value === 'string' && value !== '';

export class Reconciler {
  private readonly rules: AppliedRules;
  /** Reconciliations, and the hand-off of a refreshed token, run one after another. */
  private readonly inTurn = queue();
  /** The reconciliation running now, if one is. */
  private reconciling: Promise<Reconciled> | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly deps: ReconcilerDeps,
  ) {
    this.rules = new AppliedRules(platform);
  }

  /** Rebuilds rules and alarms from storage and publishes the state; says what is due next. */
  pass(): Promise<Reconciled> {
    const run: Promise<Reconciled> = this.inChain(async () => {
      this.reconciling = run;
      const started = performance.now();
      // Read alongside the rest: only a reconciliation changes alarms or the trash.
      const trashRead = this.platform.profiles.loadTrash();
      const alarmsRead = this.platform.alarms.all();
      // Awaited below; a failed read() before then must not leave them unhandled.
      for (const pending of [trashRead, alarmsRead]) pending.catch(() => undefined);
      const stored = await this.read();
      const read = performance.now();
      const planned = this.plan(stored);
      const planDone = performance.now();
      await this.cleanUp(stored, planned, await trashRead);
      await this.rules.apply(planned.active, planned.guards);
      const woken = this.platform.observeResponses({
        now: responseHosts(planned.active),
        wake: wakeHosts(stored.profiles),
      });
      const existing = await alarmsRead;
      const alarms = withListenAlarm(planned.alarms, !woken, existing, stored.now);
      const { clear, set } = alarmChanges(existing, alarms);
      for (const name of clear) await this.platform.alarms.clear(name);
      for (const [name, when] of set) await this.platform.alarms.set(name, when);
      const state = await this.publish(stored, planned, started, {
        read,
        planDone,
        applied: performance.now(),
      });
      return { state, plan: planned };
    });
    run
      .finally(() => {
        if (this.reconciling === run) this.reconciling = undefined;
      })
      .catch(() => undefined);
    return run;
  }

  /** What the plan no longer needs stored goes: stale sessions, gone accounts' choices, old tabs. */
  private async cleanUp(stored: Stored, planned: Plan, trash: { removedAt: number } | undefined) {
    for (const { key, profile } of planned.stale) {
      await this.platform.sessions.update(key, (current) => currentSession(profile, current));
    }
    // A choice of an account that is gone: its tab uses the default account again.
    if (planned.choices !== stored.choices) {
      await this.platform.tabChoices.update((choices) => standingChoices(choices, stored.extras));
    }
    // A tab opened for a profile that no longer holds a token is an ordinary tab from now on.
    // (By profile: a tab "Open in a tab" adds meanwhile, for a profile with a token, stays.)
    if (planned.apiTabs !== stored.apiTabs) {
      await this.platform.apiTabs.update((tabs) =>
        tabs.filter((tab) => planned.active.some((a) => a.id === tab.profileId)),
      );
    }
    if (trash && trashExpired(trash.removedAt, stored.now)) await this.deps.emptyTrash();
    // Ended grants go (a grant that ended is never in force again).
    if (planned.terminalEnded) {
      await this.platform.terminalGrants.update((grants) => grantsInForce(grants, stored.now));
    }
  }

  /**
   * The state the pages see, without changing anything. A reconciliation under way (a start that
   * a page's question woke, a change) is about to publish it: the answer is its state, rather
   * than a second read of everything beside it.
   */
  async state(): Promise<AppState> {
    const running = this.reconciling;
    if (running) {
      try {
        return (await running).state;
      } catch {
        // It failed (it says why on the console): the state as stored, read here.
      }
    }
    const stored = await this.read();
    return this.view(stored, this.plan(stored));
  }

  /** Publishes work in progress (signing in, refreshing): nothing else changed. */
  showProgress(): Promise<AppState> {
    return this.inChain(async () => {
      const stored = await this.read();
      return this.publish(stored, this.plan(stored), performance.now());
    });
  }

  /**
   * A refreshed token into the rules at once (requests wait on it), in turn, so that no older
   * reconciliation can put the old one back. A failure is left to the next reconciliation.
   */
  handOff(key: string, tokens: Tokens): Promise<void> {
    return this.inChain(() => this.rules.withToken(key, tokens)).catch(() => undefined);
  }

  /** What the rules carry, as this worker set them; a worker that has not set them yet reads storage. */
  async activeTokens(): Promise<readonly ActiveToken[]> {
    return this.rules.current ?? this.plan(await this.read()).active;
  }

  /** Runs `step` in turn; a failure goes to its caller and to the console. */
  private inChain<T>(step: () => Promise<T>): Promise<T> {
    const run = this.inTurn(step);
    run.catch((error) => console.error('AutoBearer: reconciliation failed', (error as Error).message));
    return run;
  }

  /** The profiles in force, and the subscriptions some of them come from. */
  async readProfiles(): Promise<{ inForce: ProfilesInForce; subscriptions: Subscription[] }> {
    // Independent reads, asked together: each costs the browser a round trip.
    const [subscriptions, policyFile, own, checked] = await Promise.all([
      this.platform.subscriptions.load(),
      this.platform.policyCopy.load(),
      this.platform.profiles.load(),
      this.platform.checkedFiles.load(),
    ]);
    // The policy's and the subscriptions' files: validated once per text and build (the user's own
    // profiles are, when stored), and read from that copy after. Validation needs the list.
    const texts = [...new Set([policyFile, ...subscriptions.map((s) => s.current?.text)].filter(isFileText))];
    const digests = new Map(
      await Promise.all(texts.map(async (text) => [text, await sha256Hex(text)] as const)),
    );
    const copies = new Map<string, ProfileFile>();
    for (const [text, digest] of digests) if (checked[digest]) copies.set(text, checked[digest]);
    if (copies.size < texts.length || subscriptions.some((s) => s.pending)) await publicSuffixListReady();
    let validatedNow = false;
    const parse = (text: string): Validated<ProfileFile> => {
      const copy = copies.get(text);
      if (copy) return { ok: true, value: copy };
      const parsed = parseProfileFile(text);
      if (parsed.ok) {
        copies.set(text, parsed.value);
        validatedNow = true;
      }
      return parsed;
    };
    const subscribed = subscriptions.flatMap((subscription) => subscriptionProfiles(subscription, parse));
    const inForce = profilesInForce(policyFile, own, subscribed, parse);
    // The copies of the files in use now, and of nothing else: a replaced file's copy goes.
    if (validatedNow) {
      const files = Object.fromEntries([...copies].map(([text, file]) => [digests.get(text), file]));
      void this.platform.checkedFiles.save(files).catch(() => undefined);
    }
    return { inForce, subscriptions };
  }

  private async read(): Promise<Stored> {
    const [{ inForce, subscriptions }, extras, apiTabs, choices, granted, storedSessions, terminalGrants] =
      await Promise.all([
        this.readProfiles(),
        this.platform.accounts.load(),
        this.platform.apiTabs.load(),
        this.platform.tabChoices.load(),
        this.platform.grantedOrigins(),
        this.platform.sessions.all(),
        this.platform.terminalGrants.load(),
      ]);
    const { profiles, problems } = inForce;
    const keys = profiles.flatMap(({ id }) =>
      accountsOf(extras, id).map((accountId) => accountKey(id, accountId)),
    );
    const sessions = new Map(keys.map((key) => [key, storedSessions.get(key) ?? SIGNED_OUT]));
    return {
      subscriptions,
      granted,
      now: this.platform.now(),
      profiles,
      managedProblems: problems,
      extras,
      sessions,
      apiTabs,
      choices,
      terminalGrants,
    };
  }

  private plan(stored: Stored): Plan {
    return plan({ ...stored, ...this.deps.inProgress() });
  }

  private async view(stored: Stored, planned: Plan): Promise<AppState> {
    const [discovered, { enabled, last, waiting }, terminal] = await Promise.all([
      this.platform.discovered.load(),
      this.deps.syncSettings(),
      this.deps.terminalView(),
    ]);
    const wanted = new Map(
      stored.profiles.map(({ id, profile }) => [
        id,
        originsFor(profile, discovered[issuerOf(profile.auth) ?? '']?.tokenEndpoint),
      ]),
    );
    const missing = new Set(uncoveredOrigins(stored.granted, [...new Set([...wanted.values()].flat())]));
    const origins = new Map(
      [...wanted].map(([id, all]) => [id, { all, missing: all.filter((origin) => missing.has(origin)) }]),
    );
    const own = stored.profiles
      .filter((entry) => !entry.managed && !entry.subscription)
      .map(({ id, profile }) => ({ profile, signedIn: !!planned.sessions.get(id)?.tokens }));
    const waits = waiting ? waitingView(waiting, own) : [];
    const sync = { enabled, ...(last ? { last } : {}), ...(waits.length ? { waiting: waits } : {}) };
    return appState(planned, {
      ...stored,
      discovered,
      origins,
      ruleFailures: this.rules.failures,
      sync,
      terminal,
    });
  }

  /** `at`: when a reconciliation's steps ended (performance.now()), for the diagnostics. */
  private async publish(
    stored: Stored,
    planned: Plan,
    started: number,
    at?: { read: number; planDone: number; applied: number },
  ): Promise<AppState> {
    const state = await this.view(stored, planned);
    const ms = (from: number, to: number) => Math.round((to - from) * 10) / 10;
    const viewed = performance.now();
    const phases = at && {
      read: ms(started, at.read),
      plan: ms(at.read, at.planDone),
      apply: ms(at.planDone, at.applied),
      view: ms(at.applied, viewed),
    };
    const diagnostics = {
      reconciledAt: stored.now,
      reconcileMs: ms(started, viewed),
      rules: this.rules.count,
      ...(phases ? { phases } : {}),
    };
    const badge = badgeOf(state);
    await this.platform.publish(state, badge, diagnostics, badgesOfTabs(state, badge));
    return state;
  }
}

/** What a reconciliation published, and the plan it applied (what is due next among it). */
export interface Reconciled {
  readonly state: AppState;
  readonly plan: Plan;
}
