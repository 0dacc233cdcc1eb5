// The user's own profiles synced between two browsers: the background on an in-memory platform
// (test/support/fake-platform.ts, the adapter edge), with a fake clock and real HTTP to a local
// test API (test/support/signed-in.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '../support/messages.js'; // the English messages
import { background, FakePlatform } from '../support/fake-platform.js';
import {
  controller,
  eachSignedIn,
  headerValue,
  id,
  PASSWORD,
  platform,
  profile,
  stored,
} from '../support/signed-in.js';

describe('background: sync', () => {
  eachSignedIn();

  describe('own profiles synced between two browsers', () => {
    it('a profile saved or removed here goes to sync by the change itself, with no storage event to carry it', async () => {
      await controller.handlers.setSync({ enabled: true });
      const synced = () => JSON.stringify([...platform.syncAreas.sync.data]);
      const { id } = await controller.handlers.saveProfile({
        profile: { ...profile(), name: 'Second', hosts: ['http://second.test'] },
      });
      assert.ok(synced().includes('second.test'), 'saved: in sync');
      platform.clock += 1_000; // the later change wins the merge
      await controller.handlers.deleteProfile({ id });
      assert.ok(!synced().includes('second.test'), 'removed: gone from sync');
      platform.clock += 1_000;
      await controller.handlers.undoDelete({});
      assert.ok(synced().includes('second.test'), 'back: in sync again');
    });
    it('a profile reaches the other browser signed out; edits, removals and the later change travel; secrets and tokens never', async () => {
      const other = new FakePlatform();
      other.syncAreas = { local: other.area, sync: platform.syncAreas.sync };
      const b = background(other);
      const viewIn = async (c: typeof controller, name: string) =>
        (await c.handlers.getState({})).profiles.find((p) => p.profile.name === name);
      const { id: machine } = await controller.handlers.saveProfile({
        profile: {
          name: 'Machine',
          hosts: ['machine.test'],
          auth: {
            kind: 'oauth2-client-credentials',
            tokenUrl: 'https://id.test/token',
            clientId: 'c',
            clientSecret: 's3cret',
          },
        },
      });
      await controller.handlers.setSync({ enabled: true });
      await b.handlers.setSync({ enabled: true });
      // A sync that finds nothing new writes nothing (each write would start another sync).
      for (const p of [platform, other]) p.log.length = 0;
      await controller.syncProfiles();
      await b.syncProfiles();
      for (const p of [platform, other])
        assert.deepEqual(
          p.log.filter((entry) => entry.startsWith('set') && !entry.startsWith('set sync')),
          [],
        );
      assert.equal((await viewIn(b, 'API'))?.status.phase, 'signed-out', 'each browser signs in on its own');
      assert.equal((await viewIn(b, 'Machine'))?.hasClientSecret, false, 'the secret stays in its browser');
      const synced = JSON.stringify([...platform.syncAreas.sync.data]);
      assert.ok(!synced.includes('s3cret') && !synced.includes(PASSWORD));
      assert.ok(!synced.includes(headerValue()?.slice('Bearer '.length) ?? 'none'), 'no token');

      // B adds a host to API, signed in here: it waits in A with its preview, A keeps its own
      // version and its sign-in meanwhile, and sync keeps B's.
      other.clock = platform.clock + 1_000;
      const bApi = (await viewIn(b, 'API'))?.id as string;
      await b.handlers.saveProfile({
        id: bApi,
        profile: { ...profile(), hosts: ['http://api.test', 'http://eu.api.test'] },
      });
      await b.syncProfiles();
      platform.clock += 2_000;
      await controller.syncProfiles();
      await controller.syncProfiles(); // and again: it stays waiting, and sync keeps B's version
      await b.syncProfiles();
      assert.deepEqual((await viewIn(controller, 'API'))?.profile.hosts, ['http://api.test']);
      assert.equal((await viewIn(controller, 'API'))?.status.phase, 'signed-in');
      assert.deepEqual((await viewIn(b, 'API'))?.profile.hosts, ['http://api.test', 'http://eu.api.test']);
      let waiting = (await controller.handlers.getState({})).sync.waiting ?? [];
      assert.deepEqual(
        waiting.map((w) => [w.name, w.item.widened, w.item.signedIn]),
        [['API', ['http://eu.api.test'], true]],
      );
      assert.match(
        waiting[0]?.widening.join() ?? '',
        /API now sends the token to or from http:\/\/eu\.api\.test/,
      );
      // Accepted as shown: it applies, signed out, with the reason; Machine keeps its secret.
      await controller.handlers.acceptSyncedChange({ name: 'API', changedAt: waiting[0]?.changedAt ?? 0 });
      assert.deepEqual((await viewIn(controller, 'API'))?.profile.hosts, [
        'http://api.test',
        'http://eu.api.test',
      ]);
      const accepted = (await viewIn(controller, 'API'))?.status;
      assert.equal(accepted?.phase, 'signed-out');
      assert.match(accepted?.error ?? '', /you accepted a change from your other browsers/);
      assert.equal((await controller.handlers.getState({})).sync.waiting, undefined);
      assert.equal((await viewIn(controller, 'Machine'))?.hasClientSecret, true);

      // Both change it: the later change wins, in both browsers (here, once accepted: it widens).
      platform.clock += 1_000;
      await controller.handlers.saveProfile({ id, profile: { ...profile(), hosts: ['http://a.test'] } });
      other.clock = platform.clock + 5_000;
      await b.handlers.saveProfile({ id: bApi, profile: { ...profile(), hosts: ['http://b.test'] } });
      await controller.syncProfiles();
      await b.syncProfiles();
      platform.clock += 10_000; // B's change is in A's past now (a change ahead of A's clock counts as A's now)
      await controller.syncProfiles();
      assert.deepEqual((await viewIn(b, 'API'))?.profile.hosts, ['http://b.test']);
      assert.deepEqual((await viewIn(controller, 'API'))?.profile.hosts, ['http://a.test'], 'until accepted');
      waiting = (await controller.handlers.getState({})).sync.waiting ?? [];
      await assert.rejects(
        controller.handlers.acceptSyncedChange({ name: 'API', changedAt: 1 }),
        /A newer change of API arrived/,
      );
      await controller.handlers.acceptSyncedChange({ name: 'API', changedAt: waiting[0]?.changedAt ?? 0 });
      assert.deepEqual((await viewIn(controller, 'API'))?.profile.hosts, ['http://b.test']);

      // "Keep mine": this browser's version goes to the others.
      other.clock += 1_000;
      await b.handlers.saveProfile({
        id: bApi,
        profile: { ...profile(), hosts: ['http://b.test', 'http://c.test'] },
      });
      await b.syncProfiles();
      platform.clock = other.clock + 1_000;
      await controller.syncProfiles();
      assert.equal((await controller.handlers.getState({})).sync.waiting?.length, 1);
      await controller.handlers.discardSyncedChange({ name: 'API' });
      other.clock = platform.clock + 1_000;
      await b.syncProfiles();
      assert.deepEqual((await viewIn(b, 'API'))?.profile.hosts, ['http://b.test']);
      assert.equal((await controller.handlers.getState({})).sync.waiting, undefined);

      // B removes Machine: A loses it too.
      other.clock += 1_000;
      await b.handlers.deleteProfile({ id: (await viewIn(b, 'Machine'))?.id as string });
      await b.syncProfiles();
      await controller.syncProfiles();
      assert.equal(await viewIn(controller, 'Machine'), undefined);
      assert.equal(await stored(platform, machine), undefined);

      // Off in A: A's changes stay in A.
      await controller.handlers.setSync({ enabled: false });
      await controller.handlers.saveProfile({ profile: { ...profile(), name: 'Only here' } });
      await controller.syncProfiles();
      await b.syncProfiles();
      assert.equal(await viewIn(b, 'Only here'), undefined);
      assert.equal((await controller.handlers.getState({})).sync.enabled, false);
      assert.equal((await b.handlers.getState({})).sync.last?.ok, true);
    });
  });
});
