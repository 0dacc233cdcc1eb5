// Which responses the 401 reaction's listener hears, and which of them wake a stopped background.
//
// The browsers differ in what wakes a stopped background for a `webRequest` event (measured, both
// in the e2e tests): Chromium's service worker is woken for the listeners as the worker last left
// them, so narrowing them at any time is enough. Firefox's event page is woken only for the
// listeners the page registered while it started; one removed later still wakes it, one added
// later does not until the page's next start. So in Firefox the listeners registered at start
// must be chosen before the page knows anything (its storage reads are asynchronous): from a
// memory the last reconciliation left in the page's `localStorage`, which reads at once.

/** Every host the extension may see (`webRequest` reports only granted hosts). */
export const ALL_URLS = '<all_urls>';

/** What a reconciliation leaves for the next start of the background. */
export interface ListenerMemory {
  /** The host patterns a 401 may need to wake the background for (`wakeHosts`). */
  readonly wanted?: readonly string[];
  /**
   * `fallback`: the last start knew nothing (a first start) and listened to every host;
   * `carried`: the last start listened to every host once more, to hear what woke it.
   */
  readonly allUrls?: 'fallback' | 'carried';
}

/**
 * The host patterns to listen to from a start, and the memory to keep. Knowing nothing, every
 * host. Else what the last reconciliation wanted and, once, every host again where the last
 * start listened to every host: a stopped page is handed the response that woke it only if the
 * start registers a listener with the very filter it was woken for.
 */
export function listenersAtStart(memory: ListenerMemory): { hosts: string[]; memory: ListenerMemory } {
  if (!memory.wanted) return { hosts: [ALL_URLS], memory: { allUrls: 'fallback' } };
  const carry = memory.allUrls === 'fallback';
  return {
    hosts: carry ? [...memory.wanted, ALL_URLS] : [...memory.wanted],
    memory: { wanted: memory.wanted, ...(carry ? { allUrls: 'carried' as const } : {}) },
  };
}

/** Reads the memory as stored; anything unreadable is no memory (every host at start). */
export function parseListenerMemory(text: string | null): ListenerMemory {
  try {
    const value = JSON.parse(text ?? '{}') as ListenerMemory;
    const wanted = Array.isArray(value.wanted) && value.wanted.every((h) => typeof h === 'string');
    const allUrls = value.allUrls === 'fallback' || value.allUrls === 'carried' ? value.allUrls : undefined;
    return { ...(wanted ? { wanted: value.wanted } : {}), ...(allUrls ? { allUrls } : {}) };
  } catch {
    return {};
  }
}

/** Whether listeners registered at start for `registered` wake a stopped page for all of `wake`. */
export const wakesFor = (registered: readonly string[], wake: readonly string[]): boolean =>
  registered.includes(ALL_URLS) || wake.every((host) => registered.includes(host));

/**
 * The alarm that starts a stopped background again where a profile now wants a 401 heard that
 * its last start did not listen to (Firefox, above): set while that lasts, so that at worst a
 * stopped page is deaf to those hosts until it fires. Later than the browsers' idle stop (30 s).
 */
export const LISTEN_ALARM = 'listen';
export const LISTEN_DELAY_MS = 45_000;

/** The alarms wanted, with the listen alarm where it is needed (kept at its time if set). */
export function withListenAlarm(
  alarms: ReadonlyMap<string, number>,
  needed: boolean,
  existing: ReadonlyArray<{ name: string; scheduledTime: number }>,
  now: number,
): ReadonlyMap<string, number> {
  if (!needed) return alarms;
  const set = existing.find((alarm) => alarm.name === LISTEN_ALARM)?.scheduledTime;
  return new Map([...alarms, [LISTEN_ALARM, set !== undefined && set > now ? set : now + LISTEN_DELAY_MS]]);
}
