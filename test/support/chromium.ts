// Drives the built extension in real headless Chromium (Debian's), with playwright-core.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { withTimeout } from './wait.js';

/** The part of chrome.declarativeNetRequest the tests read, as the browser returns it. */
export interface SessionRule {
  id: number;
  action: { type: string; requestHeaders?: Array<{ header: string; operation: string; value?: string }> };
  condition: Record<string, unknown>;
}
declare const chrome: { declarativeNetRequest: { getSessionRules(): Promise<SessionRule[]> } };

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/**
 * A copy of dist/chrome whose manifest also grants the given host permissions at install:
 * headless Chromium cannot answer the permission prompt that the options page raises.
 */
export function extensionCopy(grantedOrigins: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'autobearer-ext-'));
  cpSync(path.resolve('dist/chrome'), dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.host_permissions = grantedOrigins;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return dir;
}

export class ChromiumSession {
  private constructor(
    readonly context: BrowserContext,
    readonly extensionId: string,
    private worker: Worker,
  ) {}

  static async launch(options: {
    extensionDir: string;
    userDataDir: string;
    port: number;
  }): Promise<ChromiumSession> {
    const { extensionDir, userDataDir, port } = options;
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP *.test 127.0.0.1:${port}, MAP *.example 127.0.0.1:${port}`,
      ],
    });
    const worker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const extensionId = new URL(worker.url()).host;
    return new ChromiumSession(context, extensionId, worker);
  }

  url(page: string): string {
    return `chrome-extension://${this.extensionId}/${page}`;
  }

  async open(pageName: 'popup.html' | 'options.html'): Promise<Page> {
    const page = await this.context.newPage();
    await page.goto(this.url(pageName));
    return page;
  }

  /** The running service worker, waiting for a new one if the browser stopped the last. */
  async serviceWorker(): Promise<Worker> {
    const current = this.context
      .serviceWorkers()
      .find((w) => w.url().startsWith(`chrome-extension://${this.extensionId}/`));
    if (current) this.worker = current;
    return this.worker;
  }

  /** Session rules as the browser holds them, read from an extension page (never wakes a stale handle). */
  async sessionRules(): Promise<SessionRule[]> {
    const page = await this.open('popup.html');
    try {
      return await page.evaluate(() => chrome.declarativeNetRequest.getSessionRules());
    } finally {
      await page.close();
    }
  }

  /** Stops the extension's service worker the way the browser does when it is idle. */
  async stopServiceWorker(): Promise<void> {
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    const cdp = await this.context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    const stopped = new Promise<void>((resolve) => {
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        const ours = versions.filter((v) =>
          v.scriptURL.startsWith(`chrome-extension://${this.extensionId}/`),
        );
        if (ours.length > 0 && ours.every((v) => v.runningStatus === 'stopped')) resolve();
      });
    });
    await cdp.send('ServiceWorker.stopAllWorkers');
    await withTimeout(stopped, 10_000, 'the service worker did not stop');
    await cdp.detach();
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
