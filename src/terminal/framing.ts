// Native messaging's framing: each message is UTF-8 JSON after its length, a 32-bit unsigned
// integer in the machine's byte order (little-endian on every machine the browsers run on).

/** The browsers refuse a message from the host above 1 MB. */
export const MAX_TO_BROWSER = 1024 * 1024;
/** A message from the browser is at most 64 MiB (Chromium) or 4 GiB (Firefox); ours are small. */
export const MAX_FROM_BROWSER = 1024 * 1024;

export function frame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_TO_BROWSER) throw new Error(`a message of ${body.length} bytes is above 1 MB`);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** Reads the messages out of a stream's chunks, however the chunks cut them. */
export class FrameReader {
  private pending = Buffer.alloc(0);

  /** The whole messages this chunk completes; throws on a length above the limit or bad JSON. */
  push(chunk: Buffer): unknown[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const messages: unknown[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32LE(0);
      if (length > MAX_FROM_BROWSER) throw new Error(`a message of ${length} bytes is above the limit`);
      if (this.pending.length < 4 + length) break;
      messages.push(JSON.parse(this.pending.subarray(4, 4 + length).toString('utf8')));
      this.pending = this.pending.subarray(4 + length);
    }
    return messages;
  }
}
