// The `autobearer` command line, read into what to do. Pure.
import type { BridgeName } from './bridge-dir.js';
import { BROWSERS, type BrowserName, isBrowserName, isChromeId } from './manifests.js';

interface TokenOptions {
  readonly profile: string;
  readonly account?: string;
  readonly minTtl?: number;
  /** Only this browser's bridge (when both run). */
  readonly browser?: BridgeName;
}

export type Command =
  | ({ readonly kind: 'token'; readonly json: boolean } & TokenOptions)
  | ({ readonly kind: 'curl' | 'exec'; readonly rest: readonly string[] } & TokenOptions)
  | {
      readonly kind: 'install';
      readonly browsers: readonly BrowserName[];
      readonly chromeIds: readonly string[];
      readonly manifestDir?: string;
    }
  | { readonly kind: 'uninstall'; readonly browsers: readonly BrowserName[]; readonly manifestDir?: string }
  | { readonly kind: 'doctor' }
  | { readonly kind: 'host'; readonly args: readonly string[] }
  | { readonly kind: 'help' };

export const USAGE = `autobearer: AutoBearer's live token in the terminal (docs/terminal.md)

  autobearer install [--browser chrome|chromium|edge|firefox|all] [--chrome-id ID]...
  autobearer uninstall [--browser ...]
  autobearer doctor
  autobearer token PROFILE [--account N] [--min-ttl SECONDS] [--json]
  autobearer curl PROFILE [--account N] [--min-ttl SECONDS] -- CURL-ARGUMENTS...
  autobearer exec PROFILE [--account N] [--min-ttl SECONDS] -- COMMAND...

Terminal access is off until you turn it on for a profile in AutoBearer's popup.`;

export function parseArgs(argv: readonly string[]): Command | { readonly error: string } {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') return { kind: 'help' };
  if (verb === 'host') return { kind: 'host', args: rest };
  if (verb === 'doctor') return rest.length ? { error: `doctor takes no arguments` } : { kind: 'doctor' };
  const dash = rest.indexOf('--');
  const own = dash < 0 ? rest : rest.slice(0, dash);
  const after = dash < 0 ? [] : rest.slice(dash + 1);
  const options = new Map<string, string[]>();
  const positional: string[] = [];
  const flags = new Set(['--json']);
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    if (flags.has(arg)) {
      options.set(arg, ['']);
      continue;
    }
    const value = own[i + 1];
    if (value === undefined) return { error: `${arg} needs a value` };
    options.set(arg, [...(options.get(arg) ?? []), value]);
    i++;
  }
  const one = (name: string) => options.get(name)?.at(-1);
  const known = (names: string[]) => [...options.keys()].find((name) => !names.includes(name));

  if (verb === 'install' || verb === 'uninstall') {
    const unknown = known(['--browser', '--chrome-id', '--manifest-dir']);
    if (unknown || positional.length || after.length)
      return { error: `${verb}: unknown argument ${unknown ?? positional[0] ?? '--'}` };
    const browser = one('--browser') ?? 'all';
    if (browser !== 'all' && !isBrowserName(browser))
      return { error: `--browser: one of ${BROWSERS.join(', ')}, all` };
    const browsers = browser === 'all' ? [...BROWSERS] : [browser];
    const manifestDir = one('--manifest-dir');
    const dir = manifestDir ? { manifestDir } : {};
    if (verb === 'uninstall') return { kind: 'uninstall', browsers, ...dir };
    const chromeIds = options.get('--chrome-id') ?? [];
    const bad = chromeIds.find((id) => !isChromeId(id));
    if (bad)
      return { error: `--chrome-id ${bad}: an extension id is 32 letters a to p (the popup shows it)` };
    return { kind: 'install', browsers, chromeIds, ...dir };
  }

  if (verb === 'token' || verb === 'curl' || verb === 'exec') {
    const unknown = known(['--account', '--min-ttl', '--browser', ...(verb === 'token' ? ['--json'] : [])]);
    if (unknown) return { error: `${verb}: unknown option ${unknown}` };
    const [profile, ...extra] = positional;
    if (!profile) return { error: `${verb}: which profile? (its name, as the popup shows it)` };
    if (extra.length)
      return {
        error: `${verb}: one profile at a time (${extra[0]}?)${verb === 'token' ? '' : '; put the command after --'}`,
      };
    const account = one('--account');
    if (account !== undefined && !/^[1-9][0-9]{0,3}$/.test(account))
      return { error: `--account: a number (1 is the profile's own)` };
    const ttl = one('--min-ttl');
    const minTtl = ttl === undefined ? undefined : Number(ttl);
    if (minTtl !== undefined && !(Number.isInteger(minTtl) && minTtl >= 0))
      return { error: `--min-ttl: whole seconds` };
    const browser = one('--browser');
    if (browser !== undefined && browser !== 'chromium' && browser !== 'firefox')
      return { error: `--browser: chromium (also Chrome and Edge) or firefox` };
    const token: TokenOptions = {
      profile,
      // Account 1 is the profile's own: the default account.
      ...(account !== undefined && account !== '1' ? { account } : {}),
      ...(minTtl !== undefined ? { minTtl } : {}),
      ...(browser ? { browser } : {}),
    };
    if (verb === 'token')
      return after.length
        ? { error: 'token: nothing goes after --' }
        : { kind: 'token', json: options.has('--json'), ...token };
    if (after.length === 0)
      return { error: `${verb}: put the ${verb === 'curl' ? 'curl arguments' : 'command'} after --` };
    return { kind: verb, rest: after, ...token };
  }
  return { error: `unknown command ${verb}` };
}
