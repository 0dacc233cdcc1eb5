// The user's own profiles through the browser's sync storage (#14), pure: what is synced, how it
// is split under the quotas and joined again, and how two browsers' changes merge.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Profile } from '../../src/core/profile.js';
import {
  arrivedProfile,
  EMPTY_MEMORY,
  EMPTY_SYNC,
  joinFromSync,
  localState,
  memoryOf,
  mergeSync,
  REMOVAL_MEMORY_MS,
  SYNC_ITEM_BYTES,
  type SyncState,
  splitForSync,
  syncWidens,
} from '../../src/core/sync.js';
import { hasClientSecret, withoutClientSecret } from '../../src/core/valid-profile.js';
import { profile as baseProfile, T0 } from '../support/plan-fixtures.js';
import '../support/messages.js'; // the English messages

const named = (name: string, more: Record<string, unknown> = {}): Profile => baseProfile({ name, ...more });
const itemBytes = (key: string, value: unknown) =>
  new TextEncoder().encode(key + JSON.stringify(value)).byteLength;

describe('profile sync', () => {
  it('never carries a client secret; a profile changed since the last sync is changed now', () => {
    const machine = named('Machine', {
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: 'https://id.example.com/token',
        clientId: 'c',
        clientSecret: 's3cret',
      },
    });
    const first = localState([named('A'), machine], EMPTY_MEMORY, T0);
    assert.ok(!JSON.stringify(first).includes('s3cret'));
    assert.equal(first.profiles.A?.changedAt, T0);
    const memory = memoryOf(first);
    const again = localState([named('A'), machine], memory, T0 + 10);
    assert.equal(again.profiles.A?.changedAt, T0, 'unchanged since');
    const edited = localState([named('A', { hosts: ['x.example.com'] })], memory, T0 + 20);
    assert.equal(edited.profiles.A?.changedAt, T0 + 20);
    assert.deepEqual(
      edited.removed,
      { Machine: T0 + 20 },
      'a profile gone since the last sync was removed now',
    );
  });

  it('merges per profile: the later change wins, a later removal too; a profile made again after a removal stays', () => {
    const a: SyncState = {
      profiles: {
        P: { changedAt: T0 + 5, profile: named('P', { hosts: ['a.example.com'] }) },
        Q: { changedAt: T0, profile: named('Q') },
      },
      removed: {},
    };
    const b: SyncState = {
      profiles: { P: { changedAt: T0 + 9, profile: named('P', { hosts: ['b.example.com'] }) } },
      removed: { Q: T0 + 3 },
    };
    const merged = mergeSync(a, b, T0 + 10);
    assert.deepEqual(merged.profiles.P?.profile.hosts, ['b.example.com']);
    assert.equal(merged.profiles.Q, undefined);
    assert.deepEqual(merged.removed, { Q: T0 + 3 });
    assert.deepEqual(mergeSync(a, b, T0 + 10), mergeSync(b, a, T0 + 10), 'the same whichever side merges');
    const madeAgain: SyncState = { profiles: { Q: { changedAt: T0 + 4, profile: named('Q') } }, removed: {} };
    assert.ok(mergeSync(madeAgain, b, T0 + 10).profiles.Q);
    assert.deepEqual(
      mergeSync(EMPTY_SYNC, b, T0 + 3 + REMOVAL_MEMORY_MS).removed,
      {},
      'old removals are forgotten',
    );
  });

  it('splits under the per-item quota and joins back; a state above the total quota is refused with its size', () => {
    // Quotes and backslashes in names: the pieces' JSON escapes them, so they must still fit.
    const name = (i: number) => `P "${i}" \\ ${'x'.repeat(30)}`;
    const many = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [name(i), { changedAt: T0, profile: named(name(i)) }]),
    );
    const state: SyncState = { profiles: many, removed: { Gone: T0 } };
    const split = splitForSync(state);
    assert.ok('items' in split, JSON.stringify(split));
    const items = split.items;
    assert.ok(Object.keys(items).length > 2, 'several items');
    for (const [key, value] of Object.entries(items))
      assert.ok(itemBytes(key, value) <= SYNC_ITEM_BYTES, key);
    assert.deepEqual(joinFromSync(items, T0), state);
    // Another browser's write arriving piece by piece: not read until whole.
    const { 'profiles.1': _missing, ...partial } = items;
    assert.equal(joinFromSync(partial, T0), undefined);
    assert.deepEqual(joinFromSync({}, T0), EMPTY_SYNC);

    const huge: SyncState = {
      profiles: Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [`Huge ${i}`, { changedAt: T0, profile: named(`Huge ${i}`) }]),
      ),
      removed: {},
    };
    const refused = splitForSync(huge);
    assert.ok('tooLarge' in refused);
    assert.match(refused.tooLarge, /take \d+ KB; the browser's sync holds 100 KB: they are not synced/);
  });

  it('a synced profile that does not validate here, or is filed under another name, is dropped', () => {
    const state = {
      profiles: {
        Good: { changedAt: T0, profile: named('Good') },
        Bad: { changedAt: T0, profile: { name: 'Bad' } },
        Liar: { changedAt: T0, profile: named('Other') },
      },
      removed: {},
    };
    const split = splitForSync(state as unknown as SyncState);
    assert.ok('items' in split);
    assert.deepEqual(Object.keys(joinFromSync(split.items, T0)?.profiles ?? {}), ['Good']);
  });

  it('what another browser writes is bounded by the sync quota before anything is allocated, and its clock is not trusted', () => {
    // A count no browser could have written: refused at once, nothing allocated for it.
    assert.equal(joinFromSync({ 'profiles.n': 2_000_000_000 }, T0), undefined);
    assert.equal(
      joinFromSync({ 'profiles.n': 1, 'profiles.0': 'x'.repeat(SYNC_ITEM_BYTES + 1) }, T0),
      undefined,
    );
    const future: SyncState = {
      profiles: { A: { changedAt: T0 + 365 * 86_400_000, profile: named('A') } },
      removed: { B: T0 + 86_400_000 },
    };
    const split = splitForSync(future);
    assert.ok('items' in split);
    const read = joinFromSync(split.items, T0);
    assert.equal(read?.profiles.A?.changedAt, T0, 'a change in the future counts as now');
    assert.equal(read?.removed.B, T0);
  });

  it('a synced version widens when it sends the token or a credential anywhere new; a client secret stays only where every destination does', () => {
    const here = named('A', {
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: 'https://id.example.com/token',
        clientId: 'c',
        clientSecret: 's3cret',
      },
    });
    const synced = withoutClientSecret(here);
    assert.equal(syncWidens(here, synced), false, 'the same, without its secret');
    assert.equal(syncWidens(here, { ...synced, hosts: [] }), false, 'narrower');
    assert.equal(syncWidens(here, { ...synced, hosts: ['api.example.com', 'admin.example.com'] }), true);
    assert.equal(syncWidens(here, { ...synced, pages: ['evil.example'] }), true);
    const moved = { ...synced, auth: { ...synced.auth, tokenUrl: 'https://evil.example/token' } } as Profile;
    assert.equal(syncWidens(here, moved), true);
    assert.equal(hasClientSecret(arrivedProfile(synced, here)), true, 'same destinations: the secret stays');
    assert.equal(hasClientSecret(arrivedProfile(moved, here)), false, 'a moved token endpoint never gets it');
  });
});
