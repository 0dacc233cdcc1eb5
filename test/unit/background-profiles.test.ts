// Profiles from the user, an import, the policy; a change of sign-in settings: the background on
// an in-memory platform (test/support/fake-platform.ts, the adapter edge), with a fake clock and
// real HTTP to a local test API (test/support/signed-in.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkedStamp,
  PROFILES_CHECKED_KEY,
  PROFILES_KEY,
  type ProfileStore,
  profileStore,
} from '../../src/background/profile-store.js';
import { sha256Hex } from '../../src/core/json.js';
import { validateProfile } from '../../src/core/profile.js';
import type { AppState } from '../../src/messages/protocol.js';
import '../support/messages.js'; // the English messages
import { BUILD, background, FakePlatform, testKey } from '../support/fake-platform.js';
import { setValue } from '../support/plan-fixtures.js';
import {
  api,
  controller,
  eachSignedIn,
  headerValue,
  id,
  PASSWORD,
  phase,
  platform,
  profile,
  stored,
  USER,
} from '../support/signed-in.js';
import { waitFor } from '../support/wait.js';

describe('background: profiles', () => {
  eachSignedIn();

  it('an import preview stores nothing and shows the signed-in profile’s changes', async () => {
    const widened = { ...profile(), hosts: ['http://api.test', 'more.test'] };
    const text = JSON.stringify({ autobearer: 1, profiles: [widened] });
    platform.log.length = 0;
    const preview = await controller.handlers.previewImport({ text });
    assert.deepEqual(
      platform.log.filter((entry) => entry.startsWith('set') || entry.startsWith('rules')),
      [],
      'nothing written',
    );
    assert.deepEqual(preview.profiles[0]?.widened, ['more.test']);
    assert.equal(preview.profiles[0]?.signedIn, true);
    assert.equal(preview.profiles[0]?.signsOut, false);
    await assert.rejects(controller.handlers.previewImport({ text: '{' }), /nothing was changed/);
  });

  it('an import preview counts a sign-in as the plan does: one made with other sign-in settings is none', async () => {
    // Stored with tokens, but from sign-in settings the profile no longer has (the next
    // reconciliation signs it out): the popup shows it signed out, and so does the preview.
    await platform.sessions.update(id, (current) => ({ ...current, signedInWith: 'other settings' }));
    const otherLogin = {
      ...profile(),
      auth: { ...profile().auth, login: { url: `http://127.0.0.1:${api.port}/v3/login` } },
    };
    const preview = await controller.handlers.previewImport({
      text: JSON.stringify({ autobearer: 1, profiles: [otherLogin] }),
    });
    assert.equal(preview.profiles[0]?.signedIn, false);
    assert.equal(preview.profiles[0]?.signsOut, false, 'nothing to sign out of');
    assert.equal((await phase())?.phase, 'signed-out');
  });

  it('a change of the sign-in settings signs out: no token goes to an endpoint it did not come from', async () => {
    const before = profile();
    const moved = {
      ...before,
      auth: {
        ...before.auth,
        refresh: { url: `http://127.0.0.1:${api.port}/v3/refresh`, body: { refresh: '{refresh_token}' } },
      },
    };
    await controller.handlers.saveProfile({
      id,
      profile: { ...before, hosts: ['http://api.test', 'http://more.test'] },
    });
    assert.equal((await phase())?.phase, 'signed-in', 'other hosts are no reason to sign in again');
    await controller.handlers.saveProfile({ id, profile: moved });
    assert.deepEqual(platform.rules, []);
    const status = await phase();
    assert.equal(status?.phase, 'signed-out');
    assert.match(status?.error ?? '', /sign-in settings changed/);
    assert.equal((await stored(platform, id))?.tokens, undefined, 'the tokens are gone from storage');

    await controller.handlers.signIn({ id, username: USER, password: PASSWORD });
    const { text } = await controller.handlers.exportFile({});
    await controller.handlers.importFile({ text });
    assert.equal((await phase())?.phase, 'signed-in', 'the same file again keeps the sign-in');
    await controller.handlers.importFile({ text: text.replace('/v3/refresh', '/v4/refresh') });
    assert.equal((await phase())?.phase, 'signed-out', 'an import that changes them signs out too');
    assert.equal(api.refreshCalls.length, 0);
  });

  it('a refused import changes nothing stored', async () => {
    const before = structuredClone([...platform.area.data]);
    await assert.rejects(
      controller.handlers.importFile({ text: '{"autobearer":1,"profiles":[{"name":"x"}]}' }),
      (error: Error & { problems?: string[] }) => {
        assert.match(error.message, /nothing was changed/);
        assert.ok(error.problems?.some((p) => p.startsWith('profiles[0].hosts')));
        return true;
      },
    );
    assert.deepEqual([...platform.area.data], before);
    assert.ok(api.isValid(headerValue()));
  });

  it('profiles pushed by policy are used, shown as managed, and cannot be changed here', async () => {
    platform.managedFile = JSON.stringify({
      autobearer: 1,
      profiles: [{ name: 'Company API', hosts: ['api.company.example'], auth: { kind: 'manual' } }],
    });
    await controller.reconcile(); // reads the policy after the rules, and syncs again when it changed
    const state = await waitFor(
      async () => {
        const now = await controller.handlers.getState({});
        return now.profiles.some((p) => p.managed) && now;
      },
      5_000,
      'the managed profile appears',
    );
    const company = state.profiles.find((p) => p.profile.name === 'Company API');
    assert.equal(company?.managed, true);
    assert.equal(state.profiles.find((p) => p.profile.name === 'API')?.managed, false);
    await assert.rejects(
      controller.handlers.setEnabled({ id: company?.id ?? '', enabled: false }),
      /managed by your organization/,
    );
    await assert.rejects(
      controller.handlers.deleteProfile({ id: company?.id ?? '' }),
      /managed by your organization/,
    );
    await controller.handlers.useToken({
      id: company?.id ?? '',
      token: 'company-token',
      lifetimeSeconds: 600,
    });
    assert.ok(platform.rules.some((r) => setValue(r) === 'Bearer company-token'));
    const exported = await controller.handlers.exportFile({});
    assert.ok(!exported.text.includes('Company API'), 'the export holds the user’s own profiles');

    platform.managedFile = '{"autobearer": 1, "profiles": [{"name": "Broken"}]}';
    await controller.reconcile();
    const refused = await waitFor(
      async () => {
        const now = await controller.handlers.getState({});
        return now.managedProblems.length > 0 && now;
      },
      5_000,
      'the refused policy is reported',
    );
    assert.ok(refused.managedProblems.some((p) => p.startsWith('profiles[0].hosts')));
    assert.ok(!refused.profiles.some((p) => p.managed));
  });

  it('a policy’s file is validated once per text and build: a start reads the copy validation passed', async () => {
    const file = JSON.stringify({
      autobearer: 1,
      profiles: [{ name: 'Team API', hosts: ['team.example.com'], auth: { kind: 'manual' } }],
    });
    const teamHosts = (state: AppState) =>
      state.profiles.find((p) => p.profile.name === 'Team API')?.profile.hosts;
    platform.managedFile = file;
    await controller.reconcile();
    await waitFor(async () => teamHosts(await controller.handlers.getState({})), 5_000, 'the policy applies');
    type Checked = { build: string; files: Record<string, { profiles: Array<{ hosts: string[] }> }> };
    const digest = await sha256Hex(file);
    const record = await waitFor(
      async () => {
        const now = platform.area.data.get('checkedFiles') as Checked | undefined;
        return now?.files[digest] && now;
      },
      5_000,
      'the validated copy is kept',
    );
    assert.equal(record.build, BUILD);
    assert.deepEqual(Object.keys(record.files), [digest], 'the copy of the file in use, and no other');
    // A start reads the copy, not the text: a copy changed past the store (by hand) shows.
    record.files[digest]?.profiles[0]?.hosts.splice(0, 1, 'copy.example.com');
    platform.area.data.set('checkedFiles', record);
    assert.deepEqual(teamHosts(await background(platform).reconcile()), ['copy.example.com']);
    // Another build's copy is not read: the text is validated again.
    platform.area.data.set('checkedFiles', { ...record, build: 'an-older-build' });
    assert.deepEqual(teamHosts(await background(platform).reconcile()), ['team.example.com']);
    platform.managedFile = undefined;
    await controller.reconcile();
  });

  it('a token endpoint that discovery named on another host is among the origins the profile asks for', async () => {
    const issuer = 'https://id.example.com';
    platform.area.data.set('discovered', {
      [issuer]: { endpoints: [`${issuer}/authorize`], tokenEndpoint: 'https://tokens.example.net/token' },
      // As an earlier version stored it: a bare list, still read for the plain-http warning.
      'http://old.example.com': ['http://old.example.com/token'],
    });
    const code = (name: string, at: string) => ({
      name,
      hosts: ['api.example.com'],
      auth: { kind: 'oauth2-authorization-code', issuer: at, clientId: 'c' },
    });
    const { state } = await controller.handlers.saveProfile({ profile: code('Code', issuer) });
    const view = state.profiles.find((p) => p.profile.name === 'Code');
    assert.deepEqual(view?.origins, [
      'https://api.example.com/*',
      'https://id.example.com/*',
      'https://tokens.example.net/*',
    ]);
    const old = (await controller.handlers.saveProfile({ profile: code('Old', 'http://old.example.com') }))
      .state;
    assert.deepEqual(old.profiles.find((p) => p.profile.name === 'Old')?.plainHttp, [
      'http://old.example.com',
      'http://old.example.com/token',
    ]);
  });

  describe('stored profiles, checked once per build', () => {
    it('what this build stored is read back without validating; a change past the store, or another build, validates again', async () => {
      const platform = new FakePlatform();
      const validated = validateProfile({ name: 'Own', hosts: ['api.test'], auth: { kind: 'manual' } });
      assert.ok(validated.ok);
      await platform.profiles.save([{ id: 'a', profile: validated.value }]);
      const entries = platform.area.data.get(PROFILES_KEY) as Array<{
        profile: { hosts: string[]; enabled?: boolean };
      }>;
      assert.equal(platform.area.data.get(PROFILES_CHECKED_KEY), await checkedStamp(BUILD, entries));
      const hostsOf = async (store: ProfileStore) => (await store.load()).map(({ profile }) => profile.hosts);

      // Changed past the store: validated again, and a profile that no longer passes is not used.
      for (const entry of entries) entry.profile.hosts = ['exa mple'];
      platform.area.data.set(PROFILES_KEY, entries);
      assert.deepEqual(await hostsOf(platform.profiles), []);
      // The same with this build's stamp of exactly that: not validated (what a start reads).
      platform.area.data.set(PROFILES_CHECKED_KEY, await checkedStamp(BUILD, entries));
      assert.deepEqual(await hostsOf(platform.profiles), [['exa mple']]);

      // An update of the extension validates what an earlier build stored (which may lack what a
      // newer one fills in: here `enabled`), and stores what passes as it reads it, stamped.
      const older = entries.map(({ profile: { enabled: _filledIn, ...profile }, ...entry }) => ({
        ...entry,
        profile: { ...profile, hosts: ['api.test'] },
      }));
      platform.area.data.set(PROFILES_KEY, older);
      platform.area.data.set(PROFILES_CHECKED_KEY, await checkedStamp(BUILD, older));
      const updated = profileStore(platform.area, async () => testKey, 'next-build');
      assert.deepEqual(await hostsOf(updated), [['api.test']]);
      const rewritten = platform.area.data.get(PROFILES_KEY) as Array<{ profile: { enabled?: boolean } }>;
      assert.equal(rewritten[0]?.profile.enabled, true);
      assert.equal(platform.area.data.get(PROFILES_CHECKED_KEY), await checkedStamp('next-build', rewritten));
    });
  });
});
