import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Profile, validateProfile } from '../../src/core/profile.js';
import { buildRules, HOSTS_PER_RULE, rulesForProfile } from '../../src/core/rules.js';
import '../support/messages.js'; // the English messages

function profile(input: Record<string, unknown>): Profile {
  const valid = validateProfile({ name: 'P', auth: { kind: 'manual' }, ...input });
  assert.ok(valid.ok, JSON.stringify(valid));
  return valid.value;
}

describe('rules', () => {
  it('sets the header with the token on the hosts, for the pages and hosts as initiators, and GET navigations', () => {
    const rules = rulesForProfile(
      profile({ hosts: ['api.example.com', 'http://localhost:8080'], pages: ['myapp.bubbleapps.io'] }),
      'TOKEN',
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
    assert.equal(navigations?.condition.initiatorDomains, undefined);
    const regex = new RegExp(fromPages?.condition.regexFilter ?? '');
    assert.ok(regex.test('https://api.example.com/x'));
    assert.ok(regex.test('http://localhost:8080/x'));
    assert.ok(!regex.test('http://localhost:8081/x'));
  });

  it('uses a custom header template', () => {
    const [rule] = rulesForProfile(
      profile({
        hosts: ['a.example'],
        header: { name: 'X-Api-Key', value: 'Token {access_token}; v={access_token}' },
      }),
      'T',
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
