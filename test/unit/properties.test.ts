// Property tests over the open-ended inputs: profile files, host patterns, token answers.
// Every generated case either works or ends in a clear error; nothing crashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { credentialDestinations } from '../../src/core/auth-requests.js';
import { hostsRegex, parseHostPattern, permissionOrigins } from '../../src/core/hosts.js';
import { previewImport } from '../../src/core/import-preview.js';
import {
  type Profile,
  parseProfileFile,
  serializeProfileFile,
  validateProfile,
} from '../../src/core/profile.js';
import { buildRules } from '../../src/core/rules.js';
import { wideningOf } from '../../src/core/subscriptions.js';
import { OAUTH_PATHS, parseTokenAnswer, TokenAnswerError } from '../../src/core/token-answer.js';
import { keepClientSecret } from '../../src/core/valid-profile.js';
import '../support/messages.js'; // the English messages

const RUNS = 10_000;

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const validHost = fc
  .record({
    http: fc.boolean(),
    wildcard: fc.boolean(),
    name: hostname,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  })
  .map(
    ({ http, wildcard, name, port }) =>
      `${http ? 'http://' : ''}${wildcard ? '*.' : ''}${name}${port ? `:${port}` : ''}`,
  );
/** Strings that look like hosts, with the characters that break them. */
const hostish = fc.stringMatching(/^[a-zA-Z0-9.*:/\-_ [\]@?#%]{0,40}$/);

const profile = fc.record(
  {
    name: fc.string({ minLength: 0, maxLength: 90 }),
    enabled: fc.oneof(fc.boolean(), fc.constant('yes')),
    hosts: fc.array(fc.oneof(validHost, hostish), { maxLength: 4 }),
    pages: fc.array(fc.oneof(validHost, hostish), { maxLength: 3 }),
    header: fc.record(
      { name: fc.oneof(fc.constant('Authorization'), fc.string()), value: fc.string() },
      { requiredKeys: [] },
    ),
    auth: fc.oneof(
      fc.constant({ kind: 'manual' }),
      fc.record({
        kind: fc.constant('json-login'),
        login: fc.record({ url: fc.oneof(fc.webUrl(), fc.string()) }),
      }),
      fc.record({ kind: fc.constant('oauth2-password'), tokenUrl: fc.webUrl(), clientId: fc.string() }),
      fc.record({ kind: fc.string() }),
      fc.anything(),
    ),
    refresh: fc.record(
      { leadSeconds: fc.oneof(fc.integer(), fc.double()), defaultLifetimeSeconds: fc.integer() },
      { requiredKeys: [] },
    ),
    typo: fc.anything(),
  },
  { requiredKeys: ['name', 'hosts', 'auth'] },
);

describe('properties', () => {
  it('every profile file is read whole or refused with problems, and a good one round-trips', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            autobearer: fc.oneof(fc.constant(1), fc.anything()),
            profiles: fc.array(profile, { maxLength: 3 }),
          },
          { requiredKeys: [] },
        ),
        (file) => {
          const result = parseProfileFile(JSON.stringify(file));
          if (!result.ok) {
            assert.ok(result.problems.length > 0);
            for (const problem of result.problems) assert.equal(typeof problem, 'string');
            return;
          }
          const again = parseProfileFile(serializeProfileFile(result.value.profiles));
          assert.ok(again.ok);
          assert.deepEqual(again.value, result.value);
          // Every accepted profile turns into rules whose regexes compile.
          const rules = buildRules(result.value.profiles.map((p) => ({ profile: p, accessToken: 'T' })));
          for (const rule of rules) new RegExp(rule.condition.regexFilter);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('arbitrary text never crashes the file reader', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = parseProfileFile(text);
        assert.ok(result.ok || result.problems.length > 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('a host pattern parses or says why; a parsed one matches its own URL and never a lookalike', () => {
    fc.assert(
      fc.property(fc.oneof(validHost, hostish), (text) => {
        const parsed = parseHostPattern(text);
        if (!parsed.ok) {
          assert.ok(parsed.error.startsWith(JSON.stringify(text)));
          return;
        }
        const { host } = parsed;
        const regex = new RegExp(hostsRegex([host]));
        const name = host.subdomains ? `x.${host.hostname}` : host.hostname;
        const port = host.port ? `:${host.port}` : '';
        assert.ok(regex.test(new URL(`https://${name}${port}/path`).href), `${text} matches its own URL`);
        assert.ok(
          !regex.test(`https://${name}.evil.test${port}/`),
          `${text} must not match a lookalike suffix`,
        );
        assert.ok(
          !regex.test(`https://evil${host.hostname}${port}/`),
          `${text} must not match a lookalike prefix`,
        );
        assert.equal(
          // As the browser writes it: `http://a:80/` is `http://a/` (the default port dropped).
          regex.test(new URL(`http://${name}${port}/`).href),
          host.allowHttp,
          `${text}: plain http only when opted in`,
        );
        assert.ok(
          permissionOrigins(host).every((origin) => !origin.includes('<all_urls>') && origin !== '*://*/*'),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('any token answer gives tokens or a TokenAnswerError, and a usable header value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({
            access_token: fc.oneof(fc.string(), fc.anything()),
            expires_in: fc.anything(),
            refresh_token: fc.anything(),
          }),
        ),
        (answer) => {
          try {
            const tokens = parseTokenAnswer(answer, OAUTH_PATHS, 1_000, 3600);
            assert.match(tokens.accessToken, /^[\x21-\x7e]+$/);
            assert.ok(Number.isFinite(tokens.expiresAt));
          } catch (error) {
            assert.ok(error instanceof TokenAnswerError, String(error));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('where secrets go (credentialDestinations)', () => {
  const URLS = [
    'https://a.example/login',
    'https://a.example/token',
    'https://b.example/token',
    'http://a.example/token',
    'https://A.example:443/token',
  ];
  const url = fc.constantFrom(...URLS);
  const secret = fc.option(fc.constant('s3cret'), { nil: undefined });
  const auth = fc.oneof(
    fc.constant({ kind: 'manual' }),
    fc.record({
      kind: fc.constant('json-login'),
      login: fc.record({ url }),
      refresh: fc.option(
        fc.record({ url, body: fc.constantFrom({ t: '{refresh_token}' }, { t: '{access_token}' }, {}) }),
        { nil: undefined },
      ),
    }),
    fc.record({
      kind: fc.constant('oauth2-password'),
      tokenUrl: url,
      clientId: fc.constant('c'),
      clientSecret: secret,
    }),
    fc.record({ kind: fc.constant('oauth2-client-credentials'), tokenUrl: url, clientId: fc.constant('c') }),
    fc.record({
      kind: fc.constant('oauth2-authorization-code'),
      issuer: url,
      clientId: fc.constant('c'),
      clientSecret: secret,
    }),
    fc.record({
      kind: fc.constant('oauth2-authorization-code'),
      authorizationUrl: url,
      tokenUrl: url,
      clientId: fc.constant('c'),
      clientSecret: secret,
    }),
  );
  const hosts = fc.subarray(['api.example', 'admin.example', '*.example'], { minLength: 1 });
  const profile = fc.record({ name: fc.constant('P'), hosts, auth }).map((input) => {
    const valid = validateProfile(JSON.parse(JSON.stringify(input)));
    assert.ok(valid.ok, JSON.stringify(valid));
    return valid.value;
  });
  const pairs = (d: Profile) =>
    new Set(credentialDestinations(d.auth).map(({ credential, url }) => `${credential} ${url}`));

  it('an update that sends a credential anywhere new, or the token to a new host, is never applied without the user; any other is', () => {
    fc.assert(
      fc.property(profile, profile, fc.boolean(), (before, file, signedIn) => {
        const after = keepClientSecret(file, before); // as the update would be stored
        const had = pairs(before);
        const sendsElsewhere =
          [...pairs(after)].some((pair) => !had.has(pair)) ||
          after.hosts.some((host) => !before.hosts.includes(host));
        const widening = wideningOf(previewImport([{ profile: before, signedIn }], [file]));
        assert.equal(widening.length > 0, sendsElsewhere, widening.join('\n'));
      }),
      { numRuns: 2_000 },
    );
  });
});
