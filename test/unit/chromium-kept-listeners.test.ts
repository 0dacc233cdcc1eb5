// Chromium before 156 keeps a worker's later listeners after its life: the next start removes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keptListenerCleanup } from '../../src/background/chromium-kept-listeners.js';

type Listener = (details: never) => void;
type Filter = { urls: string[] };

/**
 * Chromium 150 as measured: each addListener of a worker's life is sub-event number 1, 2, …; the
 * browser keeps each number's filter after the life ends, until a life removes that number.
 */
class Chromium150 {
  /** What wakes a stopped worker: the kept sub-events and their filters. */
  readonly kept = new Map<number, Filter>();
  readonly storage = new Map<string, unknown>();
  life() {
    let count = 0;
    const numbers = new Map<Listener, number>();
    const event = {
      addListener: (listener: Listener, filter: Filter) => {
        count += 1;
        numbers.set(listener, count);
        this.kept.set(count, filter);
      },
      removeListener: (listener: Listener) => {
        const number = numbers.get(listener);
        if (number === undefined) throw new Error('removed a listener that was never added');
        numbers.delete(listener);
        this.kept.delete(number);
      },
    };
    const storage = {
      get: async (key: string) => (this.storage.has(key) ? { [key]: this.storage.get(key) } : {}),
      set: async (items: Record<string, unknown>) => {
        for (const [key, value] of Object.entries(items)) this.storage.set(key, value);
      },
    };
    return keptListenerCleanup(event as never, storage as never);
  }
}

const EVERY = { urls: ['<all_urls>'] };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('listeners Chromium before 156 keeps after a worker’s life', () => {
  it('a listener added later in a life, never removed, is removed by the next start', async () => {
    const browser = new Chromium150();
    const first = browser.life();
    const start: Listener = () => undefined;
    first.add(start as never, EVERY); // at top level: number 1
    first.remove(start as never); // nothing reacts to a 401
    const later: Listener = () => undefined;
    first.add(later as never, EVERY); // the reaction turned on again: number 2
    await settle();
    assert.deepEqual([...browser.kept.keys()], [2]);

    const second = browser.life();
    const start2: Listener = () => undefined;
    second.add(start2 as never, EVERY); // number 1 again
    await settle();
    assert.deepEqual(
      [...browser.kept.keys()],
      [1],
      'number 2 added and removed again: only the start’s is kept',
    );
    second.remove(start2 as never); // the reaction off
    await settle();
    assert.deepEqual([...browser.kept.keys()], [], 'nothing wakes it');

    const third = browser.life();
    third.add((() => undefined) as never, EVERY);
    await settle();
    assert.deepEqual(
      [...browser.kept.keys()],
      [1],
      'a life that kept only its start’s listener leaves nothing to clean',
    );
  });

  it('a first life with nothing stored adds no placeholder', async () => {
    const browser = new Chromium150();
    const life = browser.life();
    life.add((() => undefined) as never, EVERY);
    await settle();
    assert.deepEqual([...browser.kept.entries()], [[1, EVERY]]);
    assert.equal(browser.storage.get('workerListenerNumbers'), 1);
  });
});
