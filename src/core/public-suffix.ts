// Public suffixes (`com`, `co.uk`, `github.io`): a wildcard or a page there would reach sites of
// unrelated owners. The Public Suffix List is data, about 170 KB of it: the extension ships it as
// a file of its own (PUBLIC_SUFFIX_FILE, written by the build from tldts's copy of the list) that
// validation loads when it first runs, so neither the popup nor a background start parses it.
import type { HostPattern } from './hosts.js';
import { t } from './text.js';

/** The list's file in the extension package: one rule a line, as the list writes them. */
export const PUBLIC_SUFFIX_FILE = 'public-suffix-list.txt';

/** The list's rules: `com`, wildcards `*.ck`, exceptions `!www.ck` (ICANN and private sections). */
export interface PublicSuffixList {
  readonly rules: ReadonlySet<string>;
  readonly exceptions: ReadonlySet<string>;
}

export function parsePublicSuffixList(text: string): PublicSuffixList {
  const rules = new Set<string>();
  const exceptions = new Set<string>();
  for (const line of text.split('\n')) {
    const rule = line.trim();
    if (!rule || rule.startsWith('//')) continue;
    if (rule.startsWith('!')) exceptions.add(rule.slice(1));
    else rules.add(rule);
  }
  return { rules, exceptions };
}

let list: PublicSuffixList | undefined;
let readList: (() => Promise<string>) | undefined;
let loading: Promise<void> | undefined;

/**
 * Where this context reads the list's text from: the extension's file in a browser
 * (platform/public-suffix-list.ts), tldts's copy in Node (the CLI, the tests).
 */
export function readPublicSuffixListFrom(read: () => Promise<string>): void {
  readList = read;
}

/** Resolves once the list is loaded; validation (validateProfile, parseProfileFile) waits for it. */
export function publicSuffixListReady(): Promise<void> {
  if (list) return Promise.resolve();
  if (!readList) return Promise.reject(new Error('AutoBearer: nowhere to read the Public Suffix List from'));
  loading ??= readList().then((text) => {
    list = parsePublicSuffixList(text);
  });
  // A failed read (none is expected of the extension's own file) is tried again next time.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * The public suffix that a host name is, if it is one: the list has it as a rule, or a wildcard
 * rule covers it and no exception takes it out (the list's own algorithm, asked only whether the
 * whole name is the suffix). Names under a suffix the list does not know (`test`, `localhost`, an
 * intranet's own) are not.
 */
export function listedPublicSuffix(hostname: string): string | undefined {
  if (!list) throw new Error('AutoBearer: validation ran before publicSuffixListReady()');
  if (list.exceptions.has(hostname)) return undefined;
  if (list.rules.has(hostname)) return hostname;
  const dot = hostname.indexOf('.');
  return dot > 0 && list.rules.has(`*${hostname.slice(dot)}`) ? hostname : undefined;
}

/**
 * Why a host pattern would reach sites of unrelated owners, if it would.
 * - as a host, `*.SUFFIX` sends the token to every site under a public suffix;
 * - as a page, `SUFFIX` and `*.SUFFIX` alike let every site under it start requests that carry
 *   the token, because a page entry covers the subdomains (declarativeNetRequest's
 *   `initiatorDomains` cannot match a domain exactly).
 */
export function sharedSuffixProblem(host: HostPattern, use: 'host' | 'page'): string | undefined {
  if (use === 'host' && !host.subdomains) return undefined;
  const suffix = listedPublicSuffix(host.hostname);
  if (suffix === undefined) return undefined;
  return t(use === 'host' ? 'hostPublicSuffix' : 'pagePublicSuffix', JSON.stringify(host.text), suffix);
}
