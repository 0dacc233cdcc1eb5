// HOST patterns of the profile format (`[http://]HOSTNAME[:PORT]`, `*.` for subdomains) and
// what they turn into: a URL regex for declarativeNetRequest, an initiator domain, a
// host-permission match pattern. Pure functions; the spec is ../shared/spec/profile-format.md.

import { type MessageKey, t } from './text.js';

export interface HostPattern {
  /** The text as written in the profile, kept for messages and export. */
  readonly text: string;
  /** `true` when the pattern opted into plain http (`http://` prefix); https is always allowed. */
  readonly allowHttp: boolean;
  /** `*.example.com`: every subdomain at any depth, not example.com itself. */
  readonly subdomains: boolean;
  /** Lower-case host name without `*.`; IPv6 literals keep their brackets. */
  readonly hostname: string;
  readonly port?: number;
}

export type HostParseResult = { ok: true; host: HostPattern } | { ok: false; error: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/** The browser's own form of a host name: IDN to punycode, numeric IPv4 forms (`0`) to dotted quads. */
function canonicalHostname(name: string): string | undefined {
  try {
    return new URL(`https://${name}/`).hostname;
  } catch {
    return undefined;
  }
}

export function parseHostPattern(text: string): HostParseResult {
  const fail = (why: MessageKey): HostParseResult => ({ ok: false, error: t(why, JSON.stringify(text)) });
  if (typeof text !== 'string' || text.length === 0) return fail('hostNotAHost');
  let rest = text;
  let allowHttp = false;
  if (/^https:\/\//i.test(rest)) {
    return fail('hostWithHttps');
  }
  if (/^http:\/\//i.test(rest)) {
    allowHttp = true;
    rest = rest.slice('http://'.length);
  }
  if (rest.includes('/')) return fail('hostWithPath');
  let port: number | undefined;
  const portMatch = /:(\d+)$/.exec(rest);
  if (portMatch) {
    port = Number(portMatch[1]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('hostBadPort');
    rest = rest.slice(0, portMatch.index);
  }
  let subdomains = false;
  if (rest.startsWith('*.')) {
    subdomains = true;
    rest = rest.slice(2);
  }
  const hostname = rest.toLowerCase();
  if (IPV6.test(hostname)) {
    if (subdomains) return fail('hostIpSubdomains');
    const canonical = canonicalHostname(hostname);
    if (canonical === undefined) return fail('hostNotIpv6');
    return {
      ok: true,
      host: { text, allowHttp, subdomains, hostname: canonical, ...(port ? { port } : {}) },
    };
  }
  // Characters that a URL would read as something else than a host name.
  if (hostname.length === 0 || /[\s/?#@\\%:[\]*]/.test(hostname)) return fail('hostNotAHost');
  const canonical = canonicalHostname(hostname);
  if (canonical === undefined) return fail('hostNotAHost');
  if (subdomains && /^[\d.]+$/.test(canonical)) return fail('hostIpSubdomains');
  if (canonical.length > 253 || !canonical.split('.').every((label) => LABEL.test(label))) {
    return fail('hostNotAHost');
  }
  return { ok: true, host: { text, allowHttp, subdomains, hostname: canonical, ...(port ? { port } : {}) } };
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The URL prefix alternatives (without `^` and the trailing `/`) that a pattern matches.
 * Browsers drop a scheme's default port from URLs, so `:443` on https matches the bare host.
 */
function urlPrefixes(host: HostPattern): string[] {
  const name = host.subdomains
    ? `(?:[a-z0-9-]+\\.)+${escapeRegex(host.hostname)}`
    : escapeRegex(host.hostname);
  const schemes: Array<['https' | 'http', number]> = host.allowHttp
    ? [
        ['https', 443],
        ['http', 80],
      ]
    : [['https', 443]];
  return schemes.flatMap(([scheme, defaultPort]) => {
    if (host.port === undefined) return [`${scheme}://${name}(?::[0-9]+)?`];
    if (host.port === defaultPort) return [`${scheme}://${name}`];
    return [`${scheme}://${name}:${host.port}`];
  });
}

/** One regex for declarativeNetRequest's `regexFilter` matching any URL on any of the hosts. */
export function hostsRegex(hosts: readonly HostPattern[]): string {
  const alternatives = hosts.flatMap(urlPrefixes);
  return `^(?:${alternatives.join('|')})/`;
}

/** Test helper and documentation of the regex: does a URL fall under a host pattern? */
export function urlMatchesHost(url: string, host: HostPattern): boolean {
  return new RegExp(hostsRegex([host])).test(url);
}

/**
 * The registrable part used for declarativeNetRequest's `initiatorDomains`, which matches a
 * domain and all its subdomains (the API cannot match an initiator exactly).
 */
export function initiatorDomain(host: HostPattern): string {
  return host.hostname.replace(/^\[|\]$/g, '');
}

/**
 * What a `pages` entry lets in, said plainly: declarativeNetRequest's `initiatorDomains` matches
 * the domain and every subdomain of it, on any scheme and port, whatever the entry spells (a
 * HOST without `http://` means https only everywhere else in the format).
 */
export function pageReach(page: HostPattern): string {
  const domain = initiatorDomain(page);
  const isIp = /^[\d.]+$/.test(domain) || domain.includes(':');
  return t(isIp ? 'pageReachIp' : 'pageReach', JSON.stringify(page.text), domain);
}

/**
 * Host-permission match patterns for a host. Match patterns cannot carry a port, so
 * a permission covers every port of the host; the DNR rule still limits the port.
 */
export function permissionOrigins(host: HostPattern): string[] {
  const name = host.subdomains ? `*.${host.hostname}` : host.hostname;
  return host.allowHttp ? [`https://${name}/*`, `http://${name}/*`] : [`https://${name}/*`];
}

/** The match pattern for a concrete endpoint URL (login, refresh, token). */
export function permissionOriginForUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}/*`;
}
