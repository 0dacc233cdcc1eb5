// The terminal's side of the bridge: asks the running browser's host for a token, bounded in time.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { TerminalAnswer, TokenRequest } from '../core/terminal.js';
import {
  BRIDGE_NAMES,
  type BridgeName,
  bridgeDir,
  checkPrivateDir,
  keyPath,
  socketPath,
} from './bridge-dir.js';
import { ANSWER_TIMEOUT_MS } from './host.js';

/** What the CLI gets: the extension's answer, or why no browser answered. */
export type Asked = TerminalAnswer | { ok: false; refusal: 'no-bridge' | 'timeout'; message: string };

const NO_BRIDGE =
  'no browser answers: is it running, with terminal access on for a profile (AutoBearer popup), and the bridge installed (autobearer doctor)?';

/** Sends one request over one socket; resolves with the line it answers, or a refusal. */
function askOne(socket: string, key: string, request: TokenRequest): Promise<Asked> {
  return new Promise((resolve) => {
    let answer = '';
    const client = connect(socket);
    const done = (asked: Asked) => {
      clearTimeout(timer);
      client.destroy();
      resolve(asked);
    };
    const timer = setTimeout(
      () => done({ ok: false, refusal: 'timeout', message: 'the browser did not answer in time' }),
      ANSWER_TIMEOUT_MS + 2_000,
    );
    client.on('error', () => done({ ok: false, refusal: 'no-bridge', message: NO_BRIDGE }));
    client.on('connect', () => client.write(`${JSON.stringify({ key, type: 'token', ...request })}\n`));
    client.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    client.on('end', () => {
      try {
        done(JSON.parse(answer) as Asked);
      } catch {
        done({ ok: false, refusal: 'no-bridge', message: NO_BRIDGE });
      }
    });
  });
}

/**
 * Asks each running browser's bridge in turn (Chromium's first; only `browser`'s when given) and
 * returns the first token, else the most telling refusal: a browser that knows the profile says
 * more than one that does not.
 */
export async function askToken(request: TokenRequest & { browser?: BridgeName }): Promise<Asked> {
  const uid = process.getuid?.() ?? -1;
  const dir = bridgeDir(process.env, uid);
  if (!existsSync(dir)) return { ok: false, refusal: 'no-bridge', message: NO_BRIDGE };
  try {
    checkPrivateDir(dir, uid);
  } catch (error) {
    return { ok: false, refusal: 'no-bridge', message: `refusing the bridge: ${(error as Error).message}` };
  }
  const { browser, ...question } = request;
  const names: readonly BridgeName[] = browser ? [browser] : BRIDGE_NAMES;
  let best: Asked = { ok: false, refusal: 'no-bridge', message: NO_BRIDGE };
  for (const name of names) {
    if (!existsSync(socketPath(dir, name))) continue;
    let key: string;
    try {
      key = readFileSync(keyPath(dir, name), 'utf8');
    } catch {
      continue;
    }
    const asked = await askOne(socketPath(dir, name), key, question);
    if (asked.ok) return asked;
    if (best.refusal === 'no-bridge' || (best.refusal === 'unknown-profile' && asked.refusal !== 'no-bridge'))
      best = asked;
  }
  return best;
}
