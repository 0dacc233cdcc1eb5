// A team's file host for the end-to-end tests: serves what the test puts at a path, with an ETag
// and 304 for a matching If-None-Match, as a static host or a raw file in a repository does.
// It can stop and start again on the same port (the host unreachable for a while).
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class FileServer {
  private readonly files = new Map<string, string | Buffer>();
  private server: http.Server | undefined;
  private fixedPort = 0;
  /** Requests, in order: the path and whether it was answered 304. */
  readonly requests: Array<{ path: string; notModified: boolean }> = [];

  put(path: string, content: string | Buffer | undefined): void {
    if (content === undefined) this.files.delete(path);
    else this.files.set(path, content);
  }

  get port(): number {
    return this.fixedPort;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const content = this.files.get(path);
      if (content === undefined) {
        this.requests.push({ path, notModified: false });
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const etag = `"${createHash('sha256').update(content).digest('hex').slice(0, 16)}"`;
      const notModified = req.headers['if-none-match'] === etag;
      this.requests.push({ path, notModified });
      if (notModified) {
        res.writeHead(304, { ETag: etag }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: etag, 'Cache-Control': 'no-cache' });
      res.end(content);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.fixedPort, '127.0.0.1', resolve));
    this.fixedPort = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = undefined;
  }
}
