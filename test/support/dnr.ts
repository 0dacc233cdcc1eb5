// What the browser does with a set of header rules for one request, as MDN and Chrome document
// it (declarativeNetRequest ModifyHeaderInfo): matching rules apply from the highest priority
// down, and once a header is set or removed, lower-priority rules leave it alone. For unit tests
// that ask "which token would this request carry?" without a browser; the e2e tests check the
// browsers themselves.
import type { HeaderRule } from '../../src/core/rules.js';

export interface SimulatedRequest {
  readonly url: string;
  readonly tabId: number;
  /** The page that made it; none for a navigation the user typed. */
  readonly initiator?: string;
  readonly type?: string;
  readonly method?: string;
}

function matches({ condition: c }: HeaderRule, request: SimulatedRequest): boolean {
  const type = request.type ?? 'xmlhttprequest';
  if (!new RegExp(c.regexFilter, c.isUrlFilterCaseSensitive ? '' : 'i').test(request.url)) return false;
  if (c.tabIds && !c.tabIds.includes(request.tabId)) return false;
  if (c.excludedTabIds?.includes(request.tabId)) return false;
  if (c.resourceTypes && !c.resourceTypes.includes(type as 'main_frame')) return false;
  if (c.requestMethods && !c.requestMethods.includes((request.method ?? 'GET').toLowerCase() as 'get'))
    return false;
  if (c.initiatorDomains) {
    const host = request.initiator ? new URL(request.initiator).hostname : undefined;
    if (!host || !c.initiatorDomains.some((d) => host === d || host.endsWith(`.${d}`))) return false;
  }
  return true;
}

/** The headers the rules leave on the request (those they set; a removed one is absent). */
export function headersSent(rules: readonly HeaderRule[], request: SimulatedRequest): Record<string, string> {
  const decided = new Map<string, string | undefined>();
  const matching = rules.filter((rule) => matches(rule, request)).sort((a, b) => b.priority - a.priority);
  for (const rule of matching) {
    for (const change of rule.action.requestHeaders) {
      const name = change.header.toLowerCase();
      if (decided.has(name)) continue;
      decided.set(name, change.operation === 'set' ? change.value : undefined);
    }
  }
  return Object.fromEntries(
    [...decided].filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
