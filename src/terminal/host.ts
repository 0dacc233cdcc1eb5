// The native messaging host: the browser starts it when terminal access turns on, and stops it
// (closes its stdin) when access ends or the browser closes. While it runs it listens on a socket
// in the user's private folder (bridge-dir.ts) and passes each terminal request, with the key
// file's proof, to the extension, and the extension's answer back. It holds no token itself.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { type BridgeName, bridgeDir, checkPrivateDir, keyPath, socketPath } from './bridge-dir.js';
import { FrameReader, frame } from './framing.js';

/** How long a terminal request may wait for the extension (a refresh first may take a while). */
export const ANSWER_TIMEOUT_MS = 20_000;
/** The most a client may send: one request line. */
const MAX_REQUEST_BYTES = 4096;

/** Which browser started the host, from the arguments it passes (Chromium: the origin). */
export const bridgeNameOf = (args: readonly string[]): BridgeName =>
  args.some((arg) => arg.startsWith('chrome-extension://')) ? 'chromium' : 'firefox';

export function runHost(args: readonly string[]): void {
  const name = bridgeNameOf(args);
  const uid = process.getuid?.() ?? -1;
  const dir = bridgeDir(process.env, uid);
  checkPrivateDir(dir, uid, { create: true });
  const socket = socketPath(dir, name);
  const keyFile = keyPath(dir, name);
  const key = randomBytes(32).toString('hex');
  rmSync(socket, { force: true });
  writeFileSync(keyFile, key, { mode: 0o600 });

  const waiting = new Map<number, (answer: unknown) => void>();
  let nextId = 1;
  const toBrowser = (message: unknown) => process.stdout.write(frame(message));

  const server = createServer({ allowHalfOpen: true }, (client: Socket) => {
    let line = '';
    const reply = (answer: unknown) => client.end(`${JSON.stringify(answer)}\n`);
    const refuse = (message: string) => reply({ ok: false, refusal: 'bad-request', message });
    client.setTimeout(ANSWER_TIMEOUT_MS + 5_000, () => client.destroy());
    client.on('error', () => undefined);
    client.on('data', (chunk) => {
      line += chunk.toString('utf8');
      if (line.length > MAX_REQUEST_BYTES) return refuse('request too long');
      const end = line.indexOf('\n');
      if (end < 0) return;
      client.removeAllListeners('data');
      let request: unknown;
      try {
        request = JSON.parse(line.slice(0, end));
      } catch {
        return refuse('not JSON');
      }
      // Anything but an object (`null`, a number) is no request, and must not stop the host.
      if (typeof request !== 'object' || request === null || Array.isArray(request))
        return refuse('not a request');
      const proof = Buffer.from(String((request as { key?: unknown }).key ?? ''));
      const expected = Buffer.from(key);
      if (proof.length !== expected.length || !timingSafeEqual(proof, expected))
        return refuse('not the user who runs the browser');
      const { key: _proof, ...forward } = request as Record<string, unknown>;
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reply({ ok: false, refusal: 'timeout', message: 'the browser did not answer in time' });
      }, ANSWER_TIMEOUT_MS);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        reply(answer);
      });
      toBrowser({ id, request: forward });
    });
  });

  const stop = () => {
    server.close();
    rmSync(socket, { force: true });
    rmSync(keyFile, { force: true });
    process.exit(0);
  };
  const reader = new FrameReader();
  process.stdin.on('data', (chunk: Buffer) => {
    for (const message of reader.push(chunk)) {
      const { id, answer } = message as { id?: number; answer?: unknown };
      if (typeof id === 'number') {
        waiting.get(id)?.(answer);
        waiting.delete(id);
      }
    }
  });
  // The browser closed the port (access off, the extension stopped, the browser closed).
  process.stdin.on('end', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.listen(socket, () => toBrowser({ ready: true, socket }));
}
