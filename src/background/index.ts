// Background entry (service worker in Chromium, event page in Firefox). It only registers
// listeners, synchronously at top level (an MV3 worker misses events registered after an
// await), and hands each event to the controller.
import { browser, type Runtime, type WebRequest } from '../browser-api/browser.js';
import '../browser-api/i18n.js'; // the core's messages in the browser's language
import '../browser-api/public-suffix-list.js'; // read when validation first runs
import { browserPlatform } from './browser-platform.js';
import { Controller } from './controller.js';
import { messageHandlers } from './handlers.js';
import { handleMessage } from './messages.js';

const extensionOrigin = new URL(browser.runtime.getURL('')).origin;
/** A response the browser reported; a 401 to a request the rules gave the token refreshes it. */
const onResponse = (details: WebRequest.OnCompletedDetailsType): void => {
  // Every response on the listened hosts comes here: all but a 401 cost this one comparison.
  if (details.statusCode !== 401) return;
  // Chromium names the initiator's origin; Firefox the document URL that made the request.
  const initiator = (details as { initiator?: string }).initiator ?? details.originUrl;
  if (initiator?.startsWith(extensionOrigin)) return;
  const { url, type, method, tabId, statusCode } = details;
  void controller.onResponse({ url, initiator, type, method, tabId }, statusCode);
};
// Observed only (never blocking), and only for hosts the extension has permission for: the
// platform registers at once the listeners this start chose (core/response-listeners.ts), so that
// the response that woke the background reaches it; the reconciliation narrows them to the hosts
// of the signed-in profiles that react to a 401, or stops them where none does (each response
// heard costs its request a little).
const platform = browserPlatform(onResponse);
const controller = new Controller(platform);
const handlers = messageHandlers(controller, platform);

browser.alarms.onAlarm.addListener((alarm) => controller.onAlarm(alarm.name));
browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) =>
  handleMessage(handlers, message, sender),
);
// "Open in a tab": a tab's rule goes when it closes or leaves the profile's hosts. Its first
// page is the extension's own blank page, shown while the rule is set.
// A tab's account choice goes when it closes, and passes to the tabs it opens.
browser.tabs.onRemoved.addListener((tabId) => void controller.onTabClosed(tabId));
/**
 * Which page opened a tab: the browser's navigation events say it reliably (the optional
 * `webNavigation` permission, asked for when a second account is added, so that installing asks
 * for nothing more). Without it, `tabs.onCreated`'s opener, which Chromium may set to the tab in
 * front rather than the one whose page called `window.open`.
 */
let hearsNavigationTargets = false;
function listenToNavigationTargets(): void {
  // Present once the permission is granted (the browser adds the API to a running background too).
  if (hearsNavigationTargets || !browser.webNavigation) return;
  browser.webNavigation.onCreatedNavigationTarget.addListener(({ sourceTabId, tabId }) => {
    void controller.onTabOpenedBy(sourceTabId, tabId);
  });
  hearsNavigationTargets = true;
}
listenToNavigationTargets();
browser.tabs.onCreated.addListener((tab) => {
  if (tab.id !== undefined && !hearsNavigationTargets) void controller.onTabOpened(tab.id, tab.openerTabId);
});
browser.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (tab.url?.startsWith(extensionOrigin)) return;
  void controller.onTabNavigated(tabId, tab.url, change.status === 'complete');
});
browser.storage.onChanged.addListener((_changes, area) => {
  if (area === 'managed') void controller.reconcile();
  // Another browser's change to the synced profiles (when sync is on). A change here goes to
  // sync from the controller's commit: a storage write is never a signal.
  if (area === 'sync') void controller.syncProfiles();
});
browser.permissions.onAdded.addListener(() => {
  listenToNavigationTargets();
  void controller.reconcile();
});
browser.permissions.onRemoved.addListener(() => void controller.reconcile());
browser.runtime.onInstalled.addListener(() => {
  // Earlier builds published the state in storage.local; it lives in storage.session now.
  void browser.storage.local.remove(['status', 'diagnostics']);
  void controller.reconcile();
});
browser.runtime.onStartup.addListener(() => void controller.reconcile());

// Every start of the worker (install, browser start, wake after the browser stopped it)
// rebuilds rules and alarms from storage, publishes the state and refreshes what is due.
void controller.reconcile();
