// The background controller on an in-memory platform (test/support/fake-platform.ts, the adapter
// edge), with a fake clock and real HTTP to a local test API.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Platform } from '../../src/background/platform.js';
import {
  checkedStamp,
  PROFILES_CHECKED_KEY,
  PROFILES_KEY,
  type ProfileStore,
  profileStore,
} from '../../src/background/profile-store.js';
import { encryptedSessionStore, UNREADABLE } from '../../src/background/session-store.js';
import { sha256Hex } from '../../src/core/json.js';
import { validateProfile } from '../../src/core/profile.js';
import { LISTEN_ALARM } from '../../src/core/response-listeners.js';
import type { HeaderRule, ObservedRequest } from '../../src/core/rules.js';
import type { AppState } from '../../src/messages/protocol.js';
import '../support/messages.js'; // the English messages
import { headersSent } from '../support/dnr.js';
import { BUILD, background, FakePlatform, testKey } from '../support/fake-platform.js';
import { FileServer } from '../support/file-server.js';
import { setValue } from '../support/plan-fixtures.js';
import { CLIENT_SECRET, TestApi } from '../support/test-api.js';
import { waitFor } from '../support/wait.js';

const USER = 'bob';
const stored = (platform: FakePlatform, id: string) => platform.sessions.get(id);
// Spaces keep it from ever turning up by chance inside base64 ciphertext (a two-letter one did).
const PASSWORD = 'correct horse battery staple';

describe('background controller', () => {
  /** A new test API for each test: no fault, call or token carries over. */
  let api: TestApi;
  let platform: FakePlatform;
  let controller: ReturnType<typeof background>;
  let id: string;

  const profile = (refresh = true) => ({
    name: 'API',
    hosts: ['http://api.test'],
    auth: {
      kind: 'json-login',
      login: {
        url: `http://127.0.0.1:${api.port}/v2/login`,
        body: { email: '{username}', password: '{password}' },
      },
      ...(refresh
        ? {
            refresh: { url: `http://127.0.0.1:${api.port}/v2/refresh`, body: { refresh: '{refresh_token}' } },
          }
        : {}),
      response: { accessToken: 'data.token', refreshToken: 'data.refresh', expiresIn: 'data.ttl' },
    },
  });
  const headerValue = () => platform.rules[0] && setValue(platform.rules[0]);
  const phase = async () => (await controller.handlers.getState({})).profiles[0]?.status;

  beforeEach(async () => {
    api = new TestApi({ ttlSeconds: 3600, users: { [USER]: PASSWORD } });
    await api.start();
    platform = new FakePlatform();
    controller = background(platform);
    ({ id } = await controller.handlers.saveProfile({ profile: profile() }));
    await controller.handlers.signIn({ id, username: USER, password: PASSWORD });
  });
  afterEach(() => api.stop());

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

  it('"Open in a tab": its rule is set before the tab loads, lasts while it stays on the hosts, and goes when it closes', async () => {
    const tabRules = () => platform.rules.filter((rule) => rule.condition.tabIds);
    assert.deepEqual(tabRules(), [], 'no tab gets the token before the user opens one');
    await controller.handlers.openInTab({ id });
    const [tab] = platform.openedTabs;
    assert.equal(tab?.url, 'http://api.test/');
    const before = tab?.rulesBeforeLoad.filter((rule) => rule.condition.tabIds) ?? [];
    assert.deepEqual(
      before.map((rule) => rule.condition.tabIds),
      [[tab?.tabId]],
      'set before the URL loads',
    );
    assert.deepEqual(before[0]?.condition.resourceTypes, ['main_frame']);
    assert.deepEqual(before[0]?.condition.requestMethods, ['get']);
    // The background stops and starts again: the tab keeps its rule.
    controller = background(platform);
    await controller.reconcile();
    assert.equal(tabRules().length, 1);
    // While it opens (a blank page, the extension's own page) nothing changes; within the API,
    // and on another tab, neither.
    await controller.onTabNavigated(tab?.tabId ?? 0, undefined);
    assert.equal(tabRules().length, 1, 'still opening');
    await controller.onTabNavigated(tab?.tabId ?? 0, 'http://api.test/');
    await controller.onTabNavigated(tab?.tabId ?? 0, 'http://api.test/other/page');
    await controller.onTabNavigated(7, undefined);
    await controller.onTabClosed(7);
    assert.equal(tabRules().length, 1);
    // A site the extension cannot see (no url), or any other site: the rule goes.
    await controller.onTabNavigated(tab?.tabId ?? 0, undefined);
    assert.deepEqual(tabRules(), []);
    await controller.handlers.openInTab({ id });
    await controller.onTabNavigated(platform.openedTabs[1]?.tabId ?? 0, 'http://api.test/');
    await controller.onTabNavigated(platform.openedTabs[1]?.tabId ?? 0, 'http://app.test/');
    assert.deepEqual(tabRules(), []);
    await controller.handlers.openInTab({ id });
    assert.equal(tabRules().length, 1);
    await controller.onTabClosed(platform.openedTabs[2]?.tabId ?? 0);
    assert.deepEqual(tabRules(), []);
    assert.deepEqual(await platform.apiTabs.load(), []);
  });

  it('a tab that loads and closes in the same moment loses its rule (its events change the tabs one at a time)', async () => {
    await controller.handlers.openInTab({ id });
    const tabId = platform.openedTabs[0]?.tabId ?? 0;
    await Promise.all([controller.onTabNavigated(tabId, 'http://api.test/'), controller.onTabClosed(tabId)]);
    await controller.reconcile();
    assert.deepEqual(await platform.apiTabs.load(), []);
    assert.deepEqual(
      platform.rules.filter((rule) => rule.condition.tabIds),
      [],
    );
  });

  it('"Open in a tab" needs a sign-in, and a signed-out profile’s tabs lose their rule', async () => {
    await controller.handlers.openInTab({ id });
    await controller.handlers.signOut({ id });
    assert.deepEqual(platform.rules, []);
    assert.deepEqual(await platform.apiTabs.load(), [], 'the tab is an ordinary tab from now on');
    await assert.rejects(
      controller.handlers.openInTab({ id }),
      /Sign in first: there is no valid token for a tab/,
    );
    assert.equal(platform.openedTabs.length, 1);
  });

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

  it('an alarm, "Refresh now" and a worker start at once make one refresh', async () => {
    platform.clock += 3_400_000; // past the due time (expiry minus 300 s)
    const before = headerValue();
    await api.withFaults({ refreshDelayMs: 200 }, () =>
      Promise.all([
        controller.onAlarm(`refresh:${id}`),
        controller.handlers.refreshNow({ id }),
        controller.reconcile(),
        controller.onAlarm(`refresh:${id}`),
      ]),
    );
    await controller.reconcile();
    assert.equal(api.refreshCalls.length, 1, 'one refresh call');
    assert.equal(api.refreshCalls[0]?.ok, true);
    assert.notEqual(headerValue(), before);
    assert.ok(api.isValid(headerValue()));
  });

  it('a 401 to a request that carried the token refreshes at once, once per token; others do not', async () => {
    // The profile's own page (its host) calls the API: its rules give that request the token.
    const fromApi = (url: string, more: Partial<ObservedRequest> = {}): ObservedRequest => ({
      url,
      initiator: 'http://api.test',
      type: 'xmlhttprequest',
      method: 'GET',
      tabId: 1,
      ...more,
    });
    await controller.onResponse(fromApi('http://api.test/data'), 401);
    assert.equal(api.refreshCalls.length, 0, 'a brand-new token is not refreshed on 401');
    platform.clock += 60_000;
    await controller.onResponse(fromApi('http://other.test/data'), 401);
    await controller.onResponse(fromApi('http://api.test/data'), 200);
    // Requests that never carried the token: a foreign page's fetch or frame (reloaded every 10 s,
    // say), a navigation another site started, a URL typed in an ordinary tab.
    await controller.onResponse(fromApi('http://api.test/data', { initiator: 'https://evil.example' }), 401);
    await controller.onResponse(
      fromApi('http://api.test/frame', { initiator: 'https://evil.example', type: 'sub_frame' }),
      401,
    );
    await controller.onResponse(
      fromApi('http://api.test/', { initiator: 'https://evil.example', type: 'main_frame' }),
      401,
    );
    await controller.onResponse(
      fromApi('http://api.test/', { initiator: undefined, type: 'main_frame' }),
      401,
    );
    await controller.onResponse(fromApi('http://api.test/x', { method: 'POST', type: 'main_frame' }), 401);
    assert.equal(api.refreshCalls.length, 0);
    await Promise.all([
      controller.onResponse(fromApi('http://api.test/data'), 401),
      controller.onResponse(fromApi('http://api.test/other', { initiator: 'http://sub.api.test' }), 401),
    ]);
    await waitFor(() => api.refreshCalls.length === 1, 5_000, 'one refresh');
    await controller.reconcile();
    assert.ok(api.isValid(headerValue()));
    assert.equal(api.refreshCalls.length, 1);
    // In a tab opened with "Open in a tab", a navigation the user typed carries it.
    await controller.handlers.openInTab({ id });
    platform.clock += 60_000;
    const tabId = platform.openedTabs[0]?.tabId ?? 0;
    await controller.onResponse(
      fromApi('http://api.test/', { initiator: undefined, type: 'main_frame', tabId }),
      401,
    );
    await waitFor(() => api.refreshCalls.length === 2, 5_000, 'a refresh after the API tab’s 401');
  });

  it('responses are observed only while a signed-in profile reacts to a 401, only its hosts; "on401": false turns it off', async () => {
    assert.deepEqual(
      platform.observedHosts,
      ['http://api.test/*', 'https://api.test/*'],
      'signed in, reacting to 401: its hosts, no other (not its pages, not the token endpoint)',
    );
    const request: ObservedRequest = {
      url: 'http://api.test/data',
      initiator: 'http://api.test',
      type: 'xmlhttprequest',
      method: 'GET',
      tabId: 1,
    };
    const quiet = { ...profile(), refresh: { on401: false } };
    await controller.handlers.saveProfile({ id, profile: quiet });
    assert.equal(platform.observing, false, 'no profile reacts: the browser reports nothing');
    platform.clock += 60_000;
    await controller.onResponse(request, 401);
    assert.equal(api.refreshCalls.length, 0, 'and a 401 that still arrives refreshes nothing');
    assert.ok(api.isValid(headerValue()), 'the sign-in and its header are kept');
    await controller.handlers.saveProfile({ id, profile: profile() });
    assert.equal(platform.observing, true);
    await controller.handlers.signOut({ id });
    assert.equal(platform.observing, false, 'signed out: nothing to react for');
    assert.deepEqual(
      platform.wakeHosts,
      ['http://api.test/*', 'https://api.test/*'],
      'but its hosts may still need a 401 heard after a sign-in: kept for the next start',
    );
    await controller.handlers.saveProfile({ id, profile: quiet });
    assert.deepEqual(platform.wakeHosts, [], 'no profile reacts: nothing to wake for');
  });

  it('where the background is woken only for what it listened to from its start (Firefox), a host added since sets the listen alarm until a start listens to it', async () => {
    platform.hostsAtStart = ['http://api.test/*', 'https://api.test/*'];
    await controller.reconcile();
    assert.equal(platform.alarmMap.has(LISTEN_ALARM), false, 'the start listened to every host wanted');
    const wider = { ...profile(), hosts: [...profile().hosts, 'other.test'] };
    await controller.handlers.saveProfile({ id, profile: wider });
    const at = platform.alarmMap.get(LISTEN_ALARM);
    assert.equal(at, platform.clock + 45_000, 'a host the start did not listen to: the alarm is set');
    platform.clock += 10_000;
    await controller.reconcile();
    assert.equal(platform.alarmMap.get(LISTEN_ALARM), at, 'kept at its time by later reconciliations');
    // The alarm started the page again, which listened to what the last reconciliation wanted.
    platform.hostsAtStart = platform.wakeHosts;
    await controller.onAlarm(LISTEN_ALARM);
    assert.equal(platform.alarmMap.has(LISTEN_ALARM), false, 'its start listens to them all: no alarm');
    platform.hostsAtStart = undefined;
  });

  it('a refreshed token reaches the rules right after it is stored, before any other storage read', async () => {
    platform.log.length = 0;
    await controller.handlers.refreshNow({ id });
    const fresh = headerValue();
    assert.ok(api.isValid(fresh));
    const stored = platform.log.lastIndexOf('set sessions');
    const applied = platform.log.indexOf(`rules ${fresh}`);
    assert.ok(stored >= 0 && applied > stored, platform.log.join('\n'));
    assert.deepEqual(platform.log.slice(stored + 1, applied), [], 'nothing between the store and the rules');
  });

  it('a rule update that fails right after a good refresh keeps the sign-in; the next one sets the rules', async () => {
    const setRules = platform.setRules;
    let refusals = 1;
    Object.assign(platform, {
      setRules: async (rules: HeaderRule[], inputs: string) => {
        if (refusals-- > 0) throw new Error('the browser refused the rules');
        await setRules(rules, inputs);
      },
    });
    await controller.handlers.refreshNow({ id });
    assert.equal((await phase())?.phase, 'signed-in');
    assert.ok(api.isValid(headerValue()), 'the sync after the refresh set the new token');
    assert.equal(api.refreshCalls.length, 1);
    assert.deepEqual(platform.notifications, [], 'no "signed out" notification');
  });

  it('one profile’s rule the browser refuses keeps neither the others’ rules out nor a signed-out one’s in', async () => {
    const setRules = platform.setRules;
    Object.assign(platform, {
      setRules: async (rules: HeaderRule[], inputs: string) => {
        if (rules.some((rule) => setValue(rule)?.includes('refuse-me')))
          throw new Error('Rule with id 3 has an invalid header value');
        await setRules(rules, inputs);
      },
    });
    const manual = (name: string, value: string) => ({
      name,
      hosts: [`${name.toLowerCase()}.test`],
      header: { name: 'X-Key', value },
      auth: { kind: 'manual' },
    });
    const { id: bad } = await controller.handlers.saveProfile({
      profile: manual('Bad', 'refuse-me {access_token}'),
    });
    const { id: good } = await controller.handlers.saveProfile({ profile: manual('Good', '{access_token}') });
    await controller.handlers.useToken({ id: bad, token: 'bad-token' });
    await controller.handlers.useToken({ id: good, token: 'good-token' });
    const values = () => platform.rules.map((rule) => setValue(rule));
    assert.ok(values().includes('good-token'), 'the good profile’s rule is set');
    assert.ok(api.isValid(headerValue()), 'and the first profile’s');
    assert.ok(!values().some((v) => v?.includes('refuse-me')));
    const state = await controller.handlers.getState({});
    assert.match(
      state.profiles.find((p) => p.id === bad)?.status.error ?? '',
      /The browser refused this profile's header rule, so the header is not sent: Rule with id 3/,
    );
    assert.equal(state.profiles.find((p) => p.id === good)?.status.error, undefined);
    await controller.handlers.signOut({ id });
    assert.ok(!values().some((v) => v?.startsWith('Bearer ')), 'the signed-out profile’s rule is gone');
    assert.deepEqual(values(), ['good-token', 'good-token']);
  });

  it('a sign-out while the refresh is in flight wins: the new token never reaches the rules', async () => {
    const signedIn = headerValue();
    platform.log.length = 0;
    await api.withFaults({ refreshSequence: ['slow'] }, async () => {
      const refreshing = controller.handlers.refreshNow({ id }); // answered after 3 s
      await waitFor(() => api.refreshesInFlight === 1, 5_000, 'the refresh request at the server');
      await controller.handlers.signOut({ id });
      await refreshing;
    });
    await controller.reconcile();
    assert.deepEqual(platform.rules, []);
    const carried = platform.log.filter((entry) => entry.startsWith('rules Bearer'));
    assert.ok(
      carried.every((entry) => entry === `rules ${signedIn}`),
      'no rule ever carried the token the refresh brought',
    );
    assert.equal((await phase())?.phase, 'signed-out');
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

  it('a refresh refused after the user signed out raises no notification', async () => {
    // Answered after 3 s, with a refusal.
    await api.withFaults({ refreshSequence: ['slow'], refreshStatus: 400 }, async () => {
      const refreshing = controller.handlers.refreshNow({ id });
      await waitFor(() => api.refreshesInFlight === 1, 5_000, 'the refresh request at the server');
      await controller.handlers.signOut({ id });
      await refreshing;
    });
    assert.equal(api.refreshCalls.at(-1)?.ok, false, 'the server refused it');
    assert.deepEqual(platform.notifications, []);
    assert.equal((await phase())?.error, undefined, 'the sign-out shows no refusal');
  });

  it('an alarm for a token that is not due does nothing', async () => {
    await controller.onAlarm(`refresh:${id}`);
    assert.equal(api.refreshCalls.length, 0);
  });

  it('stores the rotated refresh token; keeps the old one when the answer has none', async () => {
    const first = (await stored(platform, id))?.tokens?.refreshToken;
    await controller.handlers.refreshNow({ id });
    const second = (await stored(platform, id))?.tokens?.refreshToken;
    assert.notEqual(second, first);
    await api.withFaults({ noRotation: true }, () => controller.handlers.refreshNow({ id }));
    assert.equal((await stored(platform, id))?.tokens?.refreshToken, second);
  });

  it('a server error keeps the valid token and schedules a retry; success clears the error', async () => {
    const before = headerValue();
    await api.withFaults({ refreshStatus: 503 }, () => controller.handlers.refreshNow({ id }));
    const status = await phase();
    assert.equal(status?.phase, 'retrying');
    assert.match(status?.error ?? '', /^Refresh failed: 127\.0\.0\.1:\d+ answered 503/);
    assert.equal(headerValue(), before, 'the still-valid token is still sent');
    assert.equal(platform.alarmMap.get(`refresh:${id}`), platform.clock + 5_000);
    assert.equal(platform.badge?.text, '!');
    platform.clock += 5_000;
    await controller.onAlarm(`refresh:${id}`);
    assert.equal((await phase())?.phase, 'signed-in');
  });

  it('invalid_grant signs the user out with the reason and removes the rule', async () => {
    await api.withFaults({ refreshStatus: 400 }, () => controller.handlers.refreshNow({ id }));
    const status = await phase();
    assert.equal(status?.phase, 'signed-out');
    assert.match(status?.error ?? '', /^Signed out: the refresh was refused/);
    assert.deepEqual(platform.rules, []);
    assert.equal(platform.alarmMap.size, 0);
    assert.equal(platform.notifications.length, 1);
    assert.match(platform.notifications[0] ?? '', /^signed-out:\S+ API: signed out: The refresh was refused/);
  });

  it('a token past its expiry is never sent: the rule goes at the drop alarm', async () => {
    await controller.handlers.saveProfile({ id, profile: profile(false) }); // no refresh endpoint
    await controller.handlers.signIn({ id, username: USER, password: PASSWORD });
    platform.clock += 3_600_000 - 1_000;
    await controller.onAlarm(`drop:${id}`);
    assert.deepEqual(platform.rules, []);
    assert.equal((await phase())?.phase, 'expired');
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

  it('a worker start leaves the rules an earlier worker set from the same inputs, and sets them after a browser restart', async () => {
    const before = headerValue();
    platform.log.length = 0;
    await background(platform).reconcile();
    assert.deepEqual(
      platform.log.filter((entry) => entry.startsWith('rules')),
      [],
      'the rules are those already set',
    );
    // A browser restart clears the session rules and storage.session with them.
    platform.rules = [];
    platform.rulesSet = undefined;
    await background(platform).reconcile();
    assert.equal(headerValue(), before, 'set again, with the same token');
  });

  it('a token already due at a worker start is refreshed at once', async () => {
    platform.clock += 3_500_000;
    const restarted = background(platform);
    await restarted.reconcile();
    await waitFor(
      async () => api.refreshCalls.length === 1 && (await stored(platform, id))?.lastRefresh,
      5_000,
      'the refresh is done',
    );
    await restarted.reconcile();
    assert.equal(api.refreshCalls.length, 1);
    assert.ok(api.isValid(headerValue()));
  });

  it('a disabled profile injects nothing and refreshes nothing', async () => {
    await controller.handlers.setEnabled({ id, enabled: false });
    assert.deepEqual(platform.rules, []);
    assert.equal(platform.alarmMap.size, 0);
    assert.equal((await phase())?.phase, 'disabled');
    await controller.handlers.setEnabled({ id, enabled: true });
    assert.ok(api.isValid(headerValue()));
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

  it('a session whose key is gone reads as signed out, with the reason', async () => {
    const otherKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const session = await encryptedSessionStore(platform.area, async () => otherKey).get(id);
    assert.deepEqual(session, { failures: 0, error: UNREADABLE });
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

  it('a wrong password says so and stores nothing', async () => {
    await controller.handlers.signOut({ id });
    await assert.rejects(
      controller.handlers.signIn({ id, username: USER, password: 'nope' }),
      /Sign-in failed: .*answered 401: Wrong email or password/,
    );
    assert.equal(await stored(platform, id), undefined);
    assert.deepEqual(platform.rules, []);
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

  describe('accounts per tab', () => {
    const CAROL = 'carol@example.com';
    const carolRules = () => platform.rules.filter((r) => setValue(r)?.includes(carolToken));
    let carolToken = '';
    const bobValues = () => platform.rules.filter((r) => !r.condition.tabIds).map((r) => setValue(r));
    /** What the guard rules of a tab remove (rules.ts: another profile's token never reaches it). */
    const guardsOf = (tabId: number) =>
      platform.rules
        .filter((r) => !setValue(r) && r.condition.tabIds?.includes(tabId))
        .map((r) => r.action.requestHeaders);

    beforeEach(async () => {
      (api.options.users as Record<string, string>)[CAROL] = PASSWORD;
      const { account } = await controller.handlers.addAccount({ id });
      assert.equal(account, '2');
      await controller.handlers.signIn({ id, account, username: CAROL, password: PASSWORD });
      await controller.handlers.useInTab({ id, account, tabId: 2 });
      carolToken = (await stored(platform, `@2:${id}`))?.tokens?.accessToken ?? '';
      assert.ok(carolToken);
    });

    it('an added account signs in on its own, its rules hold only in the tab that chose it, and its refresh leaves the other’s rule alone', async () => {
      assert.ok(carolRules().length > 0);
      for (const rule of carolRules()) {
        assert.deepEqual(rule.condition.tabIds, [2]);
        assert.equal(rule.priority, 3);
      }
      const others = platform.rules.filter((r) => !carolRules().includes(r) && setValue(r));
      assert.ok(others.length > 0 && others.every((r) => r.condition.excludedTabIds?.[0] === 2));
      assert.deepEqual(guardsOf(2), [[{ header: 'Authorization', operation: 'remove' }]]);
      const state = await controller.handlers.getState({});
      assert.equal(state.profiles[0]?.status.username, USER);
      assert.equal(state.profiles[0]?.accounts[0]?.status.username, CAROL);
      assert.equal(platform.badge?.text, '2');
      assert.equal(platform.tabBadges.get(2)?.text, 'caro');
      assert.ok(platform.alarmMap.has(`refresh:@2:${id}`) && platform.alarmMap.has(`refresh:${id}`));

      const bobBefore = bobValues();
      await controller.handlers.refreshNow({ id, account: '2' });
      const renewed = (await stored(platform, `@2:${id}`))?.tokens?.accessToken ?? '';
      assert.notEqual(renewed, carolToken);
      carolToken = renewed;
      assert.ok(carolRules().length > 0, 'the new token is in the tab’s rules');
      assert.deepEqual(bobValues(), bobBefore, 'the default account’s rules did not change');
      assert.equal(api.accessTokens.get(renewed)?.user, CAROL);

      // The background stops and starts again: the same rules, from storage.
      const rules = platform.rules;
      controller = background(platform);
      await controller.reconcile();
      assert.deepEqual(platform.rules, rules);
    });

    it('a tab opened from a switched tab inherits; a closed tab and a removed account drop their choices', async () => {
      await controller.onTabOpened(3, 2);
      await controller.onTabOpened(4, 1);
      assert.deepEqual(carolRules()[0]?.condition.tabIds, [2, 3]);
      await controller.onTabClosed(2);
      assert.deepEqual(carolRules()[0]?.condition.tabIds, [3]);
      await assert.rejects(
        controller.handlers.useInTab({ id, account: '2', tabId: 9 }),
        /That tab is closed/,
      );
      await assert.rejects(controller.handlers.useInTab({ id, account: '5', tabId: 1 }), /no longer there/);

      // Signed out, the account's tab gets nothing, not the default's token.
      await controller.handlers.signOut({ id, account: '2' });
      assert.deepEqual(carolRules(), []);
      const setting = platform.rules.filter((r) => setValue(r));
      assert.ok(setting.length > 0 && setting.every((r) => r.condition.excludedTabIds?.includes(3)));
      assert.equal(guardsOf(3).length, 1, 'and no other profile’s token either');
      assert.equal(platform.tabBadges.get(3)?.text, '!');

      await controller.handlers.removeAccount({ id, account: '2' });
      assert.deepEqual(await platform.tabChoices.load(), []);
      assert.ok(platform.rules.every((r) => r.condition.excludedTabIds === undefined));
      assert.deepEqual(guardsOf(3), [], 'the tab is an ordinary one again');
      assert.deepEqual(platform.tabBadges, new Map());
      assert.equal((await controller.handlers.getState({})).profiles[0]?.accounts.length, 0);
    });

    it('the page that opened a tab decides its account, as the navigation events report it, whatever tabs.onCreated guessed', async () => {
      // Carol's tab (2) opens a tab while tab 1 (the default account) is in front: Chromium may
      // report tab 1 as the opener. The navigation event names tab 2, and that wins.
      await controller.onTabOpened(9, 1);
      await controller.onTabOpenedBy(2, 9);
      assert.deepEqual(
        (await platform.tabChoices.load()).filter((c) => c.tabId === 9),
        [{ tabId: 9, profileId: id, accountId: '2' }],
      );
      assert.ok(carolRules().some((r) => r.condition.tabIds?.includes(9)));
      // The other way round: a guess of Carol's tab for a tab the default account's page opened.
      await controller.onTabOpened(10, 2);
      assert.ok(
        carolRules().some((r) => r.condition.tabIds?.includes(10)),
        'the guess, for a moment',
      );
      await controller.onTabOpenedBy(1, 10);
      assert.deepEqual(
        (await platform.tabChoices.load()).filter((c) => c.tabId === 10),
        [],
        'the default account, as the page that opened it',
      );
      assert.ok(!carolRules().some((r) => r.condition.tabIds?.includes(10)));
    });

    it('a tab’s chosen account holds across profiles: another profile on the same host never sends its token into that tab', async () => {
      // A second profile covers the API's host too, signed in as another user.
      const { id: other } = await controller.handlers.saveProfile({
        profile: { ...profile(), name: 'Other API', pages: ['http://app.test'] },
      });
      await controller.handlers.signIn({ id: other, username: USER, password: PASSWORD });
      const otherToken = (await stored(platform, other))?.tokens?.accessToken ?? '';
      // A page on the API's host (a page of both profiles) in the tab that chose carol.
      const fromApp = { url: 'http://api.test/orders', initiator: 'http://api.test', tabId: 2 };
      const sent = () => headersSent(platform.rules, fromApp).authorization;
      assert.equal(sent(), `Bearer ${carolToken}`, 'the chosen account’s token');
      assert.equal(
        headersSent(platform.rules, { ...fromApp, initiator: 'http://app.test' }).authorization,
        undefined,
        'a page only the other profile allows: still not the other profile’s token in that tab',
      );
      assert.equal(
        headersSent(platform.rules, { ...fromApp, initiator: 'http://app.test', tabId: 5 }).authorization,
        `Bearer ${otherToken}`,
        'another tab: the other profile’s, from its page, as before',
      );
      await controller.handlers.signOut({ id, account: '2' });
      assert.equal(sent(), undefined, 'signed out: no token at all, not the other profile’s');
      await controller.handlers.signIn({ id, account: '2', username: CAROL, password: PASSWORD });
      carolToken = (await stored(platform, `@2:${id}`))?.tokens?.accessToken ?? '';
      assert.equal(sent(), `Bearer ${carolToken}`);
    });

    it('removing the profile forgets every account’s sign-in once Undo is past', async () => {
      await controller.handlers.deleteProfile({ id });
      assert.deepEqual(platform.rules, []);
      await controller.handlers.undoDelete({});
      assert.ok(carolRules().length > 0, 'Undo brings the added account back, signed in');
      await controller.handlers.deleteProfile({ id });
      await controller.emptyTrash();
      assert.equal(await stored(platform, `@2:${id}`), undefined);
      assert.equal(await stored(platform, id), undefined);
      assert.deepEqual(await platform.accounts.load(), []);
    });

    it('"Open a tab as" an added account: the tab uses it from its first request', async () => {
      await controller.handlers.openInTab({ id, account: '2' });
      const [tab] = platform.openedTabs;
      const before =
        tab?.rulesBeforeLoad.filter((r) => r.condition.tabIds?.includes(tab.tabId) && setValue(r)) ?? [];
      assert.ok(before.length > 0);
      assert.ok(before.every((r) => setValue(r) === `Bearer ${carolToken}`));
      assert.deepEqual(
        (await platform.tabChoices.load()).filter((c) => c.tabId === tab?.tabId),
        [{ tabId: tab?.tabId, profileId: id, accountId: '2' }],
      );
    });

    it('a managed profile takes accounts too', async () => {
      platform.managedFile = JSON.stringify({
        autobearer: 1,
        profiles: [{ ...profile(), name: 'Managed API', hosts: ['http://company.test'] }],
      });
      await controller.reconcile(); // reads the policy after the rules, and syncs again when it changed
      const managed = 'managed:Managed API';
      await waitFor(
        async () => (await controller.handlers.getState({})).profiles.some((p) => p.id === managed),
        2_000,
        'the policy’s profile',
      );
      const { account } = await controller.handlers.addAccount({ id: managed });
      await controller.handlers.signIn({ id: managed, account, username: CAROL, password: PASSWORD });
      const view = (await controller.handlers.getState({})).profiles.find((p) => p.id === managed);
      assert.equal(view?.managed, true);
      assert.equal(view?.accounts[0]?.status.username, CAROL);
    });

    it('a machine identity has one account', async () => {
      const { id: machine } = await controller.handlers.saveProfile({
        profile: {
          name: 'Machine',
          hosts: ['machine.test'],
          auth: { kind: 'oauth2-client-credentials', tokenUrl: 'https://id.test/token', clientId: 'c' },
        },
      });
      await assert.rejects(controller.handlers.addAccount({ id: machine }), /one account/);
    });
  });
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
