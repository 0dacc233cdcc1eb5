import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewImport } from '../../src/core/import-preview.js';
import { type Profile, validateProfile } from '../../src/core/profile.js';
import '../support/messages.js'; // the English messages

function profile(input: Record<string, unknown>): Profile {
  const valid = validateProfile(input);
  assert.ok(valid.ok, JSON.stringify(valid));
  return valid.value;
}
const login = (url: string) => ({ kind: 'json-login', login: { url } });

describe('import preview', () => {
  const stored = profile({
    name: 'API',
    hosts: ['api.example.com'],
    pages: ['app.example'],
    auth: login('https://api.example.com/login'),
  });

  it('shows a new profile with where its token and its password go', () => {
    const preview = previewImport([], [stored]);
    assert.deepEqual(preview, {
      profiles: [
        {
          name: 'API',
          change: 'new',
          hosts: ['api.example.com'],
          pages: ['app.example'],
          secretTo: 'api.example.com',
          widened: [],
          secretMoved: false,
          moved: [],
          signedIn: false,
          signsOut: false,
          needsSecret: false,
        },
      ],
      removed: [],
    });
  });

  it('marks new hosts and pages of a signed-in profile, a password sent elsewhere, the sign-out, and removals', () => {
    const incoming = profile({
      name: 'API',
      hosts: ['API.example.com', 'admin.example.com'],
      pages: ['app.example', '*.partner.example'],
      auth: login('https://login.elsewhere.example/login'),
    });
    const preview = previewImport(
      [
        { profile: stored, signedIn: true },
        {
          profile: profile({ name: 'Old', hosts: ['old.example'], auth: { kind: 'manual' } }),
          signedIn: false,
        },
      ],
      [incoming],
    );
    const [item] = preview.profiles;
    assert.equal(item?.change, 'changed');
    assert.deepEqual(
      item?.widened,
      ['admin.example.com', '*.partner.example'],
      'case aside, only what is new',
    );
    assert.equal(item?.secretTo, 'login.elsewhere.example');
    assert.equal(item?.secretMoved, true);
    assert.deepEqual(item?.moved, [
      {
        credential: 'password',
        url: 'https://login.elsewhere.example/login',
        from: ['https://api.example.com/login'],
      },
    ]);
    assert.equal(item?.signedIn, true);
    assert.equal(item?.signsOut, true);
    assert.deepEqual(preview.removed, ['Old']);
  });

  it('a machine identity without its secret in the file keeps the stored one, or says it needs one', () => {
    const machine = (clientSecret?: string) =>
      profile({
        name: 'M',
        hosts: ['m.example'],
        auth: {
          kind: 'oauth2-client-credentials',
          tokenUrl: 'https://id.example/token',
          clientId: 'c',
          ...(clientSecret ? { clientSecret } : {}),
        },
      });
    assert.equal(previewImport([], [machine()]).profiles[0]?.needsSecret, true);
    const kept = previewImport([{ profile: machine('s3cret'), signedIn: true }], [machine()]).profiles[0];
    assert.equal(kept?.needsSecret, false);
    assert.equal(kept?.change, 'unchanged', 'an export imported again changes nothing');
    assert.equal(kept?.signsOut, false);
  });

  it('the same file again changes nothing; a narrower one widens nothing', () => {
    assert.equal(
      previewImport([{ profile: stored, signedIn: true }], [stored]).profiles[0]?.change,
      'unchanged',
    );
    const narrower = profile({ ...stored, pages: [] });
    const [item] = previewImport([{ profile: stored, signedIn: true }], [narrower]).profiles;
    assert.equal(item?.change, 'changed');
    assert.deepEqual(item?.widened, []);
    assert.equal(item?.signsOut, false, 'its sign-in settings are the same');
  });
});
