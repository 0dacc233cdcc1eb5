// What the 401 reaction's listeners hear from a start, and what wakes a stopped background.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_URLS,
  chromiumMajor,
  LISTEN_ALARM,
  type ListenerMemory,
  listenersAtStart,
  parseListenerMemory,
  wakesFor,
  withListenAlarm,
  workerListenerHosts,
} from '../../src/core/response-listeners.js';

const API = ['http://api.test/*', 'https://api.test/*'];

describe('response listeners from a start', () => {
  it('a first start knows nothing and hears every host; the next hears that too, once, then only what is wanted', () => {
    const first = listenersAtStart({});
    assert.deepEqual(first.listeners, [[ALL_URLS]]);
    // Its reconciliation found the profiles that react to a 401.
    const second = listenersAtStart({ ...first.memory, wanted: API });
    assert.deepEqual(
      second.listeners,
      [API, [ALL_URLS]],
      'every host once more: the response that woke it was heard for every host',
    );
    const third = listenersAtStart(second.memory);
    assert.deepEqual(third.listeners, [API]);
    assert.deepEqual(listenersAtStart(third.memory).listeners, [API], 'and so on');
  });

  it('a host added: the last listener once more, for the response that woke it; a host no longer wanted: not', () => {
    const wider = [...API, 'http://other.test/*'];
    const added = listenersAtStart({ wanted: wider, own: API });
    assert.deepEqual(added.listeners, [wider, API]);
    assert.deepEqual(listenersAtStart(added.memory).listeners, [wider]);
    const off = listenersAtStart({ wanted: [], own: API });
    assert.deepEqual(off.listeners, [], 'nothing reacts to a 401: nothing heard, so nothing wakes it');
    assert.deepEqual(listenersAtStart(off.memory).listeners, []);
    assert.deepEqual(
      listenersAtStart({ wanted: ['http://other.test/*'], own: API }).listeners,
      [['http://other.test/*']],
      'what woke it is no longer wanted',
    );
  });

  it('reads back what it wrote; anything else is no memory, which hears every host', () => {
    const memory: ListenerMemory = { wanted: API, own: [ALL_URLS] };
    assert.deepEqual(parseListenerMemory(JSON.stringify(memory)), memory);
    for (const text of [null, '', '{', '[]', '{"wanted":"api.test"}', '{"wanted":[1]}', 'null']) {
      assert.deepEqual(listenersAtStart(parseListenerMemory(text)).listeners, [[ALL_URLS]], String(text));
    }
    assert.deepEqual(parseListenerMemory('{"wanted":[],"own":"x"}'), { wanted: [] });
  });

  it('a stopped background is woken for the hosts its start listened to, or every host', () => {
    assert.equal(wakesFor(API, API), true);
    assert.equal(wakesFor(API, [...API, 'http://other.test/*']), false);
    assert.equal(wakesFor([ALL_URLS], ['http://other.test/*']), true);
    assert.equal(wakesFor([], []), true);
  });

  it('the listen alarm: set where needed, kept at its time, renewed once it has passed', () => {
    const refresh = new Map([['refresh:a', 5_000]]);
    assert.equal(withListenAlarm(refresh, false, [], 1_000), refresh);
    assert.deepEqual([...withListenAlarm(refresh, true, [], 1_000)], [...refresh, [LISTEN_ALARM, 46_000]]);
    const existing = [{ name: LISTEN_ALARM, scheduledTime: 46_000 }];
    assert.equal(withListenAlarm(refresh, true, existing, 20_000).get(LISTEN_ALARM), 46_000);
    assert.equal(withListenAlarm(refresh, true, existing, 50_000).get(LISTEN_ALARM), 95_000);
  });
});

describe('a service worker’s response listener (Chromium)', () => {
  const hosts = { now: API, wake: [...API, 'http://other.test/*'] };
  it('reads Chromium’s major version from its user agent, and none from Firefox’s', () => {
    assert.equal(
      chromiumMajor(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
      ),
      150,
    );
    assert.equal(
      chromiumMajor('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'),
      undefined,
    );
    assert.equal(chromiumMajor('something else'), undefined);
  });

  it('from 156 it narrows to the hosts the reaction needs now', () => {
    assert.deepEqual(workerListenerHosts(hosts, 156), API);
    assert.deepEqual(workerListenerHosts(hosts, 160), API);
    assert.deepEqual(workerListenerHosts({ now: [], wake: [] }, 156), []);
  });

  it('before 156 it keeps every host while a 401 may have to wake it (a narrowed one would not hear the waking 401), and none when nothing may', () => {
    assert.deepEqual(workerListenerHosts(hosts, 150), [ALL_URLS]);
    assert.deepEqual(
      workerListenerHosts({ now: [], wake: API }, 121),
      [ALL_URLS],
      'signed out: a sign-in may come',
    );
    assert.deepEqual(workerListenerHosts({ now: [], wake: [] }, 150), []);
  });
});
