// The refresh: alarms, 401s, retries, a worker start, and the rules that carry the token: the
// background on an in-memory platform (test/support/fake-platform.ts, the adapter edge), with a
// fake clock and real HTTP to a local test API (test/support/signed-in.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LISTEN_ALARM } from '../../src/core/response-listeners.js';
import type { HeaderRule, ObservedRequest } from '../../src/core/rules.js';
import '../support/messages.js'; // the English messages
import { background } from '../support/fake-platform.js';
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

describe('background: refresh', () => {
  eachSignedIn();

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
});
