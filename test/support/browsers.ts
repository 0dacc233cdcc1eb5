// Which browsers the tests run, their versions, and the check that each is new enough for the
// built extension: a browser older than the manifest's minimum installs the extension disabled,
// silently (Firefox), or refuses it, and every test would then time out on its own.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

export interface BrowserVersion {
  /** What the browser prints of itself, e.g. `Mozilla Firefox 140.12.0esr`. */
  text: string;
  major: number;
}

const versions = new Map<string, BrowserVersion>();

/** The version a browser binary prints of itself (asked once per binary and process). */
export function browserVersion(executable: string): BrowserVersion {
  let version = versions.get(executable);
  if (!version) {
    let text: string;
    try {
      text = execFileSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
    } catch (error) {
      throw new Error(`cannot run ${executable} --version (is the browser installed?): ${error}`);
    }
    const major = Number(/(\d+)\.\d+/.exec(text)?.[1]);
    if (!Number.isFinite(major)) throw new Error(`${executable} --version printed no version: ${text}`);
    version = { text, major };
    versions.set(executable, version);
  }
  return version;
}

/** The minimum browser version the manifest declares (the build copies it unchanged). */
export function manifestMinimum(target: 'chrome' | 'firefox'): string {
  const manifest = JSON.parse(readFileSync(path.resolve('manifest.json'), 'utf8'));
  return target === 'chrome'
    ? manifest.minimum_chrome_version
    : manifest.browser_specific_settings.gecko.strict_min_version;
}

/**
 * Fails at once, with one message naming both versions, when the browser is older than the
 * built extension's minimum.
 */
export function assertSupported(target: 'chrome' | 'firefox', executable: string): BrowserVersion {
  const version = browserVersion(executable);
  const minimum = manifestMinimum(target);
  if (version.major < Number.parseInt(minimum, 10)) {
    throw new Error(
      `${version.text} (${executable}) is older than the extension's minimum, ${minimum}: ` +
        'it would install AutoBearer disabled. Install a newer browser or point ' +
        `${target === 'chrome' ? 'CHROMIUM_PATH' : 'FIREFOX_PATH'} at one (README, "Test").`,
    );
  }
  return version;
}

/** The folder Firefox reads its machine-wide `policies.json` from, beside the real binary. */
export function firefoxDistributionDir(executable = FIREFOX): string {
  return path.join(path.dirname(realpathSync(executable)), 'distribution');
}
