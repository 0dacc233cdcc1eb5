// Team subscriptions, as the background checks and applies them: the background on an in-memory
// platform (test/support/fake-platform.ts, the adapter edge), with a fake clock and real HTTP to a
// local test API (test/support/signed-in.ts).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import '../support/messages.js'; // the English messages
import { FileServer } from '../support/file-server.js';
import { controller, eachSignedIn, PASSWORD, platform, profile, stored, USER } from '../support/signed-in.js';

describe('background: team subscriptions', () => {
  eachSignedIn();

  describe('team subscriptions', () => {
    const files = new FileServer();
    before(() => files.start());
    after(() => files.stop());
    const teamFile = (hosts: string[], more: object[] = []) =>
      JSON.stringify({ autobearer: 1, profiles: [{ ...profile(), name: 'Team API', hosts }, ...more] });
    const teamId = () => platform.subscriptions.load().then((list) => list[0]?.id ?? '');
    /** Apply, as the options page sends it: naming the waiting file it shows. */
    const accept = async (id: string) => {
      const view = (await controller.handlers.getState({})).subscriptions.find((s) => s.id === id);
      return controller.handlers.acceptSubscriptionUpdate({ id, digest: view?.pending?.digest ?? '' });
    };
    const teamProfile = async () =>
      (await controller.handlers.getState({})).profiles.find((p) => p.profile.name === 'Team API');

    beforeEach(async () => {
      files.put('/team.json', teamFile(['http://api.test', 'http://eu.api.test']));
      await controller.handlers.subscribe({ name: 'Team', url: `http://127.0.0.1:${files.port}/team.json` });
    });

    it('the first file waits; accepted, its profiles apply read-only and are checked on schedule', async () => {
      const state = await controller.handlers.getState({});
      assert.equal(await teamProfile(), undefined, 'nothing applies before the user accepts');
      assert.deepEqual(
        state.subscriptions[0]?.pending?.preview.profiles.map((p) => p.change),
        ['new'],
      );
      const id = await teamId();
      await accept(id);
      const view = await teamProfile();
      assert.equal(view?.subscription, 'Team');
      assert.ok(platform.alarmMap.has(`subscription:${id}`));
      assert.ok((platform.alarmMap.get(`subscription:${id}`) ?? 0) > platform.clock + 23 * 3_600_000);
      await assert.rejects(
        controller.handlers.saveProfile({
          id: view?.id as string,
          profile: { ...profile(), name: 'Team API' },
        }),
        /comes from the subscription Team/,
      );
      await assert.rejects(
        controller.handlers.deleteProfile({ id: view?.id as string }),
        /subscription Team/,
      );
    });

    it('a narrowing update applies at once and keeps the sign-in; a widening one waits; a removed profile’s sign-in goes', async () => {
      const id = await teamId();
      files.put(
        '/team.json',
        teamFile(['http://api.test', 'http://eu.api.test'], [{ ...profile(), name: 'Extra' }]),
      );
      await accept(id);
      await controller.handlers.checkSubscription({ id });
      await accept(id);
      const extra = `sub:${id}:Extra`;
      await controller.handlers.signIn({ id: extra, username: USER, password: PASSWORD });
      const teamKey = `sub:${id}:Team API`;
      await controller.handlers.signIn({ id: teamKey, username: USER, password: PASSWORD });

      files.put('/team.json', teamFile(['http://api.test']));
      await controller.handlers.checkSubscription({ id });
      assert.deepEqual((await teamProfile())?.profile.hosts, ['http://api.test']);
      assert.equal((await teamProfile())?.status.phase, 'signed-in');
      assert.equal(await stored(platform, extra), undefined, 'the removed profile’s sign-in is forgotten');

      files.put('/team.json', teamFile(['http://api.test', 'http://evil.test']));
      await controller.handlers.checkSubscription({ id });
      assert.deepEqual(
        (await teamProfile())?.profile.hosts,
        ['http://api.test'],
        'not before the user agrees',
      );
      const waiting = (await controller.handlers.getState({})).subscriptions[0]?.pending;
      assert.match(waiting?.widening.join() ?? '', /evil\.test/);
      await controller.handlers.discardSubscriptionUpdate({ id });
      assert.equal((await controller.handlers.getState({})).subscriptions[0]?.pending, undefined);
    });

    it('Apply applies the file the user saw: one that replaced it meanwhile waits, with its own preview', async () => {
      const id = await teamId();
      await accept(id);
      files.put('/team.json', teamFile(['http://api.test', 'http://eu.api.test', 'http://a.test']));
      await controller.handlers.checkSubscription({ id });
      const seen = (await controller.handlers.getState({})).subscriptions[0]?.pending;
      assert.match(seen?.digest ?? '', /^[0-9a-f]{64}$/);
      // A scheduled check between the preview and the click brings a wider file.
      files.put('/team.json', teamFile(['http://api.test', 'http://eu.api.test', 'http://evil.test']));
      await controller.handlers.checkSubscription({ id });
      await assert.rejects(
        controller.handlers.acceptSubscriptionUpdate({ id, digest: seen?.digest ?? '' }),
        /A newer update arrived since this one was shown: nothing was applied/,
      );
      assert.deepEqual((await teamProfile())?.profile.hosts, ['http://api.test', 'http://eu.api.test']);
      const now = (await controller.handlers.getState({})).subscriptions[0]?.pending;
      assert.match(now?.widening.join() ?? '', /evil\.test/, 'the new preview shows');
      await accept(id);
      assert.deepEqual((await teamProfile())?.profile.hosts, [
        'http://api.test',
        'http://eu.api.test',
        'http://evil.test',
      ]);
    });

    it('no rollback: an older serial, none after one, or the same on other bytes is refused with the reason; a file past its expiry shows as expired', async () => {
      const versioned = (serial: number | undefined, hosts: string[], extra: object = {}) =>
        JSON.stringify({
          autobearer: 1,
          ...(serial !== undefined ? { serial } : {}),
          ...extra,
          profiles: [{ ...profile(), name: 'Team API', hosts }],
        });
      const id = await teamId();
      const expires = new Date(platform.clock + 86_400_000).toISOString();
      files.put('/team.json', versioned(10, ['http://api.test', 'http://eu.api.test'], { expires }));
      await controller.handlers.checkSubscription({ id });
      await accept(id);
      let view = (await controller.handlers.getState({})).subscriptions[0];
      assert.equal(view?.serial, 10);
      assert.equal(view?.expired, false);
      const refusedWith = async (text: string, reason: RegExp) => {
        files.put('/team.json', text);
        await controller.handlers.checkSubscription({ id });
        const after = (await controller.handlers.getState({})).subscriptions[0];
        assert.equal(after?.lastCheck?.ok, false);
        assert.match(after?.lastCheck?.message ?? '', reason);
        assert.equal(after?.pending, undefined, 'nothing waits');
        assert.equal(after?.serial, 10, 'the file in force stays');
      };
      // Narrower, so they would apply at once if their age were not checked.
      await refusedWith(
        versioned(9, ['http://api.test']),
        /older than the file in force \(serial 9, the one in force has 10\)/,
      );
      await refusedWith(versioned(undefined, ['http://api.test']), /no serial, and the file in force has 10/);
      await refusedWith(versioned(10, ['http://api.test']), /same serial, 10/);
      files.put('/team.json', versioned(11, ['http://api.test']));
      await controller.handlers.checkSubscription({ id });
      view = (await controller.handlers.getState({})).subscriptions[0];
      assert.equal(view?.serial, 11, 'a newer narrowing file applies at once');
      assert.equal(view?.expiresAt, undefined);
      files.put('/team.json', versioned(12, ['http://api.test'], { expires }));
      await controller.handlers.checkSubscription({ id });
      platform.clock += 2 * 86_400_000; // the host keeps serving it, or nothing newer comes
      view = (await controller.handlers.getState({})).subscriptions[0];
      assert.equal(view?.serial, 12);
      assert.equal(view?.expired, true, 'shown as stale');
    });

    it('an unreachable or refused file keeps the one in force and says why; unsubscribing forgets its sign-ins', async () => {
      const id = await teamId();
      await accept(id);
      const teamKey = `sub:${id}:Team API`;
      await controller.handlers.signIn({ id: teamKey, username: USER, password: PASSWORD });
      files.put('/team.json', '{ not json');
      await controller.handlers.checkSubscription({ id });
      let view = (await controller.handlers.getState({})).subscriptions[0];
      assert.equal(view?.lastCheck?.ok, false);
      assert.match(view?.lastCheck?.message ?? '', /refused/);
      assert.equal((await teamProfile())?.status.phase, 'signed-in');
      files.put('/team.json', undefined);
      await controller.handlers.checkSubscription({ id });
      view = (await controller.handlers.getState({})).subscriptions[0];
      assert.match(view?.lastCheck?.message ?? '', /answered 404/);
      assert.ok(await teamProfile());

      await controller.handlers.unsubscribe({ id });
      assert.equal(await teamProfile(), undefined);
      assert.equal(await stored(platform, teamKey), undefined);
      assert.equal(platform.alarmMap.has(`subscription:${id}`), false);
    });

    it('refuses a plain-http file from another machine without a key, a bad key, a name taken', async () => {
      await assert.rejects(
        controller.handlers.subscribe({ name: 'X', url: 'http://files.example.com/team.json' }),
        /is not https/,
      );
      await assert.rejects(
        controller.handlers.subscribe({
          name: 'X',
          url: 'https://files.example.com/t.json',
          publicKey: 'abc',
        }),
        /not an Ed25519 key/,
      );
      await assert.rejects(
        controller.handlers.subscribe({ name: 'Team', url: `http://127.0.0.1:${files.port}/team.json` }),
        /already a subscription named Team/,
      );
    });
  });
});
