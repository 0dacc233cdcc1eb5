import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seal } from '../../src/background/sealing.js';
import { encryptedSessionStore, UNREADABLE } from '../../src/background/session-store.js';
import type { Session } from '../../src/core/session.js';

const newKey = () =>
  crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

/** storage.local as the store uses it, in memory: what it holds, and each call in order. */
function memoryArea() {
  const data = new Map<string, unknown>();
  const calls: string[] = [];
  return {
    data,
    calls,
    async get(keys: string | string[] | null) {
      calls.push(`get ${keys === null ? '*' : keys}`);
      const names = keys === null ? [...data.keys()] : typeof keys === 'string' ? [keys] : keys;
      return structuredClone(
        Object.fromEntries(names.filter((k) => data.has(k)).map((k) => [k, data.get(k)])),
      );
    },
    async set(items: Record<string, unknown>) {
      calls.push(`set ${Object.keys(items)}`);
      for (const [k, v] of Object.entries(items)) data.set(k, structuredClone(v));
    },
    async remove(keys: string | string[]) {
      calls.push(`remove ${keys}`);
      for (const k of typeof keys === 'string' ? [keys] : keys) data.delete(k);
    },
  };
}

const signedIn = (n: number): Session => ({
  failures: 0,
  username: `user${n}@example.com`,
  tokens: {
    accessToken: `at-${n}`,
    refreshToken: `rt-${n}`,
    issuedAt: 1_000,
    expiresAt: 3_601_000,
    expirySource: 'answer',
  },
});

describe('the sessions at rest', () => {
  it('are one record whose tokens no one reads without the key, read back whole in one storage read', async () => {
    const area = memoryArea();
    const key = await newKey();
    const store = encryptedSessionStore(area, async () => key);
    for (let n = 1; n <= 3; n++) await store.update(`p${n}`, () => signedIn(n));
    await store.update('p4', () => ({ failures: 1, error: 'refused' }));
    assert.deepEqual([...area.data.keys()], ['sessions']);
    const text = JSON.stringify([...area.data]);
    for (const secret of ['at-1', 'rt-2', 'at-3']) assert.ok(!text.includes(secret), `${secret} is sealed`);
    assert.ok(text.includes('user2@example.com'), 'who is signed in stays readable');

    area.calls.length = 0;
    const fresh = encryptedSessionStore(area, async () => key); // a new worker
    const read = await fresh.all();
    assert.deepEqual(area.calls, ['get sessions']);
    assert.deepEqual(read.get('p2'), signedIn(2));
    assert.deepEqual(read.get('p4'), { failures: 1, error: 'refused' });
    assert.equal(read.get('p5'), undefined);
  });

  it('changes made at once to different sessions all land (one record, one change at a time)', async () => {
    const area = memoryArea();
    const key = await newKey();
    const store = encryptedSessionStore(area, async () => key);
    await Promise.all(Array.from({ length: 10 }, (_, n) => store.update(`p${n}`, () => signedIn(n))));
    await store.update('p3', () => undefined);
    const read = await encryptedSessionStore(area, async () => key).all();
    assert.deepEqual([read.get('p0'), read.get('p3'), read.get('p9')], [signedIn(0), undefined, signedIn(9)]);
    assert.equal(read.size, 9);
  });

  it('with the key gone, read as signed out with the reason', async () => {
    const area = memoryArea();
    const key = await newKey();
    await encryptedSessionStore(area, async () => key).update('p1', () => signedIn(1));
    const otherKey = await newKey(); // the key's database was cleared: a new one was made
    const store = encryptedSessionStore(area, async () => otherKey);
    assert.deepEqual(await store.get('p1'), { failures: 0, error: UNREADABLE });
    // A sign-in to another profile keeps the first one signed out, with its reason.
    await store.update('p2', () => signedIn(2));
    assert.deepEqual(await store.get('p1'), { failures: 0, error: UNREADABLE });
    assert.deepEqual(await store.get('p2'), signedIn(2));
  });

  it('moves an earlier version’s sessions (one key each, sealed one by one) into the record, once', async () => {
    const area = memoryArea();
    const key = await newKey();
    const legacy = async (n: number) => {
      const { accessToken, refreshToken, idToken, ...times } = signedIn(n).tokens ?? ({} as never);
      const sealed = await seal(key, JSON.stringify({ accessToken, refreshToken, idToken }));
      return { failures: 0, username: `user${n}@example.com`, tokens: { ...times, sealed } };
    };
    area.data.set('session:p1', await legacy(1));
    area.data.set('session:p2', await legacy(2));
    area.data.set('session:p3', { failures: 1, error: 'refused' });
    area.data.set('profiles', { kept: true });
    const store = encryptedSessionStore(area, async () => key);
    const read = await store.all();
    assert.deepEqual(
      [read.get('p1'), read.get('p2'), read.get('p3')],
      [signedIn(1), signedIn(2), { failures: 1, error: 'refused' }],
    );
    assert.deepEqual([...area.data.keys()].sort(), ['profiles', 'sessions']);
    area.calls.length = 0;
    await encryptedSessionStore(area, async () => key).get('p1');
    assert.deepEqual(area.calls, ['get sessions'], 'moved once: the next worker reads the record');
  });
});
