// The header rules as this worker set them in the browser, and why the browser refused any.

import { sha256Hex } from '../core/json.js';
import type { ActiveToken } from '../core/plan.js';
import { buildRules, ruleInputs, type TabGuard } from '../core/rules.js';
import type { Tokens } from '../core/token-answer.js';
import type { Platform } from './platform.js';

export class AppliedRules {
  /** What the rules carry; `undefined` until this worker first set them. */
  private active: ActiveToken[] | undefined;
  /** The tabs' guards the rules hold (core/rules.ts). */
  private guards: readonly TabGuard[] = [];
  /** What the rules set were built from (ruleInputs): the same inputs, the same rules. */
  private inputs = '';
  private ruleCount = 0;
  /** Why the browser refused a profile's rules at the last update, by profile id. */
  readonly failures = new Map<string, string>();

  constructor(private readonly browser: Pick<Platform, 'setRules' | 'rulesBuiltFrom'>) {}

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
    const inputs = ruleInputs(active, guards);
    if (this.active && inputs === this.inputs) {
      this.active = active; // the same rules; what the 401 reaction reads may have changed
      return;
    }
    // A worker's first rules: an earlier worker may have set these very ones (the browser keeps
    // session rules while the background sleeps). Then nothing is built or set.
    if (!this.active) {
      const count = await this.browser.rulesBuiltFrom(await sha256Hex(inputs));
      if (count !== undefined) {
        this.active = active;
        this.inputs = inputs;
        this.ruleCount = count;
        return;
      }
    }
    this.failures.clear();
    try {
      await this.set(active, guards, inputs);
    } catch {
      const kept: ActiveToken[] = [];
      for (const entry of active) {
        try {
          await this.browser.setRules(buildRules([...kept, entry], guards), '');
          kept.push(entry);
        } catch (error) {
          this.failures.set(entry.id, (error as Error).message);
        }
      }
      // The last attempt may have been a refused one: the browser must hold exactly the kept rules.
      await this.set(kept, guards, ruleInputs(kept, guards));
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

  private async set(active: ActiveToken[], guards: readonly TabGuard[], inputs: string): Promise<void> {
    const rules = buildRules(active, guards);
    await this.browser.setRules(rules, await sha256Hex(inputs));
    this.active = active;
    this.inputs = inputs;
    this.ruleCount = rules.length;
  }
}
