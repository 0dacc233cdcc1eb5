// A minimal client of Firefox's remote debugging protocol, the one about:debugging and web-ext
// speak: length-prefixed JSON packets (`12:{"to":"root"}`) over TCP. The Firefox driver uses it
// for the event page's state and "Terminate background script", which every Firefox from ESR 140
// on serves the same way (WebDriver BiDi reaches Firefox's chrome scope only from 143 on).
import net from 'node:net';
import { withTimeout } from './wait.js';

interface Packet {
  from: string;
  type?: string;
  error?: string;
  message?: string;
  [key: string]: unknown;
}

/** One add-on as the root actor lists it (`listAddons`). */
export interface AddonDescriptor {
  actor: string;
  id: string;
  /** `RUNNING` or `STOPPED` for an add-on with a background, else absent. */
  backgroundScriptStatus?: 'RUNNING' | 'STOPPED';
}

/** The prefs and argument that make Firefox listen for this protocol on 127.0.0.1:`port`. */
export function debuggerServer(port: number): { args: string[]; prefs: Record<string, unknown> } {
  return {
    args: ['--start-debugger-server', String(port)],
    prefs: {
      'devtools.debugger.remote-enabled': true,
      'devtools.chrome.enabled': true,
      'devtools.debugger.prompt-connection': false,
    },
  };
}

export class FirefoxRdp {
  private buffer = Buffer.alloc(0);
  /** Requests answered in order, per actor (the protocol's rule). */
  private readonly pending = new Map<string, Array<{ resolve(p: Packet): void; reject(e: Error): void }>>();
  private greeted: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    let greet: () => void = () => undefined;
    this.greeted = new Promise((resolve) => {
      greet = resolve;
    });
    this.pending.set('root', [{ resolve: () => greet(), reject: () => undefined }]);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('close', () => this.failAll(new Error('the Firefox debugger connection closed')));
    socket.on('error', (error) => this.failAll(error));
  }

  /** Connects, retrying while Firefox is still opening its port. */
  static async connect(port: number, timeoutMs = 10_000): Promise<FirefoxRdp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        const client = new FirefoxRdp(socket);
        await client.greeted;
        return client;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no Firefox debugger server on port ${port}: ${error}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async listAddons(): Promise<AddonDescriptor[]> {
    return (await this.request('root', 'listAddons')).addons as AddonDescriptor[];
  }

  async addon(id: string): Promise<AddonDescriptor | undefined> {
    return (await this.listAddons()).find((addon) => addon.id === id);
  }

  async terminateBackgroundScript(addonActor: string): Promise<void> {
    await this.request(addonActor, 'terminateBackgroundScript');
  }

  close(): void {
    this.socket.destroy();
  }

  private request(to: string, type: string): Promise<Packet> {
    const answer = new Promise<Packet>((resolve, reject) => {
      const queue = this.pending.get(to) ?? [];
      queue.push({ resolve, reject });
      this.pending.set(to, queue);
      const body = Buffer.from(JSON.stringify({ to, type }));
      this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body]));
    });
    return withTimeout(answer, 10_000, `Firefox's debugger answered ${type} to ${to}`);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + length) return;
      const packet = JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + length).toString()) as Packet;
      this.buffer = this.buffer.subarray(colon + 1 + length);
      // Unsolicited events carry a `type` (`addonListChanged`, …); answers do not.
      if (packet.type && !packet.error) continue;
      const waiter = this.pending.get(packet.from)?.shift();
      if (!waiter) continue;
      if (packet.error) waiter.reject(new Error(`${packet.from}: ${packet.error} ${packet.message ?? ''}`));
      else waiter.resolve(packet);
    }
  }

  private failAll(error: Error): void {
    for (const queue of this.pending.values()) for (const waiter of queue.splice(0)) waiter.reject(error);
  }
}
