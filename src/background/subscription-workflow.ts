// The teams' profile files the user subscribed to: fetching each when due (core/subscriptions.ts
// decides what an update may do), the user's answer to an update that waits, unsubscribing.
// One at a time: two checks would both store their outcome.
import { publicSuffixListReady } from '../core/public-suffix.js';
import {
  type FetchedFile,
  nextCheckAt,
  removedBy,
  rollbackProblem,
  type Subscription,
  subscriptionProfileId,
  subscriptionProfiles,
  updatePreview,
} from '../core/subscriptions.js';
import { t } from '../core/text.js';
import { UserError } from '../messages/protocol.js';
import type { Platform } from './platform.js';
import { queue } from './queue.js';
import { fetchSubscription, SubscriptionError } from './subscriptions.js';
import { DUE_TOLERANCE_MS } from './token-workflow.js';

type Deps = Pick<Platform, 'now' | 'fetch' | 'subscriptions'> & {
  /** Signs every account of a profile out and forgets the accounts added to it. */
  readonly forgetSignIns: (profileId: string) => Promise<void>;
};

export class SubscriptionWorkflow {
  private readonly inTurn = queue();

  constructor(private readonly deps: Deps) {}

  /** Adds a subscription, unless one of that name exists; says whether it added it. */
  add(subscription: Subscription): Promise<boolean> {
    return this.inTurn(async () => {
      let taken = false;
      await this.deps.subscriptions.update((list) => {
        taken = list.some((s) => s.name === subscription.name);
        return taken ? list : [...list, subscription];
      });
      return !taken;
    });
  }

  /**
   * Fetches a subscription's file. An update that only narrows (fewer hosts, pages, profiles)
   * applies at once; one that widens where a token or a secret goes, and the first file, wait for
   * the user (`settle`). A refused or unreachable file changes nothing but the last check's
   * reason: the file in force stays.
   */
  check(id: string, { onlyIfDue = false } = {}): Promise<void> {
    return this.inTurn(async () => {
      const subscription = await this.find(id);
      if (!subscription) return;
      const now = this.deps.now();
      // Alarms may fire a little early; a check a moment ago (another trigger) makes this one moot.
      if (onlyIfDue && now < nextCheckAt(subscription, now) - DUE_TOLERANCE_MS) return;
      let outcome: Subscription;
      try {
        const fetched = await fetchSubscription(subscription, this.deps);
        outcome = { ...subscription, lastCheck: { at: now, ok: true } };
        if (fetched.kind === 'file') {
          const rollback = rollbackProblem(subscription, fetched.file);
          if (rollback) throw new SubscriptionError(t('subscriptionRefused', rollback));
          // Whether it widens does not depend on who is signed in (only what the page shows does).
          const { widening } = updatePreview(subscription, fetched.file, () => false);
          if (subscription.current && widening.length === 0) {
            await this.forgetRemoved(subscription, fetched.file);
            const { pending: _none, ...rest } = outcome;
            outcome = { ...rest, current: fetched.file };
          } else outcome = { ...outcome, pending: fetched.file };
        }
      } catch (error) {
        if (!(error instanceof SubscriptionError)) throw error;
        outcome = { ...subscription, lastCheck: { at: now, ok: false, message: error.message } };
      }
      await this.update(id, () => outcome);
    });
  }

  /**
   * The waiting update becomes the file in force, if it is still the one the user saw (`digest`;
   * a check meanwhile may have replaced it); `discard` drops it instead.
   */
  settle(
    id: string,
    { discard = false, digest }: { discard?: boolean; digest?: string } = {},
  ): Promise<void> {
    return this.inTurn(async () => {
      await publicSuffixListReady();
      const subscription = await this.find(id);
      if (!subscription) throw new UserError(t('subscriptionGone'));
      const { pending, ...rest } = subscription;
      if (!pending) throw new UserError(t('nothingWaits'));
      if (!discard && (pending.digest ?? '') !== digest) throw new UserError(t('subscriptionUpdateChanged'));
      if (!discard) await this.forgetRemoved(subscription, pending);
      await this.update(id, () => (discard ? rest : { ...rest, current: pending }));
    });
  }

  /** Removes a subscription, and its profiles' sign-ins. */
  unsubscribe(id: string): Promise<void> {
    return this.inTurn(async () => {
      await publicSuffixListReady();
      const subscription = await this.find(id);
      if (!subscription) return;
      await this.deps.subscriptions.update((list) => list.filter((s) => s.id !== id));
      for (const { profile } of subscriptionProfiles(subscription))
        await this.deps.forgetSignIns(subscriptionProfileId(id, profile.name));
    });
  }

  private async find(id: string): Promise<Subscription | undefined> {
    return (await this.deps.subscriptions.load()).find((s) => s.id === id);
  }

  /** Changes one stored subscription, if it is still there. */
  private async update(id: string, change: (s: Subscription) => Subscription): Promise<void> {
    await this.deps.subscriptions.update((list) => list.map((s) => (s.id === id ? change(s) : s)));
  }

  private async forgetRemoved(subscription: Subscription, file: FetchedFile): Promise<void> {
    for (const profileId of removedBy(subscription, file)) await this.deps.forgetSignIns(profileId);
  }
}
