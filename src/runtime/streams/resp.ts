/**
 * Just enough of the Redis protocol (RESP2) for the ingest hot path: encode commands, and read
 * the flat replies XADD, AUTH and SELECT give (simple strings, errors, integers, bulk strings).
 */
export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export type Reply = { ok: true; value: string | number | null } | { ok: false; error: string };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const CR = 13;

/** Incremental reader: feed chunks as they arrive, take complete replies in order. */
export class ReplyReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  /** Drops a partial reply: after a reconnect nothing that came before belongs to anyone. */
  reset(): void {
    this.buffer = Buffer.alloc(0);
    this.offset = 0;
  }

  feed(chunk: Buffer): void {
    if (this.offset >= this.buffer.length) {
      this.buffer = chunk;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.offset), chunk]);
    }
    this.offset = 0;
  }

  /** The next complete reply, or undefined until more bytes arrive. */
  next(): Reply | undefined {
    const buffer = this.buffer;
    const start = this.offset;
    if (start >= buffer.length) return undefined;
    const lineEnd = buffer.indexOf(CR, start + 1);
    if (lineEnd < 0 || lineEnd + 1 >= buffer.length) return undefined;
    const type = buffer[start];
    const line = buffer.toString('utf8', start + 1, lineEnd);
    switch (type) {
      case 0x2b: // +
        this.offset = lineEnd + 2;
        return { ok: true, value: line };
      case 0x2d: // -
        this.offset = lineEnd + 2;
        return { ok: false, error: line };
      case 0x3a: // :
        this.offset = lineEnd + 2;
        return { ok: true, value: Number(line) };
      case 0x24: { // $
        const length = Number(line);
        if (length < 0) {
          this.offset = lineEnd + 2;
          return { ok: true, value: null };
        }
        const bodyStart = lineEnd + 2;
        if (buffer.length < bodyStart + length + 2) return undefined;
        this.offset = bodyStart + length + 2;
        return { ok: true, value: buffer.toString('utf8', bodyStart, bodyStart + length) };
      }
      default:
        throw new ProtocolError(`unexpected reply type ${JSON.stringify(String.fromCharCode(type ?? 0))}`);
    }
  }
}
