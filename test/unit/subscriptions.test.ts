// Team subscriptions (#14): where a file may come from, which update widens, how a file is
// fetched (against a real local server), and what the background does with each outcome.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fetchSubscription, SubscriptionError } from '../../src/background/subscriptions.js';
import { publicKeyText } from '../../src/cli/keys.js';
import { previewImport } from '../../src/core/import-preview.js';
import { type Profile, validateProfile } from '../../src/core/profile.js';
import { profilesInForce } from '../../src/core/profiles.js';
import {
  DEFAULT_EVERY_HOURS,
  type FetchedFile,
  MAX_FILE_BYTES,
  newSubscription,
  removedBy,
  type Subscription,
  signatureUrl,
  subscriptionProfiles,
  subscriptionUrlProblem,
  wideningOf,
} from '../../src/core/subscriptions.js';
import { FileServer } from '../support/file-server.js';
import '../support/messages.js'; // the English messages

function profile(overrides: Record<string, unknown> = {}): Profile {
  const valid = validateProfile({
    name: 'Team API',
    hosts: ['api.example.com', 'eu.example.com'],
    auth: { kind: 'json-login', login: { url: 'https://api.example.com/login' } },
    ...overrides,
  });
  assert.ok(valid.ok, JSON.stringify(valid));
  return valid.value;
}
const fileOf = (...profiles: Profile[]): string => JSON.stringify({ autobearer: 1, profiles });
const fetched = (text: string): FetchedFile => ({ text, at: 1 });
const subscription = (more: Partial<Subscription> = {}): Subscription => ({
  id: 's1',
  name: 'Team',
  url: 'https://files.example.com/team.json',
  everyHours: 24,
  ...more,
});

describe('subscriptions, pure', () => {
  it('https, or plain http from this machine or with a pinned key; nothing else', () => {
    assert.equal(subscriptionUrlProblem('https://files.example.com/team.json', false), undefined);
    assert.equal(subscriptionUrlProblem('http://localhost:8080/team.json', false), undefined);
    assert.equal(subscriptionUrlProblem('http://127.0.0.1:8080/team.json', false), undefined);
    assert.equal(subscriptionUrlProblem('http://files.example.com/team.json', true), undefined);
    assert.match(subscriptionUrlProblem('http://files.example.com/team.json', false) ?? '', /is not https/);
    assert.match(subscriptionUrlProblem('http://localhost.evil.com/t.json', false) ?? '', /is not https/);
    assert.match(subscriptionUrlProblem('ftp://files.example.com/team.json', true) ?? '', /is not https/);
    assert.match(subscriptionUrlProblem('team.json', false) ?? '', /is not a URL/);
  });

  it('a new subscription: trimmed, with its key; refused without a name, with a bad key, URL or interval', () => {
    const key = publicKeyText(generateKeyPairSync('ed25519').publicKey);
    const made = newSubscription(
      { name: ' Team ', url: 'http://files.example.com/t.json', publicKey: ` ${key} `, everyHours: 6 },
      'id-1',
    );
    assert.deepEqual(made, {
      ok: true,
      value: {
        id: 'id-1',
        name: 'Team',
        url: 'http://files.example.com/t.json',
        everyHours: 6,
        publicKey: key,
      },
    });
    const plain = newSubscription({ name: 'Team', url: 'https://files.example.com/t.json' }, 'id-2');
    assert.ok(plain.ok && plain.value.everyHours === DEFAULT_EVERY_HOURS && !('publicKey' in plain.value));
    const refused = (request: Parameters<typeof newSubscription>[0]) => {
      const result = newSubscription(request, 'id');
      return result.ok ? undefined : result.problems;
    };
    const url = 'https://files.example.com/t.json';
    assert.ok(refused({ name: '  ', url }));
    assert.ok(refused({ name: 'Team', url, publicKey: 'abc' }));
    assert.ok(refused({ name: 'Team', url: 'http://files.example.com/t.json' }), 'plain http, no key');
    assert.ok(refused({ name: 'Team', url, everyHours: 0.5 }));
    assert.ok(refused({ name: 'Team', url, everyHours: Number.NaN }));
  });

  it('the signature is beside the file, its query kept', () => {
    assert.equal(signatureUrl('https://x.example/a/team.json'), 'https://x.example/a/team.json.sig');
    assert.equal(
      signatureUrl('https://x.example/team.json?ref=main'),
      'https://x.example/team.json.sig?ref=main',
    );
  });

  it('an update that removes hosts, pages or profiles only narrows; new hosts, profiles or secret hosts widen', () => {
    const before = [{ profile: profile(), signedIn: true }];
    const widen = (...after: Profile[]) => wideningOf(previewImport(before, after));
    assert.deepEqual(widen(profile({ hosts: ['api.example.com'] })), []);
    assert.deepEqual(widen(), [], 'a removed profile');
    assert.deepEqual(widen(profile({ refresh: { leadSeconds: 60 } })), [], 'other settings');
    assert.match(
      widen(profile({ hosts: ['api.example.com', 'evil.example'] })).join(),
      /now sends the token to or from evil\.example/,
    );
    assert.match(widen(profile({ pages: ['evil.example'] })).join(), /evil\.example/);
    assert.match(widen(profile(), profile({ name: 'More' })).join(), /new profile More/);
    const moved = profile({ auth: { kind: 'json-login', login: { url: 'https://evil.example/login' } } });
    assert.match(
      widen(moved).join(),
      /Team API now sends your password to https:\/\/evil\.example\/login \(before: https:\/\/api\.example\.com\/login\)/,
    );
  });

  it('a refresh URL, an issuer, a sign-in page or a token endpoint moved widens, old → new', () => {
    const login = { kind: 'json-login', login: { url: 'https://api.example.com/login' } };
    const withRefresh = (url: string) =>
      profile({ auth: { ...login, refresh: { url, body: { token: '{refresh_token}' } } } });
    const before = [{ profile: withRefresh('https://api.example.com/refresh'), signedIn: true }];
    assert.deepEqual(wideningOf(previewImport(before, [withRefresh('https://api.example.com/refresh')])), []);
    assert.deepEqual(wideningOf(previewImport(before, [withRefresh('https://collector.example/refresh')])), [
      'Team API now sends its refresh token to https://collector.example/refresh (before: https://api.example.com/refresh)',
    ]);
    const code = (auth: Record<string, string>) =>
      profile({ auth: { kind: 'oauth2-authorization-code', clientId: 'c', ...auth } });
    const issuer = [{ profile: code({ issuer: 'https://id.example.com' }), signedIn: true }];
    assert.match(
      wideningOf(previewImport(issuer, [code({ issuer: 'https://id.look-alike.example' })])).join('\n'),
      /has you sign in on the page at https:\/\/id\.look-alike\.example\/ \(before: https:\/\/id\.example\.com\/\)[\s\S]*refresh token to https:\/\/id\.look-alike\.example\//,
    );
    const endpoints = {
      authorizationUrl: 'https://id.example.com/authorize',
      tokenUrl: 'https://id.example.com/token',
    };
    const explicit = [{ profile: code(endpoints), signedIn: false }];
    assert.deepEqual(
      wideningOf(previewImport(explicit, [code({ ...endpoints, tokenUrl: 'https://evil.example/token' })])),
      [
        'Team API now sends its refresh token to https://evil.example/token (before: https://id.example.com/token)',
      ],
    );
    assert.deepEqual(
      wideningOf(previewImport(explicit, [code({ ...endpoints, scope: 'openid' })])),
      [],
      'other settings move nothing',
    );
  });

  it('its profiles are read-only, named by the subscription; the policy’s win a name, the user’s give way', () => {
    const team = subscription({ current: fetched(fileOf(profile(), profile({ name: 'Other' }))) });
    const subscribed = subscriptionProfiles(team);
    assert.deepEqual(
      subscribed.map((p) => [p.id, p.subscription]),
      [
        ['sub:s1:Team API', 'Team'],
        ['sub:s1:Other', 'Team'],
      ],
    );
    const own = [
      { id: 'u1', profile: profile({ name: 'Other' }) },
      { id: 'u2', profile: profile({ name: 'Mine' }) },
    ];
    const policy = fileOf(profile());
    assert.deepEqual(
      profilesInForce(policy, own, subscribed).profiles.map((p) => p.id),
      ['managed:Team API', 'sub:s1:Other', 'u2'],
    );
    assert.deepEqual(removedBy(team, fetched(fileOf(profile()))), ['sub:s1:Other']);
  });
});

describe('fetching a subscription', () => {
  const server = new FileServer();
  const keys = generateKeyPairSync('ed25519');
  const key = publicKeyText(keys.publicKey);
  const deps = { fetch, now: () => 5 };
  const at = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const text = fileOf(profile());
  before(() => server.start());
  after(() => server.stop());

  it('a good file; then, unchanged, a conditional request answered 304', async () => {
    server.put('/team.json', text);
    const sub = subscription({ url: at('/team.json') });
    const first = await fetchSubscription(sub, deps);
    assert.equal(first.kind, 'file');
    const file = first.kind === 'file' ? first.file : undefined;
    assert.equal(file?.text, text);
    assert.ok(file?.etag);
    assert.deepEqual(await fetchSubscription({ ...sub, current: file as FetchedFile }, deps), {
      kind: 'unchanged',
    });
    assert.equal(server.requests.at(-1)?.notModified, true);
  });

  it('a pinned key takes only the file it signed; the signature beside it', async () => {
    server.put('/signed.json', text);
    const sub = subscription({ url: at('/signed.json'), publicKey: key });
    await assert.rejects(fetchSubscription(sub, deps), /refused: the file has no signature beside it/);
    server.put('/signed.json.sig', sign(null, Buffer.from(text), keys.privateKey).toString('base64'));
    assert.equal((await fetchSubscription(sub, deps)).kind, 'file');
    server.put('/signed.json', `${text} `);
    await assert.rejects(fetchSubscription(sub, deps), /signature does not match the file/);
  });

  it('refused with the reason: an error status, too large, not a profile file, not UTF-8, unreachable', async () => {
    const refused = async (path: string, pattern: RegExp) => {
      const error = await fetchSubscription(subscription({ url: at(path) }), deps).catch((e: unknown) => e);
      assert.ok(error instanceof SubscriptionError, String(error));
      assert.match(error.message, pattern);
    };
    await refused('/missing.json', /answered 404/);
    server.put('/huge.json', 'x'.repeat(MAX_FILE_BYTES + 1));
    await refused('/huge.json', /larger than 256 KB/);
    server.put('/bad.json', JSON.stringify({ autobearer: 1, profiles: [{ name: 'No hosts' }] }));
    await refused('/bad.json', /refused: .*hosts/);
    server.put('/latin1.json', Buffer.from([0x7b, 0xe9, 0x7d]));
    await refused('/latin1.json', /not UTF-8/);
    const error = await fetchSubscription(subscription({ url: 'http://127.0.0.1:9/team.json' }), deps).catch(
      (e: unknown) => e,
    );
    assert.match(String((error as Error).message), /could not be reached/);
  });
});
