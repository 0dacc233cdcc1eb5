import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authFingerprint } from '../../src/core/auth-requests.js';
import { parseProfileFile, serializeProfileFile } from '../../src/core/profile.js';
import '../support/messages.js'; // the English messages

const forumCase = {
  autobearer: 1,
  profiles: [
    {
      name: 'Verification API',
      hosts: ['api.example.com'],
      pages: ['myapp.bubbleapps.io'],
      auth: {
        kind: 'json-login',
        login: {
          url: 'https://api.example.com/v2/login',
          body: { email: '{username}', password: '{password}' },
        },
        refresh: { url: 'https://api.example.com/v2/refresh', body: { refresh: '{refresh_token}' } },
        response: { accessToken: 'data.token', refreshToken: 'data.refresh', expiresIn: 'data.ttl' },
      },
    },
  ],
};

const problems = (value: unknown): string[] => {
  const result = parseProfileFile(typeof value === 'string' ? value : JSON.stringify(value));
  assert.equal(result.ok, false, 'refused');
  return result.ok ? [] : result.problems;
};

describe('profile file', () => {
  it('reads the spec example and fills the defaults', () => {
    const result = parseProfileFile(JSON.stringify(forumCase));
    assert.ok(result.ok);
    const [profile] = result.value.profiles;
    assert.equal(profile?.enabled, true);
    assert.deepEqual(profile?.headers, [{ name: 'Authorization', value: 'Bearer {access_token}' }]);
    assert.deepEqual(profile?.refresh, { leadSeconds: 300, defaultLifetimeSeconds: 3600 });
    assert.equal(profile?.auth.kind === 'json-login' && profile.auth.login.method, 'POST');
  });

  it('round-trips: export then import gives the same profiles', () => {
    const first = parseProfileFile(JSON.stringify(forumCase));
    assert.ok(first.ok);
    const again = parseProfileFile(serializeProfileFile(first.value.profiles));
    assert.ok(again.ok);
    assert.deepEqual(again.value, first.value);
  });

  it('lists every problem by its path', () => {
    const list = problems({
      autobearer: 1,
      profiles: [
        { name: 'A', hosts: ['ok.example.com'], auth: { kind: 'manual' } },
        { name: 'A', hosts: ['ok.example.com'], auth: { kind: 'manual' } },
        { name: 'C', hosts: ['exa mple.com'], auth: { kind: 'manual' }, colour: 'red' },
      ],
    });
    assert.ok(list.includes('profiles[2].hosts[0]: "exa mple.com" is not a host name'), list.join('\n'));
    assert.ok(
      list.some((p) => p.startsWith('profiles[1].name: "A" is already the name of profiles[0]')),
      list.join('\n'),
    );
    assert.ok(
      list.some((p) => p === 'profiles[2]: unknown key "colour"'),
      list.join('\n'),
    );
  });

  it('refuses another version, unknown top-level keys, non-JSON, too large', () => {
    assert.match(problems({ autobearer: 2, profiles: [] })[0] ?? '', /^autobearer: must be 1/);
    assert.match(problems({ autobearer: 1, profiles: [], extra: 1 })[0] ?? '', /unknown key "extra"/);
    assert.match(problems('{ nope')[0] ?? '', /^the file is not JSON/);
    assert.match(problems('[]')[0] ?? '', /must be a JSON object/);
    assert.match(
      problems(`{"autobearer":1,"profiles":[],"x":"${'a'.repeat(1024 * 1024)}"}`)[0] ?? '',
      /at most 1 MiB/,
    );
  });

  it('refuses missing fields, bad URLs, bad header names, a testUrl off the hosts', () => {
    const list = problems({
      autobearer: 1,
      profiles: [
        { name: '', hosts: [], auth: { kind: 'oauth2-password', tokenUrl: 'not a url' } },
        {
          name: 'T',
          hosts: ['a.example.com'],
          auth: { kind: 'manual' },
          header: { name: 'Bad Header', value: 'x' },
        },
        { name: 'U', hosts: ['a.example.com'], auth: { kind: 'manual' }, testUrl: 'https://b.example.com/' },
        { name: 'V', hosts: ['a.example.com'], auth: { kind: 'sso' } },
      ],
    });
    const text = list.join('\n');
    assert.match(text, /profiles\[0\]\.name: must not be empty/);
    assert.match(text, /profiles\[0\]\.hosts: needs at least one host/);
    assert.match(text, /profiles\[0\]\.auth\.tokenUrl: "not a url" is not an absolute http\(s\) URL/);
    assert.match(text, /profiles\[0\]\.auth\.clientId: is required/);
    assert.match(text, /profiles\[1\]\.header\.name: is not a valid header name/);
    assert.match(
      text,
      /profiles\[2\]\.testUrl: "https:\/\/b\.example\.com\/" is not on one of the profile's hosts/,
    );
    assert.match(text, /profiles\[3\]\.auth(\.kind)?: has an unknown "kind"/);
  });

  it('refuses a wildcard host on a public suffix, and a page on one, saying why', () => {
    const profile = (hosts: string[], pages: string[] = []) => ({
      autobearer: 1,
      profiles: [{ name: 'P', hosts, pages, auth: { kind: 'manual' } }],
    });
    // ICANN suffixes and the list's private section (shared hosting) alike.
    for (const suffix of ['com', 'co.uk', 'github.io', 'herokuapp.com']) {
      const text = problems(profile([`*.${suffix}`])).join('\n');
      assert.match(
        text,
        new RegExp(
          `hosts\\[0\\]: "\\*\\.${suffix.replace('.', '\\.')}" would send the token to every site under ${suffix.replace('.', '\\.')}, a public suffix`,
        ),
      );
      // A page entry covers its subdomains: the bare suffix is as wide as the wildcard.
      for (const page of [suffix, `*.${suffix}`]) {
        assert.match(
          problems(profile(['api.example.com'], [page])).join('\n'),
          /pages\[0\]: .* as a page would let every site under/,
        );
      }
    }
    // One's own domain under those suffixes, and names the list does not know, are fine.
    for (const [hosts, pages] of [
      [
        ['*.example.com', '*.myteam.github.io', 'github.io', 'co.uk'],
        ['myteam.github.io', '*.example.co.uk'],
      ],
      [
        ['*.test', '*.localhost', '*.corp'],
        ['localhost', 'app.test'],
      ],
    ] as Array<[string[], string[]]>) {
      const result = parseProfileFile(JSON.stringify(profile(hosts, pages)));
      assert.ok(result.ok, JSON.stringify(result));
    }
  });

  it('refuses hostile input with a reason: deep bodies, special or control-character headers, long strings', () => {
    // 5,000 levels in 30 KB, written as text: JSON.stringify of such a value overflows the stack,
    // which made every reconciliation of a profile (or policy) holding it throw.
    const body = `${'{"a":'.repeat(5_000)}"x"${'}'.repeat(5_000)}`;
    const deep = `{"autobearer":1,"profiles":[{"name":"Deep","hosts":["a.example"],"auth":{"kind":"json-login","login":{"url":"https://a.example/l","body":${body}}}}]}`;
    assert.match(problems(deep).join('\n'), /profiles\[0\]\.auth\.login\.body: nests deeper than 32 levels/);
    const list = problems({
      autobearer: 1,
      profiles: [
        { name: 'A', hosts: ['a.example'], auth: { kind: 'manual' }, header: { name: 'Cookie', value: 'x' } },
        {
          name: 'B',
          hosts: ['a.example'],
          auth: { kind: 'manual' },
          header: { name: 'X-Key', value: 'a\u0000b' },
        },
        {
          name: 'C',
          hosts: ['a.example'],
          auth: { kind: 'manual' },
          header: { name: 'Sec-Fetch-Site', value: 'x' },
        },
        {
          name: 'D',
          hosts: ['a.example'],
          auth: {
            kind: 'json-login',
            login: { url: 'https://a.example/l', headers: { Host: 'evil.example', 'X-Ok': 'v\u007f' } },
          },
        },
        {
          name: 'E',
          hosts: ['a.example'],
          auth: { kind: 'oauth2-password', tokenUrl: 'https://a.example/t', clientId: 'c'.repeat(3000) },
        },
      ],
    }).join('\n');
    assert.match(list, /profiles\[0\]\.header\.name: "Cookie" is a header the browser sets itself/);
    assert.match(list, /profiles\[1\]\.header\.value: may hold only visible ASCII characters/);
    assert.match(list, /profiles\[2\]\.header\.name: "Sec-Fetch-Site" is a header/);
    assert.match(list, /profiles\[3\]\.auth\.login\.headers(\.Host)?: "Host" is a header/);
    assert.match(list, /profiles\[3\]\.auth\.login\.headers\.X-Ok: may hold only visible ASCII/);
    assert.match(list, /profiles\[4\]\.auth\.clientId: must be at most 2048 characters/);
    // Ordinary values are fine: a Content-Type on a login, a tab in a value, a shallow body.
    const fine = parseProfileFile(
      JSON.stringify({
        autobearer: 1,
        profiles: [
          {
            name: 'F',
            hosts: ['a.example'],
            header: { name: 'X-Api-Key', value: 'Token\t{access_token}' },
            auth: {
              kind: 'json-login',
              login: {
                url: 'https://a.example/l',
                headers: { 'Content-Type': 'application/json' },
                body: { user: { name: '{username}' } },
              },
            },
          },
        ],
      }),
    );
    assert.ok(fine.ok, JSON.stringify(fine));
  });

  it('takes extra OAuth parameters and a client authentication method, refusing the protocol’s own', () => {
    const file = (auth: Record<string, unknown>) => ({
      autobearer: 1,
      profiles: [
        {
          name: 'O',
          hosts: ['a.example'],
          auth: { kind: 'oauth2-authorization-code', issuer: 'https://id.example', clientId: 'c', ...auth },
        },
      ],
    });
    const ok = parseProfileFile(
      JSON.stringify(
        file({
          clientAuthMethod: 'client_secret_post',
          authorizationParameters: { audience: 'https://api.example', prompt: 'select_account' },
          tokenParameters: { resource: 'https://api.example' },
        }),
      ),
    );
    assert.ok(ok.ok, JSON.stringify(ok));
    const list = problems(
      file({
        clientAuthMethod: 'private_key_jwt',
        authorizationParameters: { redirect_uri: 'https://evil.example/', code_challenge: 'x', scope: 'a' },
        tokenParameters: { client_secret: 'x', 'bad name': 'y' },
      }),
    ).join('\n');
    assert.match(list, /clientAuthMethod: must be client_secret_basic, client_secret_post or none/);
    for (const name of ['redirect_uri', 'code_challenge', 'scope', 'client_secret']) {
      assert.match(list, new RegExp(`"${name}" is set by the OAuth protocol itself`));
    }
    assert.match(list, /is not a parameter name/);
  });

  it('reads every kind of the spec', () => {
    const result = parseProfileFile(
      JSON.stringify({
        autobearer: 1,
        profiles: [
          {
            name: 'P',
            hosts: ['a.example.com'],
            auth: {
              kind: 'oauth2-password',
              tokenUrl: 'https://id.example.com/oauth/token',
              clientId: 'cli',
            },
          },
          {
            name: 'M',
            hosts: ['a.example.com'],
            auth: {
              kind: 'oauth2-client-credentials',
              tokenUrl: 'https://id.example.com/t',
              clientId: 'c',
              clientSecret: 's',
              scope: 'read',
            },
          },
          {
            name: 'C',
            hosts: ['a.example.com'],
            auth: {
              kind: 'oauth2-authorization-code',
              issuer: 'https://id.example.com',
              clientId: 'c',
              scope: 'openid offline_access',
            },
          },
          {
            name: 'C2',
            hosts: ['a.example.com'],
            auth: {
              kind: 'oauth2-authorization-code',
              authorizationUrl: 'https://id.example.com/authorize',
              tokenUrl: 'https://id.example.com/token',
              clientId: 'c',
            },
          },
          { name: 'T', hosts: ['a.example.com'], auth: { kind: 'manual' } },
        ],
      }),
    );
    assert.ok(result.ok, JSON.stringify(result));
  });

  it('an authorization-code profile needs an issuer or both endpoints', () => {
    const list = problems({
      autobearer: 1,
      profiles: [
        {
          name: 'C',
          hosts: ['a.example.com'],
          auth: { kind: 'oauth2-authorization-code', tokenUrl: 'https://id.example.com/t', clientId: 'c' },
        },
      ],
    });
    assert.deepEqual(list, ['profiles[0].auth: give "issuer", or both "authorizationUrl" and "tokenUrl"']);
  });

  it('the sign-in settings’ fingerprint ignores key order and defaults, and sees any other change', () => {
    const auth = (text: string) => {
      const parsed = parseProfileFile(
        `{"autobearer": 1, "profiles": [{"name": "A", "hosts": ["a.example.com"], "auth": ${text}}]}`,
      );
      const profile = parsed.ok ? parsed.value.profiles[0] : undefined;
      assert.ok(profile, 'a valid file');
      return authFingerprint(profile.auth);
    };
    const login =
      '"login": {"url": "https://a.example.com/login", "body": {"u": "{username}", "p": "{password}"}}';
    const base = auth(`{"kind": "json-login", ${login}}`);
    assert.equal(auth(`{${login}, "kind": "json-login"}`), base);
    assert.equal(
      auth(
        `{"kind": "json-login", "login": {"body": {"p": "{password}", "u": "{username}"}, "method": "POST", "url": "https://a.example.com/login"}}`,
      ),
      base,
    );
    assert.notEqual(auth(`{"kind": "json-login", ${login.replace('/login', '/signin')}}`), base);
    assert.notEqual(auth(`{"kind": "json-login", ${login.replace('"u"', '"user"')}}`), base);
  });

  it('sets several headers; reads and writes one as before; refuses both keys, a name twice, {id_token} where no ID token comes', () => {
    const base = forumCase.profiles[0] as Record<string, unknown>;
    const file = (profile: Record<string, unknown>) => ({
      autobearer: 1,
      profiles: [{ ...base, ...profile }],
    });
    const two = [
      { name: 'Authorization', value: 'Bearer {access_token}' },
      { name: 'apikey', value: 'anon' },
    ];
    const several = parseProfileFile(JSON.stringify(file({ headers: two })));
    assert.ok(several.ok);
    assert.deepEqual(several.value.profiles[0]?.headers, two);
    assert.match(serializeProfileFile(several.value.profiles), /"headers": \[/);
    const one = parseProfileFile(
      JSON.stringify(file({ header: { name: 'X-Token', value: '{access_token}' } })),
    );
    assert.ok(one.ok);
    const written = JSON.parse(serializeProfileFile(one.value.profiles));
    assert.deepEqual(
      written.profiles[0].header,
      { name: 'X-Token', value: '{access_token}' },
      'older versions read it',
    );
    assert.equal(written.profiles[0].headers, undefined);
    assert.deepEqual(problems(file({ header: two[0], headers: two })), [
      'profiles[0].headers: give "header" or "headers", not both',
    ]);
    assert.deepEqual(problems(file({ headers: [two[0], { name: 'authorization', value: 'x' }] })), [
      'profiles[0].headers: names the same header twice',
    ]);
    assert.deepEqual(problems(file({ headers: [] })), ['profiles[0].headers: needs at least one header']);
    assert.deepEqual(problems(file({ headers: [{ name: 'Cookie', value: 'x' }] })).length, 1);
    assert.deepEqual(
      problems(file({ header: { name: 'Authorization', value: '{id_token}' }, auth: { kind: 'manual' } })),
      ['profiles[0].headers: {id_token}: a manual sign-in gives no ID token'],
    );
  });

  it('json-login: form bodies, a refresh answer map, expiry units and absolute expiry are validated', () => {
    const base = forumCase.profiles[0] as { auth: Record<string, unknown> } & Record<string, unknown>;
    const withAuth = (auth: Record<string, unknown>) => ({
      autobearer: 1,
      profiles: [{ ...base, auth: { ...base.auth, ...auth } }],
    });
    const good = parseProfileFile(
      JSON.stringify(
        withAuth({
          refresh: {
            url: 'https://api.example.com/refresh',
            encoding: 'form',
            body: { grant_type: 'refresh_token', refresh_token: '{refresh_token}', n: 1 },
            response: { accessToken: 'id_token' },
          },
          response: {
            accessToken: 'idToken',
            expiresIn: 'expires',
            expiresInUnit: 'milliseconds',
            expiresAt: 'exp_at',
          },
        }),
      ),
    );
    assert.ok(good.ok, JSON.stringify(good));
    assert.deepEqual(
      problems(
        withAuth({ refresh: { url: 'https://api.example.com/r', encoding: 'form', body: { a: { b: 1 } } } }),
      ),
      [
        'profiles[0].auth.refresh: a form body ("encoding": "form") must be an object of names to text, numbers or booleans',
      ],
    );
    assert.deepEqual(problems(withAuth({ login: { url: 'https://api.example.com/l', encoding: 'xml' } })), [
      'profiles[0].auth.login.encoding: must be "json" or "form"',
    ]);
    assert.deepEqual(problems(withAuth({ response: { expiresInUnit: 'minutes' } })), [
      'profiles[0].auth.response.expiresInUnit: must be "seconds" or "milliseconds"',
    ]);
  });

  it('a stored profile of an earlier version keeps its sign-in fingerprint (no one is signed out by the update)', () => {
    const parsed = parseProfileFile(JSON.stringify(forumCase));
    assert.ok(parsed.ok);
    const [profile] = parsed.value.profiles;
    // What this file gave before these keys existed: response with its three defaults, endpoints as written.
    const before =
      '{"kind":"json-login","login":{"body":{"email":"{username}","password":"{password}"},"headers":{},"method":"POST","url":"https://api.example.com/v2/login"},"refresh":{"body":{"refresh":"{refresh_token}"},"headers":{},"method":"POST","url":"https://api.example.com/v2/refresh"},"response":{"accessToken":"data.token","expiresIn":"data.ttl","refreshToken":"data.refresh"}}';
    assert.equal(authFingerprint(profile?.auth as never), before);
  });

  it('a test URL that does not parse is listed as a problem, never thrown (a property test found it)', () => {
    const base = forumCase.profiles[0] as Record<string, unknown>;
    const file = {
      autobearer: 1,
      profiles: [
        {
          ...base,
          hosts: ['http://1.a656q064.test:13875'],
          testUrl: 'http://www.xn--jd9-3.1.a656q064.test:13875/me',
        },
      ],
    };
    assert.deepEqual(problems(file), [
      'profiles[0].testUrl: "http://www.xn--jd9-3.1.a656q064.test:13875/me" is not an absolute http(s) URL',
    ]);
  });
});
