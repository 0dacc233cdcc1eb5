// Where each browser looks for a native messaging host's manifest, for the current user, and what
// the manifest says: the host's launcher and exactly which extension may start it
// (`allowed_origins` for the Chromium family, `allowed_extensions` for Firefox).
import { createHash } from 'node:crypto';
import path from 'node:path';
import { NATIVE_HOST } from '../core/terminal.js';

export const BROWSERS = ['chrome', 'chromium', 'edge', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];
export const isBrowserName = (name: string): name is BrowserName =>
  (BROWSERS as readonly string[]).includes(name);

/** The extension's id in Firefox (manifest.json's gecko id). */
export const FIREFOX_ID = 'autobearer@autobearer.dev';

/** The user's own manifest folder of a browser (Linux and macOS; Windows: see docs/terminal.md). */
export function manifestDir(browser: BrowserName, os: NodeJS.Platform, home: string): string {
  const linux: Record<BrowserName, string> = {
    chrome: '.config/google-chrome/NativeMessagingHosts',
    chromium: '.config/chromium/NativeMessagingHosts',
    edge: '.config/microsoft-edge/NativeMessagingHosts',
    firefox: '.mozilla/native-messaging-hosts',
  };
  const mac: Record<BrowserName, string> = {
    chrome: 'Library/Application Support/Google/Chrome/NativeMessagingHosts',
    chromium: 'Library/Application Support/Chromium/NativeMessagingHosts',
    edge: 'Library/Application Support/Microsoft Edge/NativeMessagingHosts',
    firefox: 'Library/Application Support/Mozilla/NativeMessagingHosts',
  };
  if (os === 'linux') return path.join(home, linux[browser]);
  if (os === 'darwin') return path.join(home, mac[browser]);
  throw new Error(`native messaging hosts on ${os} are registered in the registry: see docs/terminal.md`);
}

export const manifestFile = (dir: string): string => path.join(dir, `${NATIVE_HOST}.json`);

/** The host manifest for one browser: `launcher` is the host's absolute path. */
export function hostManifest(browser: BrowserName, launcher: string, chromeIds: readonly string[]) {
  const base = {
    name: NATIVE_HOST,
    description: 'AutoBearer: the live token for the terminal (autobearer token, curl, exec)',
    path: launcher,
    type: 'stdio',
  };
  return browser === 'firefox'
    ? { ...base, allowed_extensions: [FIREFOX_ID] }
    : { ...base, allowed_origins: chromeIds.map((id) => `chrome-extension://${id}/`) };
}

/**
 * A Chromium extension id: the first 128 bits of the SHA-256 of `data` (the manifest's public
 * key, or for an unpacked extension without one its folder's path), each hex digit written as a
 * letter from a to p.
 */
export function extensionIdOf(data: string | Uint8Array): string {
  const hex = createHash('sha256').update(data).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
}

/** The id Chromium gives an unpacked extension loaded from `dir`. */
export const unpackedExtensionId = (dir: string): string => extensionIdOf(path.resolve(dir));

/** Whether a text is a Chromium extension id. */
export const isChromeId = (id: string): boolean => /^[a-p]{32}$/.test(id);
