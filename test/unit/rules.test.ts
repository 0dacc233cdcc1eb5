import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Profile, validateProfile } from '../../src/core/profile.js';
import {
  buildRules,
  HOSTS_PER_RULE,
  rulesForProfile,
  rulesWouldMatch,
  tabUrlFor,
} from '../../src/core/rules.js';
import '../support/messages.js'; // the English messages

function profile(input: Record<string, unknown>): Profile {
  const valid = validateProfile({ name: 'P', auth: { kind: 'manual' }, ...input });
  assert.ok(valid.ok, JSON.stringify(valid));
  return valid.value;
}

describe('rules', () => {
  it('sets the header with the token on the hosts, for the pages and hosts as initiators, and GET navigations they start', () => {
    const rules = rulesForProfile(
      profile({ hosts: ['api.example.com', 'http://localhost:8080'], pages: ['myapp.bubbleapps.io'] }),
      { accessToken: 'TOKEN' },
      1,
    );
    assert.equal(rules.length, 2);
    const [fromPages, navigations] = rules;
    assert.deepEqual(fromPages?.action.requestHeaders, [
      { header: 'Authorization', operation: 'set', value: 'Bearer TOKEN' },
    ]);
    assert.deepEqual(fromPages?.condition.initiatorDomains, [
      'api.example.com',
      'localhost',
      'myapp.bubbleapps.io',
    ]);
    assert.equal(
      fromPages?.condition.resourceTypes,
      undefined,
      'every kind of request except top-level navigations',
    );
    assert.deepEqual(navigations?.condition.resourceTypes, ['main_frame']);
    assert.deepEqual(navigations?.condition.requestMethods, ['get']);
    // A navigation another site starts (or a typed URL: browsers cannot tell them apart) gets nothing.
    assert.deepEqual(navigations?.condition.initiatorDomains, fromPages?.condition.initiatorDomains);
    assert.equal(navigations?.condition.tabIds, undefined);
    const regex = new RegExp(fromPages?.condition.regexFilter ?? '');
    assert.ok(regex.test('https://api.example.com/x'));
    assert.ok(regex.test('http://localhost:8080/x'));
    assert.ok(!regex.test('http://localhost:8081/x'));
  });

  it('a tab the user opened the API in gets its GET navigations to the hosts, whoever starts them', () => {
    const hosts = Array.from({ length: HOSTS_PER_RULE + 1 }, (_, i) => `h${i}.example.com`);
    const rules = rulesForProfile(profile({ hosts }), { accessToken: 'T' }, 1, [42, 7]);
    const tabRules = rules.filter((rule) => rule.condition.tabIds);
    assert.equal(tabRules.length, 2, 'one per group of hosts');
    for (const rule of tabRules) {
      assert.deepEqual(rule.condition.tabIds, [7, 42]);
      assert.deepEqual(rule.condition.resourceTypes, ['main_frame']);
      assert.deepEqual(rule.condition.requestMethods, ['get']);
      assert.equal(rule.condition.initiatorDomains, undefined);
    }
    assert.deepEqual(
      rules.map((rule) => rule.id),
      rules.map((_, i) => i + 1),
    );
    assert.equal(
      rulesForProfile(profile({ hosts }), { accessToken: 'T' }, 1).filter((r) => r.condition.tabIds).length,
      0,
    );
  });

  it('"Open in a tab" opens the test URL, else the first host that names one site', () => {
    assert.equal(
      tabUrlFor(profile({ hosts: ['a.example'], testUrl: 'https://a.example/me' })),
      'https://a.example/me',
    );
    assert.equal(
      tabUrlFor(profile({ hosts: ['*.example.com', 'http://api.test:8080'] })),
      'http://api.test:8080/',
    );
    assert.equal(tabUrlFor(profile({ hosts: ['api.example.com:443'] })), 'https://api.example.com:443/');
    assert.equal(tabUrlFor(profile({ hosts: ['*.example.com'] })), undefined);
  });

  it('tells which observed requests the rules gave the token', () => {
    const p = profile({ hosts: ['api.example.com'], pages: ['app.example'] });
    const request = (more: Record<string, unknown>) => ({
      url: 'https://api.example.com/v1',
      initiator: 'https://app.example',
      type: 'xmlhttprequest',
      method: 'GET',
      tabId: 3,
      ...more,
    });
    assert.ok(rulesWouldMatch(p, request({}), []));
    assert.ok(rulesWouldMatch(p, request({ initiator: 'https://eu.app.example:8443/page?x' }), []));
    assert.ok(rulesWouldMatch(p, request({ initiator: 'https://api.example.com', type: 'main_frame' }), []));
    assert.ok(rulesWouldMatch(p, request({ initiator: undefined, type: 'main_frame' }), [3]));
    for (const other of [
      { url: 'https://api.example.com.evil/v1' },
      { initiator: 'https://evil.example' },
      { initiator: 'https://app.example.evil' },
      { initiator: 'null' },
      { initiator: undefined },
      { initiator: undefined, type: 'main_frame', tabId: 4 },
      { initiator: 'https://evil.example', type: 'main_frame', tabId: 4 },
      { type: 'main_frame', method: 'POST' },
    ]) {
      assert.equal(rulesWouldMatch(p, request(other), [3]), false, JSON.stringify(other));
    }
  });

  it('uses a custom header template', () => {
    const [rule] = rulesForProfile(
      profile({
        hosts: ['a.example'],
        header: { name: 'X-Api-Key', value: 'Token {access_token}; v={access_token}' },
      }),
      { accessToken: 'T' },
      7,
    );
    assert.equal(rule?.id, 7);
    assert.deepEqual(rule?.action.requestHeaders, [
      { header: 'X-Api-Key', operation: 'set', value: 'Token T; v=T' },
    ]);
  });

  it('splits many hosts over several rules with unique ids', () => {
    const hosts = Array.from({ length: 100 }, (_, i) => `h${i}.example.com`);
    const rules = buildRules([
      { profile: profile({ name: 'A', hosts }), accessToken: 'a' },
      { profile: profile({ name: 'B', hosts: ['b.example'] }), accessToken: 'b' },
    ]);
    assert.equal(rules.length, Math.ceil(100 / HOSTS_PER_RULE) * 2 + 2);
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const h of hosts)
      assert.ok(
        rules.some((r) => new RegExp(r.condition.regexFilter).test(`https://${h}/`)),
        h,
      );
  });
});
