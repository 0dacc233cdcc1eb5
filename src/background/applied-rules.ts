// The header rules as this worker set them in the browser, and why the browser refused any.
import type { ActiveToken } from '../core/plan.js';
import { buildRules, type HeaderRule, type TabGuard } from '../core/rules.js';
import type { Tokens } from '../core/token-answer.js';

export class AppliedRules {
  /** What the rules carry; `undefined` until this worker first set them. */
  private active: ActiveToken[] | undefined;
  /** The tabs' guards the rules hold (core/rules.ts). */
  private guards: readonly TabGuard[] = [];
  private key = '';
  private ruleCount = 0;
  /** Why the browser refused a profile's rules at the last update, by profile id. */
  readonly failures = new Map<string, string>();

  constructor(private readonly setRules: (rules: HeaderRule[]) => Promise<void>) {}

  /** How many rules are set. */
  get count(): number {
    return this.ruleCount;
  }

  /** The tokens the rules carry now; `undefined` until this worker first set them. */
  get current(): readonly ActiveToken[] | undefined {
    return this.active;
  }

  /**
   * Sets the rules for these tokens, unless they are what is set already. When the browser
   * refuses the whole set, each profile's rules are tried on their own: one profile's bad rule
   * must neither keep the others' new tokens out nor leave a signed-out profile's old rule in.
   */
  async apply(active: ActiveToken[], guards: readonly TabGuard[] = this.guards): Promise<void> {
    this.guards = guards;
    const rules = buildRules(active, guards);
    if (this.active && JSON.stringify(rules) === this.key) {
      this.active = active; // the same rules; what the 401 reaction reads may have changed
      return;
    }
    this.failures.clear();
    try {
      await this.set(active, rules);
    } catch {
      const kept: ActiveToken[] = [];
      for (const entry of active) {
        try {
          await this.setRules(buildRules([...kept, entry], guards));
          kept.push(entry);
        } catch (error) {
          this.failures.set(entry.id, (error as Error).message);
        }
      }
      // The last attempt may have been a refused one: the browser must hold exactly the kept rules.
      await this.set(kept, buildRules(kept, guards));
    }
  }

  /**
   * A refreshed token into the rules at once, from what they carry now, without reading storage
   * again: requests wait on this hand-off. A worker that has not set rules yet leaves it to its
   * first reconciliation.
   */
  async withToken(id: string, tokens: Pick<Tokens, 'accessToken' | 'idToken' | 'issuedAt'>) {
    if (!this.active?.some((a) => a.id === id)) return;
    const { accessToken, idToken, issuedAt } = tokens;
    await this.apply(this.active.map((a) => (a.id === id ? { ...a, accessToken, idToken, issuedAt } : a)));
  }

  private async set(active: ActiveToken[], rules: HeaderRule[]): Promise<void> {
    await this.setRules(rules);
    this.active = active;
    this.key = JSON.stringify(rules);
    this.ruleCount = rules.length;
  }
}
