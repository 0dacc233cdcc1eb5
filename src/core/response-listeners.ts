// Which responses the 401 reaction's listener hears, and which of them wake a stopped background.
//
// The browsers differ in what wakes a stopped background for a `webRequest` event (measured, both
// in the e2e tests): Chromium's service worker is woken for the listeners as the worker last left
// them, so narrowing them at any time is enough (since 156; before, the waking response is lost,
// see CHROMIUM_WAKES_NARROWED_LISTENERS). Firefox's event page is woken only for the
// listeners the page registered while it started; one removed later still wakes it, one added
// later does not until the page's next start. So in Firefox the listeners registered at start
// must be chosen before the page knows anything (its storage reads are asynchronous): from a
// memory the last reconciliation left in the page's `localStorage`, which reads at once.

/**
 * Chromium before this version hands the response that wakes a stopped worker only to the
 * listener the browser kept for it (each `addListener` is a sub-event `…/s1`, `…/s2`, numbered
 * within the worker's life, and the browser keeps the last life's listeners with their filters).
 * A listener narrowed after the first turn of a start is `…/s2`; the next start has registered
 * only `…/s1` when the waking response arrives, so Chromium 150 drops it: the worker starts and
 * hears nothing (measured with a bare worker in Chromium 150.0.7871.100; 156.0.8078.114 hands it
 * to the start's `<all_urls>` listener). 156 is the first version seen doing so; between them
 * nothing was measured, so they are treated as 150.
 */
export const CHROMIUM_WAKES_NARROWED_LISTENERS = 156;

/** Chromium's major version from a user agent (the reduced one keeps it), or none (Firefox). */
export function chromiumMajor(userAgent: string): number | undefined {
  if (/Firefox\//.test(userAgent)) return undefined;
  const major = /Chrom(?:e|ium)\/(\d+)/.exec(userAgent)?.[1];
  return major === undefined ? undefined : Number(major);
}

/**
 * The hosts a service worker's response listener hears, for the hosts the reaction needs `now`
 * and those a 401 may have to wake it for (`wake`). Where Chromium wakes the worker for a
 * narrowed listener, `now`. Where it does not (above), the listener the start registered for
 * every host stays as long as anything may need waking: waking (the 401 reaction works) is chosen
 * over the narrowing (each granted host's responses cost a little); with nothing to wake, none.
 */
export function workerListenerHosts(
  hosts: { now: readonly string[]; wake: readonly string[] },
  major: number | undefined,
): readonly string[] {
  if (major === undefined || major >= CHROMIUM_WAKES_NARROWED_LISTENERS) return hosts.now;
  return hosts.wake.length > 0 ? [ALL_URLS] : [];
}

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
