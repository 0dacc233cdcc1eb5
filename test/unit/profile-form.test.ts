// The options form's mapping: every valid profile comes back from its fields unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PROTOCOL_PARAMETERS, type Profile, validateProfile } from '../../src/core/profile.js';
import { FieldProblem, fieldsFromProfile, profileFromFields } from '../../src/core/profile-form.js';
import { withoutClientSecret } from '../../src/core/valid-profile.js';
import '../support/messages.js'; // the English messages

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const host = fc
  .record({
    http: fc.boolean(),
    wildcard: fc.boolean(),
    labels: fc.array(label, { minLength: 2, maxLength: 3 }),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  })
  .map(
    ({ http, wildcard, labels, port }) =>
      `${http ? 'http://' : ''}${wildcard ? '*.' : ''}${labels.join('.')}.test${port ? `:${port}` : ''}`,
  );
const url = fc.webUrl({ withQueryParameters: true });
/** Text as people type it, spaces around included (the profile reads it without them). */
const text = fc.string({ minLength: 1, maxLength: 30 });
const parameters = fc.dictionary(
  fc.stringMatching(/^[a-z_.-]{1,12}$/).filter((name) => !PROTOCOL_PARAMETERS.has(name)),
  fc.string({ maxLength: 20 }),
  { maxKeys: 3 },
);
const headers = fc.dictionary(
  fc.constantFrom('X-Api-Key', 'apikey', 'X-Tenant'),
  fc.stringMatching(/^[ -~]{0,20}$/),
);
const endpoint = fc.record(
  {
    url,
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'GET'),
    headers,
    body: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string())),
    encoding: fc.constantFrom('json', 'form'),
  },
  { requiredKeys: ['url'] },
);
const response = fc.record(
  {
    accessToken: text,
    refreshToken: text,
    expiresIn: text,
    idToken: text,
    expiresInUnit: fc.constantFrom('seconds', 'milliseconds'),
    expiresAt: text,
  },
  { requiredKeys: [] },
);
const headerTemplate = fc.record({
  name: fc.constantFrom('Authorization', 'X-Api-Key', 'apikey'),
  value: fc
    .tuple(fc.stringMatching(/^[ -~]{0,30}$/), fc.constantFrom('{access_token}', '{id_token}', ''))
    .map(([v, placeholder]) => `${v}${placeholder}`),
});
const client = {
  clientId: text,
  clientSecret: text,
  scope: fc.string({ maxLength: 20 }),
  clientAuthMethod: fc.constantFrom('client_secret_basic', 'client_secret_post', 'none'),
  tokenParameters: parameters,
};
const auth = fc.oneof(
  fc.constant({ kind: 'manual' }),
  fc.record(
    {
      kind: fc.constant('json-login'),
      login: endpoint,
      refresh: fc
        .tuple(endpoint, fc.option(response, { nil: undefined }))
        .map(([e, r]) => (r ? { ...e, response: r } : e)),
      response,
    },
    { requiredKeys: ['kind', 'login'] },
  ),
  fc.record(
    { kind: fc.constant('oauth2-client-credentials'), tokenUrl: url, ...client },
    { requiredKeys: ['kind', 'tokenUrl', 'clientId'] },
  ),
  // `scopeOnRefresh: false` is the default, which the form writes as no key.
  fc.record(
    { kind: fc.constant('oauth2-password'), tokenUrl: url, ...client, scopeOnRefresh: fc.constant(true) },
    { requiredKeys: ['kind', 'tokenUrl', 'clientId'] },
  ),
  fc.record(
    {
      kind: fc.constant('oauth2-authorization-code'),
      issuer: url,
      authorizationUrl: url,
      tokenUrl: url,
      authorizationParameters: parameters,
      ...client,
      scopeOnRefresh: fc.constant(true),
    },
    { requiredKeys: ['kind', 'issuer', 'clientId'] },
  ),
);
const profile = fc
  .record(
    {
      name: fc.string({ minLength: 1, maxLength: 40 }),
      enabled: fc.boolean(),
      hosts: fc.array(host, { minLength: 1, maxLength: 3 }),
      pages: fc.array(host, { maxLength: 2 }),
      header: headerTemplate,
      headers: fc.uniqueArray(headerTemplate, { minLength: 1, maxLength: 3, selector: (h) => h.name }),
      auth,
      refresh: fc.record(
        {
          leadSeconds: fc.integer({ min: 0, max: 86_400 }),
          defaultLifetimeSeconds: fc.integer({ min: 1, max: 31_536_000 }),
          on401: fc.constant(false),
        },
        { requiredKeys: [] },
      ),
      withTestUrl: fc.boolean(),
    },
    { requiredKeys: ['name', 'hosts', 'auth', 'withTestUrl'] },
  )
  .map(({ withTestUrl, ...raw }) => {
    const first = raw.hosts[0] ?? '';
    const testUrl = `${first.startsWith('http://') ? '' : 'https://'}${first.replace('*.', 'www.')}/me`;
    return withTestUrl ? { ...raw, testUrl } : raw;
  })
  .map((raw) => validateProfile(raw))
  .filter((valid): valid is { ok: true; value: Profile } => valid.ok)
  .map((valid) => valid.value);

/** As stored and exported (JSON), where an absent key and an undefined one are the same. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('the options form mapping', () => {
  it('every valid profile comes back from its form fields unchanged (but for its secret)', () => {
    fc.assert(
      fc.property(profile, (original) => {
        const fields = fieldsFromProfile(withoutClientSecret(original));
        assert.equal(fields.clientSecret, '', 'a secret never reaches the form');
        const again = validateProfile(profileFromFields(fields, original));
        assert.ok(again.ok, JSON.stringify(again));
        assert.deepEqual(asJson(again.value), asJson(withoutClientSecret(original)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a new profile starts from the defaults, and needs only a name, a host and a login URL', () => {
    const fields = {
      ...fieldsFromProfile(),
      name: 'API',
      hosts: 'api.example.com',
      loginUrl: 'https://api.example.com/login',
    };
    const valid = validateProfile(profileFromFields(fields));
    assert.ok(valid.ok);
    assert.deepEqual(valid.value.headers, [{ name: 'Authorization', value: 'Bearer {access_token}' }]);
    assert.deepEqual(valid.value.auth.kind === 'json-login' && valid.value.auth.login.body, {
      email: '{username}',
      password: '{password}',
    });
  });

  it('a JSON field that does not parse is named, with the parser’s reason', () => {
    const fields = { ...fieldsFromProfile(), kind: 'oauth2-password', tokenParameters: '{ audience: x }' };
    assert.throws(
      () => profileFromFields(fields),
      (error: Error) => {
        assert.ok(error instanceof FieldProblem);
        assert.match(error.message, /^Extra token request parameters .*: not JSON/);
        return true;
      },
    );
  });

  it('what the form does not show (a login request’s headers and method) is kept on edit', () => {
    const valid = validateProfile({
      name: 'Supabase',
      hosts: ['xyz.supabase.co'],
      auth: {
        kind: 'json-login',
        login: { url: 'https://xyz.supabase.co/auth/v1/token', method: 'POST', headers: { apikey: 'anon' } },
      },
    });
    assert.ok(valid.ok);
    const fields = {
      ...fieldsFromProfile(valid.value),
      loginUrl: 'https://xyz.supabase.co/auth/v1/token?grant_type=password',
    };
    const edited = profileFromFields(fields, valid.value) as { auth: { login: { headers: object } } };
    assert.deepEqual(edited.auth.login.headers, { apikey: 'anon' });
  });

  it('“Send the scope with each refresh” is kept for the grants with a refresh token, and only there', () => {
    const fields = {
      ...fieldsFromProfile(),
      name: 'Entra',
      hosts: 'api.example.com',
      kind: 'oauth2-authorization-code',
      issuer: 'https://login.microsoftonline.com/organizations/v2.0',
      clientId: 'app',
      scope: 'openid offline_access api://app/use',
      scopeOnRefresh: true,
    };
    const code = validateProfile(profileFromFields(fields));
    assert.ok(code.ok);
    assert.equal(
      code.value.auth.kind === 'oauth2-authorization-code' && code.value.auth.scopeOnRefresh,
      true,
    );
    assert.equal(fieldsFromProfile(code.value).scopeOnRefresh, true);
    const machine = profileFromFields({
      ...fields,
      kind: 'oauth2-client-credentials',
      tokenUrl: 'https://id.test/t',
    });
    assert.equal('scopeOnRefresh' in (machine as { auth: object }).auth, false, 'no refresh there');
    // In a file, the key is checked: a boolean, and not on a kind without a refresh token.
    const asText = validateProfile({ ...code.value, auth: { ...code.value.auth, scopeOnRefresh: 'yes' } });
    assert.equal(asText.ok, false);
    const onMachine = validateProfile({
      name: 'M',
      hosts: ['api.example.com'],
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: 'https://id.test/t',
        clientId: 'm',
        scopeOnRefresh: true,
      },
    });
    assert.equal(onMachine.ok, false);
  });
});
