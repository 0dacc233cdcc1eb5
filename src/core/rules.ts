// The declarativeNetRequest rules a signed-in profile turns into. Pure.
import { type HostPattern, hostsRegex, initiatorDomain, parseHostPattern } from './hosts.js';
import type { Profile } from './profile.js';

/** The subset of chrome.declarativeNetRequest.Rule both browsers accept and this extension uses. */
export interface HeaderRule {
  id: number;
  priority: number;
  action: {
    type: 'modifyHeaders';
    requestHeaders: Array<{ header: string; operation: 'set'; value: string }>;
  };
  condition: {
    regexFilter: string;
    isUrlFilterCaseSensitive: boolean;
    initiatorDomains?: string[];
    resourceTypes?: Array<'main_frame'>;
    requestMethods?: Array<'get'>;
  };
}

/**
 * Chromium compiles each regexFilter under a 2 KB memory budget (RE2); a handful of host
 * alternatives per rule stays far below it, so a profile with many hosts gets several rules.
 */
export const HOSTS_PER_RULE = 8;

export function headerValue(template: string, accessToken: string): string {
  return template.split('{access_token}').join(accessToken);
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

/** The profile's hosts as regexFilters, a few hosts per regex. */
function hostRegexes(profile: Profile): string[] {
  const hosts = parsedHosts(profile.hosts);
  const regexes: string[] = [];
  for (let i = 0; i < hosts.length; i += HOSTS_PER_RULE)
    regexes.push(hostsRegex(hosts.slice(i, i + HOSTS_PER_RULE)));
  return regexes;
}

/**
 * Rules for one profile, with ids from `firstId` upward. For each group of hosts:
 * - requests (all kinds but top-level navigations) whose initiator is one of the profile's
 *   pages or hosts. The extension's own login and refresh requests come from its own origin,
 *   which is never in that list, so they never carry the header.
 * - top-level GET navigations, which the user makes by opening the API in a tab. Like a
 *   SameSite=Lax cookie, a cross-site form POST never gets it. Browsers apply header rules only
 *   where the extension has host permission for the initiator as well, so a link on an unrelated
 *   site does not either.
 */
export function rulesForProfile(profile: Profile, accessToken: string, firstId: number): HeaderRule[] {
  const hosts = parsedHosts(profile.hosts);
  const initiators = [...new Set([...parsedHosts(profile.pages), ...hosts].map(initiatorDomain))].sort();
  const requestHeaders = [
    {
      header: profile.header.name,
      operation: 'set' as const,
      value: headerValue(profile.header.value, accessToken),
    },
  ];
  const rules: HeaderRule[] = [];
  for (const regexFilter of hostRegexes(profile)) {
    const action = { type: 'modifyHeaders' as const, requestHeaders };
    rules.push(
      {
        id: firstId + rules.length,
        priority: 1,
        action,
        condition: { regexFilter, isUrlFilterCaseSensitive: true, initiatorDomains: initiators },
      },
      {
        id: firstId + rules.length + 1,
        priority: 1,
        action,
        condition: {
          regexFilter,
          isUrlFilterCaseSensitive: true,
          resourceTypes: ['main_frame'],
          requestMethods: ['get'],
        },
      },
    );
  }
  return rules;
}

/** All rules for the profiles that currently hold a token, numbered from 1. */
export function buildRules(active: ReadonlyArray<{ profile: Profile; accessToken: string }>): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const { profile, accessToken } of active) {
    rules.push(...rulesForProfile(profile, accessToken, rules.length + 1));
  }
  return rules;
}
