// The declarativeNetRequest rules a signed-in profile turns into. Pure.
import { inScope, type TabScope } from './accounts.js';
import { type HostPattern, hostsRegex, initiatorDomain, parseHostPattern } from './hosts.js';
import type { Profile } from './profile.js';
import { headersOf } from './valid-profile.js';

/** The subset of chrome.declarativeNetRequest.Rule both browsers accept and this extension uses. */
export interface HeaderRule {
  id: number;
  priority: number;
  action: {
    type: 'modifyHeaders';
    requestHeaders: Array<
      { header: string; operation: 'set'; value: string } | { header: string; operation: 'remove' }
    >;
  };
  condition: {
    regexFilter: string;
    isUrlFilterCaseSensitive: boolean;
    initiatorDomains?: string[];
    resourceTypes?: Array<'main_frame'>;
    requestMethods?: Array<'get'>;
    /** Tabs the user opened the API in ("Open in a tab"), or that chose another account. */
    tabIds?: number[];
    /** The default account's rules: tabs that chose another account of the profile. */
    excludedTabIds?: number[];
  };
}

/**
 * Chromium compiles each regexFilter under a 2 KB memory budget (RE2); a handful of host
 * alternatives per rule stays far below it, so a profile with many hosts gets several rules.
 */
export const HOSTS_PER_RULE = 8;

/** What a header template may carry. */
export interface HeaderTokens {
  readonly accessToken: string;
  readonly idToken?: string | undefined;
}

/**
 * A header's value: `{access_token}` and `{id_token}` replaced by the tokens. A profile whose
 * header names `{id_token}` is signed in only with an answer that held one (token-service.ts).
 */
export function headerValue(template: string, tokens: HeaderTokens): string {
  return template.replace(/\{(access_token|id_token)\}/g, (whole, name: string) =>
    name === 'access_token' ? tokens.accessToken : (tokens.idToken ?? whole),
  );
}

/** Every header the profile sets, with its value for these tokens. */
export function headersFor(profile: Profile, tokens: HeaderTokens): Record<string, string> {
  return Object.fromEntries(headersOf(profile).map(({ name, value }) => [name, headerValue(value, tokens)]));
}

export function parsedHosts(texts: readonly string[]): HostPattern[] {
  return texts.flatMap((text) => {
    const parsed = parseHostPattern(text);
    return parsed.ok ? [parsed.host] : [];
  });
}

/** Whether a URL is one the profile's header goes to (the same regex as its rules). */
export function matchesHosts(profile: Profile, url: string): boolean {
  return hostRegexes(profile).some((regex) => new RegExp(regex).test(url));
}

/** Whether a page at `url` is one of the profile's pages or hosts: the profile applies to its tab. */
export function appliesToPage(profile: Profile, url: string): boolean {
  return hostRegexes(profile, [...profile.hosts, ...profile.pages]).some((regex) =>
    new RegExp(regex).test(url),
  );
}

/** The profile's hosts (or these of its entries) as regexFilters, a few hosts per regex. */
function hostRegexes(profile: Profile, entries: readonly string[] = profile.hosts): string[] {
  const hosts = parsedHosts(entries);
  const regexes: string[] = [];
  for (let i = 0; i < hosts.length; i += HOSTS_PER_RULE)
    regexes.push(hostsRegex(hosts.slice(i, i + HOSTS_PER_RULE)));
  return regexes;
}

/** The domains whose pages may send the profile's token: its pages and its hosts, with subdomains. */
function initiatorDomainsOf(profile: Profile): string[] {
  const entries = [...parsedHosts(profile.pages), ...parsedHosts(profile.hosts)];
  return [...new Set(entries.map(initiatorDomain))].sort();
}

/** A request the browser reported (webRequest), as far as the rules look at it. */
export interface ObservedRequest {
  readonly url: string;
  /** The origin or document URL that made it; undefined for one the browser made itself. */
  readonly initiator?: string | undefined;
  readonly type: string;
  readonly method: string;
  readonly tabId: number;
}

/**
 * Whether the profile's rules would have set the header on this request: the same conditions as
 * `rulesForProfile`, for telling a 401 to the token from a 401 to a request that never carried it.
 */
export function rulesWouldMatch(
  profile: Profile,
  request: ObservedRequest,
  tabIds: readonly number[],
  scope: TabScope = {},
): boolean {
  if (!inScope(scope, request.tabId) || !matchesHosts(profile, request.url)) return false;
  let host: string | undefined;
  try {
    host = request.initiator ? new URL(request.initiator).hostname.replace(/^\[|\]$/g, '') : undefined;
  } catch {
    host = undefined;
  }
  // initiatorDomains: the domain itself and every subdomain of it.
  const fromProfilePage =
    !!host && initiatorDomainsOf(profile).some((domain) => host === domain || host.endsWith(`.${domain}`));
  if (request.type !== 'main_frame') return fromProfilePage;
  if (request.method.toUpperCase() !== 'GET') return false;
  return fromProfilePage || tabIds.includes(request.tabId);
}

/**
 * Rules for one profile, with ids from `firstId` upward. For each group of hosts:
 * - requests (all kinds but top-level navigations) whose initiator is one of the profile's
 *   pages or hosts. The extension's own login and refresh requests come from its own origin,
 *   which is never in that list, so they never carry the header.
 * - top-level GET navigations started by those same pages or hosts (a link in the app, a
 *   redirect within the API). Like a SameSite=Lax cookie, a form POST never gets it.
 * - top-level GET navigations in the tabs the user opened the API in (`tabIds`), from the
 *   popup's "Open in a tab".
 * A navigation that any other site starts (a link, `location`, `window.open`, a redirect, a
 * frame) gets nothing. Browsers cannot tell a URL the user typed from such a navigation (both
 * have no allowed initiator), so a typed URL gets nothing either: that is what "Open in a tab"
 * is for. Header rules ignore the host permission for a navigation's initiator, so the
 * initiator condition is the only thing that keeps foreign sites out.
 *
 * `scope` narrows all of them to an account's tabs (accounts.ts): another account's rules hold
 * only in the tabs that chose it, and take precedence there (priority 2); the default account's
 * hold everywhere else and exclude those tabs, so a tab never gets two accounts' headers whatever
 * a browser does with two rules of different priority.
 */
export function rulesForProfile(
  profile: Profile,
  tokens: HeaderTokens,
  firstId: number,
  tabIds: readonly number[] = [],
  scope: TabScope = {},
): HeaderRule[] {
  if (scope.onlyTabs?.length === 0) return [];
  const initiatorDomains = initiatorDomainsOf(profile);
  const requestHeaders = Object.entries(headersFor(profile, tokens)).map(([header, value]) => ({
    header,
    operation: 'set' as const,
    value,
  }));
  const action = { type: 'modifyHeaders' as const, requestHeaders };
  const navigation = { resourceTypes: ['main_frame' as const], requestMethods: ['get' as const] };
  const inTabs = scope.onlyTabs
    ? { tabIds: [...scope.onlyTabs] }
    : scope.exceptTabs?.length
      ? { excludedTabIds: [...scope.exceptTabs] }
      : {};
  const rules: HeaderRule[] = [];
  const add = (condition: Omit<HeaderRule['condition'], 'isUrlFilterCaseSensitive'>) =>
    rules.push({
      id: firstId + rules.length,
      priority: scope.onlyTabs ? CHOSEN_PRIORITY : DEFAULT_PRIORITY,
      action,
      condition: { ...condition, isUrlFilterCaseSensitive: true },
    });
  for (const regexFilter of hostRegexes(profile)) {
    add({ regexFilter, initiatorDomains, ...inTabs });
    add({ regexFilter, ...navigation, initiatorDomains, ...inTabs });
    if (tabIds.length) add({ regexFilter, ...navigation, tabIds: [...tabIds].sort((a, b) => a - b) });
  }
  return rules;
}

/**
 * Everything `buildRules` reads, as one text: the same text builds the same rules, so a start of
 * the background whose rules were built from it leaves them as they are without building them.
 */
export function ruleInputs(active: readonly RuleInput[], guards: readonly TabGuard[]): string {
  return JSON.stringify([
    active.map(({ profile, accessToken, idToken, tabIds, scope }) => [
      profile,
      accessToken,
      idToken,
      tabIds,
      scope,
    ]),
    guards,
  ]);
}

/**
 * An account whose token the rules carry, the tabs its API was opened in ("Open in a tab"), and
 * the tabs it covers.
 */
export interface RuleInput extends HeaderTokens {
  readonly profile: Profile;
  readonly tabIds?: readonly number[];
  readonly scope?: TabScope;
}

/**
 * Priorities: a default account's rules; a tab's guard (below); an account a tab chose. Of two
 * rules that set or remove one header, the browser applies the higher and ignores the lower
 * (MDN, ModifyHeaderInfo; both browsers).
 */
const DEFAULT_PRIORITY = 1;
const GUARD_PRIORITY = 2;
const CHOSEN_PRIORITY = 3;

/** Tabs that chose an account of `profile`: there they get that account's token or none. */
export interface TabGuard {
  readonly profile: Profile;
  readonly tabIds: readonly number[];
}

/**
 * A tab's guard: in the tabs that chose an account of the profile, every request to its hosts
 * loses the headers AutoBearer sets (`names`), unless the chosen account's own rules (a higher
 * priority) set them. So another profile that covers the same hosts never sends its token there,
 * whether the chosen account is signed in or not.
 */
function guardRules({ profile, tabIds }: TabGuard, names: readonly string[], firstId: number): HeaderRule[] {
  const requestHeaders = names.map((header) => ({ header, operation: 'remove' as const }));
  return hostRegexes(profile).map((regexFilter, i) => ({
    id: firstId + i,
    priority: GUARD_PRIORITY,
    action: { type: 'modifyHeaders' as const, requestHeaders },
    condition: { regexFilter, isUrlFilterCaseSensitive: true, tabIds: [...tabIds].sort((a, b) => a - b) },
  }));
}

/** All rules for the accounts that currently hold a token, and the tabs' guards, numbered from 1. */
export function buildRules(active: readonly RuleInput[], guards: readonly TabGuard[] = []): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const { profile, accessToken, idToken, tabIds, scope } of active) {
    rules.push(...rulesForProfile(profile, { accessToken, idToken }, rules.length + 1, tabIds, scope));
  }
  // What could reach a guarded tab: the headers of the rules above (none: nothing to guard against).
  const names = [...new Set(rules.flatMap((rule) => rule.action.requestHeaders.map((h) => h.header)))].sort();
  if (names.length === 0) return rules;
  for (const guard of guards) {
    if (guard.tabIds.length > 0) rules.push(...guardRules(guard, names, rules.length + 1));
  }
  return rules;
}

/**
 * Where "Open in a tab" goes: the profile's test URL, or else the root of its first host that
 * names one site (not a wildcard), over http where the host opted into plain http.
 */
export function tabUrlFor(profile: Profile): string | undefined {
  if (profile.testUrl) return profile.testUrl;
  const host = parsedHosts(profile.hosts).find((h) => !h.subdomains);
  if (!host) return undefined;
  return `${host.allowHttp ? 'http' : 'https'}://${host.hostname}${host.port ? `:${host.port}` : ''}/`;
}
