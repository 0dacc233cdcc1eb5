// Signed profile files (#14): the check a subscription with a pinned key makes, and the two
// commands a team signs with (`npm run keygen`, `npm run sign-profiles`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkSignature, parsePublicKey } from '../../src/core/signing.js';
import '../support/messages.js'; // the English messages

const work = mkdtempSync(path.join(tmpdir(), 'autobearer-signing-'));
const tsx = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], { encoding: 'utf8' });
const keygen = (name: string) => {
  const file = path.join(work, name);
  const run = tsx('keygen', file);
  assert.equal(run.status, 0, run.stderr);
  return { file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
};
const profileFile = JSON.stringify(
  { autobearer: 1, profiles: [{ name: 'Team API', hosts: ['api.example.com'], auth: { kind: 'manual' } }] },
  null,
  2,
);
/** A WebCrypto without Ed25519 (Chrome before 137): the check falls back to @noble/ed25519. */
const noEd25519 = {
  importKey: async () => {
    throw new DOMException('Unrecognized name.', 'NotSupportedError');
  },
} as unknown as SubtleCrypto;

describe('signed profile files', () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  const team = keygen('team.key');
  const other = keygen('other.key');
  const file = path.join(work, 'team.json');
  writeFileSync(file, profileFile);
  const signed = tsx('sign-profiles', file, team.file);
  const bytes = readFileSync(file);
  const signature = () => readFileSync(`${file}.sig`, 'utf8');

  it('keygen writes a private key only its owner reads, never over an existing one, and prints the public key', () => {
    assert.match(team.publicKey, /^ed25519:[A-Za-z0-9+/]{43}=$/);
    assert.ok(parsePublicKey(team.publicKey));
    const again = tsx('keygen', team.file);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /never replaced/);
    assert.equal(readFileSync(team.file, 'utf8').includes('PRIVATE KEY'), true);
    assert.equal(statSync(team.file).mode & 0o777, 0o600);
  });

  it('a file signed with the pinned key is accepted; by the browser’s Ed25519 and by the fallback', async () => {
    assert.equal(signed.status, 0, signed.stderr);
    assert.match(signed.stdout, new RegExp(team.publicKey.replace(/[+/]/g, '\\$&')));
    assert.deepEqual(await checkSignature(team.publicKey, bytes, signature()), { ok: true });
    assert.deepEqual(await checkSignature(team.publicKey, bytes, signature(), noEd25519), { ok: true });
  });

  it('a changed file, another key, a missing or malformed signature, a bad key: refused with the reason', async () => {
    const changed = Buffer.concat([bytes, Buffer.from(' ')]);
    for (const subtle of [undefined, noEd25519]) {
      const check = (key: string, data: Uint8Array, sig: string | undefined) =>
        checkSignature(key, data, sig, subtle);
      assert.match(reason(await check(team.publicKey, changed, signature())), /does not match the file/);
      assert.match(reason(await check(other.publicKey, bytes, signature())), /does not match the file/);
      assert.match(reason(await check(team.publicKey, bytes, undefined)), /no signature beside it/);
      assert.match(
        reason(await check(team.publicKey, bytes, 'not base64!')),
        /not a base64 Ed25519 signature/,
      );
      assert.match(reason(await check('ed25519:AAAA', bytes, signature())), /not an Ed25519 key/);
      assert.match(
        reason(await check(team.publicKey.slice('ed25519:'.length), bytes, signature())),
        /not an Ed25519 key/,
      );
    }
  });

  it('sign-profiles writes a serial, higher at every signing, and an expiry where asked, inside the signed bytes', async () => {
    const own = path.join(work, 'serial.json');
    writeFileSync(own, profileFile);
    assert.equal(tsx('sign-profiles', own, team.file).status, 0);
    const first = JSON.parse(readFileSync(own, 'utf8'));
    assert.ok(Number.isSafeInteger(first.serial) && first.serial > 1_700_000_000, 'the time in seconds');
    assert.equal(first.expires, undefined);
    const again = tsx('sign-profiles', own, team.file, '--expires-in-days', '30');
    assert.equal(again.status, 0, again.stderr);
    const second = JSON.parse(readFileSync(own, 'utf8'));
    assert.ok(second.serial > first.serial, 'newer than the one before, even within the second');
    const days = (Date.parse(second.expires) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, second.expires);
    const sig = readFileSync(`${own}.sig`, 'utf8');
    assert.deepEqual(await checkSignature(team.publicKey, readFileSync(own), sig), { ok: true });
    const lower = tsx('sign-profiles', own, team.file, '--serial', '5');
    assert.equal(lower.status, 1);
    assert.match(lower.stderr, /not higher than the file's/);
    assert.equal(readFileSync(`${own}.sig`, 'utf8'), sig, 'nothing written');
  });

  it('sign-profiles refuses to sign a file AutoBearer would refuse', () => {
    const bad = path.join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ autobearer: 1, profiles: [{ name: 'No hosts' }] }));
    const run = tsx('sign-profiles', bad, team.file);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /not a valid profile file; not signed/);
    assert.match(run.stderr, /hosts/);
  });
});

const reason = (check: { ok: boolean; reason?: string }): string => {
  assert.equal(check.ok, false);
  return check.reason ?? '';
};
