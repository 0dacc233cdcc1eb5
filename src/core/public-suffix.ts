// Public suffixes (`com`, `co.uk`, `github.io`): a wildcard or a page there would reach sites of
// unrelated owners. Apart from hosts.ts so that only validation carries the Public Suffix List
// (about 100 KB of tldts): the popup and the background's hot paths never load it.
import { parse as parseDomain } from 'tldts';
import type { HostPattern } from './hosts.js';
import { t } from './text.js';

/**
 * The public suffix (ICANN or private section of the Public Suffix List: `com`, `co.uk`,
 * `github.io`, `herokuapp.com`) that a host name is, if it is one. Names under a suffix the
 * list does not know (`test`, `localhost`, an intranet's own) are not.
 */
export function listedPublicSuffix(hostname: string): string | undefined {
  const parsed = parseDomain(hostname, { allowPrivateDomains: true });
  const listed = parsed.isIcann === true || parsed.isPrivate === true;
  return listed && parsed.domain === null && parsed.publicSuffix === hostname ? hostname : undefined;
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
