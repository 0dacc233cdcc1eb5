// Chromium before 156 (CHROMIUM_WAKES_NARROWED_LISTENERS): the response listeners an earlier
// life of the service worker left registered.
//
// Each `webRequest` addListener in a worker is a sub-event numbered within the worker's life
// (`webRequest.onCompleted/s1`, `/s2`, …; Chromium's web_request_event.js numbers them per
// context so that every life's top-level listeners get the same names), and the browser keeps
// each one with its filter when the worker stops, to wake it. A later life removes a kept one
// only by adding a listener of the same number and removing it. So a listener added after the
// start (number 2 or more) that its life never removed stays: it wakes the worker for its hosts
// in every later life, and the response is lost (measured in Chromium 150.0.7871.100: after a
// life that added `/s2` for every host, a life that removed its own `/s1` was still woken by
// every granted host's responses; adding and removing a placeholder as `/s2` ended it).
//
// These listeners number themselves as Chromium does, remember the highest number still
// registered, and at the next start add and remove placeholders up to that number.
import type { Storage, WebRequest } from '../browser-api/browser.js';

type Listener = (details: WebRequest.OnCompletedDetailsType) => void;
type Filter = WebRequest.RequestFilter;
type Event = Pick<WebRequest.OnCompletedEvent, 'addListener' | 'removeListener'>;

const KEY = 'workerListenerNumbers';
/** A placeholder's filter: a host that never answers (RFC 6761), so it costs nothing. */
const NOWHERE: Filter = { urls: ['https://autobearer.invalid/*'] };

export interface NumberedListeners {
  add(listener: Listener, filter: Filter): void;
  remove(listener: Listener): void;
}

/** Call at the very start of the worker, before its first listener. */
export function keptListenerCleanup(
  event: Event,
  storage: Pick<Storage.StorageArea, 'get' | 'set'>,
): NumberedListeners {
  let count = 0; // the numbers this life has used
  const live = new Map<Listener, number>();
  let saved: number | undefined;
  // Every write waits for the cleanup: until it is done the earlier lives' number stands.
  let done = storage.get(KEY).then(
    (stored) => {
      const highest = Number(stored[KEY]) || 0;
      while (count < highest) {
        const placeholder: Listener = () => undefined;
        event.addListener(placeholder, NOWHERE);
        count += 1;
        event.removeListener(placeholder);
      }
      saved = highest;
    },
    () => undefined,
  );
  const save = () => {
    done = done.then(async () => {
      const highest = Math.max(0, ...live.values());
      if (highest === saved) return;
      saved = highest;
      await storage.set({ [KEY]: highest });
    });
  };
  save();
  return {
    add(listener, filter) {
      event.addListener(listener, filter);
      count += 1;
      live.set(listener, count);
      save();
    },
    remove(listener) {
      event.removeListener(listener);
      live.delete(listener);
      save();
    },
  };
}
