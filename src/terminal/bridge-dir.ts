// Where the host listens while a browser runs it: a Unix socket in a folder only the user can
// enter ($XDG_RUNTIME_DIR/autobearer, 0700), never a TCP port (any local user, and a web page
// through DNS rebinding, can reach a port). Beside the socket, a key file only the user can read:
// a client proves with it that it runs as the user (Node has no way to ask a Unix socket for its
// peer's uid; reading a 0600 file of the user's is the same proof).
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The folder: $XDG_RUNTIME_DIR/autobearer (Linux), else the user's temporary folder's. */
export function bridgeDir(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'autobearer');
  // macOS gives each user a private TMPDIR; elsewhere the uid keeps users apart.
  return path.join(env.TMPDIR || tmpdir(), `autobearer-${uid}`);
}

/** Which browser's host: one socket per running browser family, asked in this order. */
export const BRIDGE_NAMES = ['chromium', 'firefox'] as const;
export type BridgeName = (typeof BRIDGE_NAMES)[number];
export const socketPath = (dir: string, name: BridgeName): string => path.join(dir, `${name}.sock`);
export const keyPath = (dir: string, name: BridgeName): string => path.join(dir, `${name}.key`);

/**
 * Checks that `dir` is the user's own private folder (a directory, not a link, owned by `uid`, no
 * access for group or others); `create` makes it first if it is missing. Throws saying what is
 * wrong: another user's folder in its place would let them read the key or stand in for the host.
 */
export function checkPrivateDir(dir: string, uid: number, { create = false } = {}): void {
  if (create) mkdirSync(dir, { mode: 0o700, recursive: true });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.isSymbolicLink()) throw new Error(`${dir} is not a folder`);
  if (stat.uid !== uid) throw new Error(`${dir} belongs to another user (uid ${stat.uid})`);
  if ((stat.mode & 0o077) !== 0)
    throw new Error(`${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}): chmod 700 it`);
}
