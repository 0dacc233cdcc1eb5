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
  /** The host patterns a 401 may have to wake the background for (`wakeHosts`). */
  readonly wanted?: readonly string[];
  /** The hosts of the listener the last start registered for itself (not one it carried). */
  readonly own?: readonly string[];
}

const sameHosts = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((host, i) => host === b[i]);

/**
 * The listeners to register at a start, each a list of host patterns (one listener each, a filter
 * the browser keeps as it is), and the memory to keep. Its own: what the last reconciliation
 * wanted, or, knowing nothing (a first start), every host. A stopped page is handed the response
 * that woke it only by a listener with the very filter it was woken for: so the last start's own
 * listener is registered once more where its filter changed and the response may matter (it
 * heard hosts wanted now); once, since this start's memory names only its own.
 */
export function listenersAtStart(memory: ListenerMemory): { listeners: string[][]; memory: ListenerMemory } {
  const own = [...(memory.wanted ?? [ALL_URLS])];
  const wanted = new Set(own);
  const last = memory.own;
  const carry =
    last !== undefined &&
    !sameHosts(last, own) &&
    (last.includes(ALL_URLS) || last.some((host) => wanted.has(host)));
  return {
    listeners: [own, ...(carry ? [[...last]] : [])].filter((hosts) => hosts.length > 0),
    memory: { ...(memory.wanted ? { wanted: memory.wanted } : {}), own },
  };
}

const isHostList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((host) => typeof host === 'string');

/** Reads the memory as stored; anything unreadable is no memory (every host at start). */
export function parseListenerMemory(text: string | null): ListenerMemory {
  try {
    const value = JSON.parse(text ?? '{}') as Record<string, unknown> | null;
    return {
      ...(isHostList(value?.wanted) ? { wanted: value.wanted } : {}),
      ...(isHostList(value?.own) ? { own: value.own } : {}),
    };
  } catch {
    return {};
  }
}

/** Whether listeners registered at start for `registered` wake a stopped page for all of `wake`. */
export function wakesFor(registered: readonly string[], wake: readonly string[]): boolean {
  // A Set: a profile file may name hundreds of hosts, and this runs at every reconciliation.
  const heard = new Set(registered);
  return heard.has(ALL_URLS) || wake.every((host) => heard.has(host));
}

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
