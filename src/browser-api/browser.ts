// The one home of webextension-polyfill: every other module takes the browser API from here, so
// the polyfill can be dropped the day both browsers' native `browser` namespace is enough.
// APIs missing from the polyfill's list (declarativeNetRequest) pass straight through to the
// browser's own promise-returning API.
import browser from 'webextension-polyfill';

export type {
  Alarms,
  DeclarativeNetRequest,
  Permissions,
  Runtime,
  Storage,
  WebRequest,
} from 'webextension-polyfill';
export { browser };
