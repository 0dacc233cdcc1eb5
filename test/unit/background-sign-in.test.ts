// Signing in, a client secret, what the console and the pages see: the background on an in-memory
// platform (test/support/fake-platform.ts, the adapter edge), with a fake clock and real HTTP to a
// local test API (test/support/signed-in.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Platform } from '../../src/background/platform.js';
import { encryptedSessionStore, UNREADABLE } from '../../src/background/session-store.js';
import '../support/messages.js'; // the English messages
import { background, FakePlatform } from '../support/fake-platform.js';
import {
  api,
  controller,
  eachSignedIn,
  headerValue,
  id,
  PASSWORD,
  phase,
  platform,
  stored,
  USER,
} from '../support/signed-in.js';
import { CLIENT_SECRET } from '../support/test-api.js';
import { waitFor } from '../support/wait.js';

describe('background: signing in', () => {
  eachSignedIn();

  it('signs in: the rule carries the token, refresh and drop alarms are set, the password is not stored', async () => {
    assert.ok(api.isValid(headerValue()));
    assert.equal(platform.alarmMap.size, 2);
    const everything = JSON.stringify([...platform.area.data]);
    assert.ok(!everything.includes(PASSWORD), 'no password anywhere in storage');
    const session = await stored(platform, id);
    assert.ok(session?.tokens?.refreshToken);
    for (const secret of [headerValue()?.slice('Bearer '.length), session?.tokens?.refreshToken]) {
      assert.ok(secret && !everything.includes(secret), 'storage.local holds no token in the clear');
    }
    assert.equal((await phase())?.phase, 'signed-in');
    assert.equal(platform.badge?.text, '1');
  });

  it('a client secret is sealed at rest, never shown to the pages or exported, and asked for when missing', async () => {
    const machine = (clientSecret?: string) => ({
      name: 'Machine',
      hosts: ['machine.test'],
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: `http://127.0.0.1:${api.port}/oauth/token`,
        clientId: 'cli',
        ...(clientSecret ? { clientSecret } : {}),
      },
    });
    const { id: m } = await controller.handlers.saveProfile({ profile: machine(CLIENT_SECRET) });
    await controller.handlers.signInWithProvider({ id: m });
    const everything = () => JSON.stringify([...platform.area.data]);
    assert.ok(!everything().includes(CLIENT_SECRET), 'not in storage in the clear');
    let state = await controller.handlers.getState({});
    const view = state.profiles.find((p) => p.id === m);
    assert.equal(view?.status.phase, 'signed-in');
    assert.equal(view?.hasClientSecret, true);
    assert.ok(!JSON.stringify(state).includes(CLIENT_SECRET), 'never in what the pages get');
    // The form gives the profile back without its secret: saving keeps the stored one and the sign-in.
    await controller.handlers.saveProfile({ id: m, profile: view?.profile });
    const exported = await controller.handlers.exportFile({});
    assert.ok(!exported.text.includes(CLIENT_SECRET), 'never exported');
    assert.deepEqual(exported.withoutSecret, ['Machine']);
    // The export imported again keeps the stored secret and the sign-in.
    await controller.handlers.importFile({ text: exported.text });
    state = await controller.handlers.getState({});
    assert.equal(state.profiles.find((p) => p.profile.name === 'Machine')?.status.phase, 'signed-in');
    // A browser that never had the secret (the file shared with a colleague) asks for it.
    const other = new FakePlatform();
    const colleague = background(other);
    await colleague.handlers.importFile({ text: exported.text });
    const [shared] = (await colleague.handlers.getState({})).profiles.filter(
      (p) => p.profile.name === 'Machine',
    );
    assert.equal(shared?.hasClientSecret, false);
    await assert.rejects(
      colleague.handlers.signInWithProvider({ id: shared?.id ?? '' }),
      /Machine needs its client secret/,
    );
    await colleague.handlers.signInWithProvider({ id: shared?.id ?? '', clientSecret: CLIENT_SECRET });
    const after = (await colleague.handlers.getState({})).profiles.find((p) => p.id === shared?.id);
    assert.equal(after?.status.phase, 'signed-in');
    assert.equal(after?.hasClientSecret, true);
    assert.ok(!JSON.stringify([...other.area.data]).includes(CLIENT_SECRET), 'sealed there too');
  });

  it('nothing it writes to the console holds a token or a password', async () => {
    const written: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    for (const m of methods)
      console[m] = (...args: unknown[]) => void written.push(args.map(String).join(' '));
    try {
      await controller.handlers.refreshNow({ id }); // rotation
      await api.withFaults({ refreshStatus: 503 }, () => controller.handlers.refreshNow({ id })); // transient
      platform.clock += 60_000;
      await controller.onResponse(
        {
          url: 'http://api.test/data',
          initiator: 'http://api.test',
          type: 'xmlhttprequest',
          method: 'GET',
          tabId: 1,
        },
        401,
      ); // a 401
      await waitFor(() => api.refreshCalls.length === 3, 5_000, 'the refresh the 401 started');
      await controller.reconcile();
      // The paths that do write to the console: a failed reconciliation, a stored profile that
      // no longer validates.
      const refusing: Platform = {
        ...platform,
        setRules: async () => {
          throw new Error('the browser refused the rules');
        },
      };
      await background(refusing)
        .reconcile()
        .catch(() => undefined);
      const { profiles } = (await platform.area.get('profiles')) as { profiles: unknown[] };
      await platform.area.set({ profiles: [...profiles, { id: 'broken', profile: { name: 'x' } }] });
      await controller.reconcile();
      await controller.handlers.signIn({ id, username: USER, password: PASSWORD }).catch(() => undefined);
      await controller.handlers.signOut({ id }).catch(() => undefined);
    } finally {
      methods.forEach((m, i) => {
        console[m] = originals[i] as (typeof console)[typeof m];
      });
    }
    assert.ok(written.length >= 2, `both failures were written: ${written.join(' | ')}`);
    const secrets = [PASSWORD, ...api.issuedTokens()];
    for (const line of written) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `a secret in the console: ${line}`);
    }
  });

  it('"Test" reports the status, and a redirect as one it did not follow', async () => {
    const at = (pathname: string) => `http://api.test:${api.port}${pathname}`;
    const { profile: stored } = (await controller.handlers.getState({})).profiles[0] ?? {};
    assert.ok(stored);
    await controller.handlers.saveProfile({ id, profile: { ...stored, testUrl: at('/whoami') } });
    const answer = await controller.handlers.testRequest({ id });
    assert.equal(answer.status, 200);
    assert.equal(answer.redirected, undefined);
    await controller.handlers.saveProfile({
      id,
      profile: { ...stored, testUrl: at('/redirect?to=/whoami') },
    });
    assert.equal((await controller.handlers.testRequest({ id })).redirected, true);
  });

  it('a disabled profile injects nothing and refreshes nothing', async () => {
    await controller.handlers.setEnabled({ id, enabled: false });
    assert.deepEqual(platform.rules, []);
    assert.equal(platform.alarmMap.size, 0);
    assert.equal((await phase())?.phase, 'disabled');
    await controller.handlers.setEnabled({ id, enabled: true });
    assert.ok(api.isValid(headerValue()));
  });

  it('a session whose key is gone reads as signed out, with the reason', async () => {
    const otherKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const session = await encryptedSessionStore(platform.area, async () => otherKey).get(id);
    assert.deepEqual(session, { failures: 0, error: UNREADABLE });
  });

  it('a wrong password says so and stores nothing', async () => {
    await controller.handlers.signOut({ id });
    await assert.rejects(
      controller.handlers.signIn({ id, username: USER, password: 'nope' }),
      /Sign-in failed: .*answered 401: Wrong email or password/,
    );
    assert.equal(await stored(platform, id), undefined);
    assert.deepEqual(platform.rules, []);
  });
});
