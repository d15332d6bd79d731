import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

/**
 * Checks the declared type before reading: a form post or a text upload is a client bug that
 * deserves a clear 415, not a confusing parse error. A missing type is read as JSON, as the
 * device firmware in the field sometimes omits it.
 */
export function checkJsonContentType(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type !== undefined && !JSON_CONTENT_TYPE.test(type)) {
    throw new BodyError(`content-type must be application/json, got "${type.slice(0, 80)}"`, 415);
  }
}

/**
 * Reads the whole body up to `maxBytes`, decoding it as strict UTF-8. A larger body is refused
 * as soon as its declared or received size passes the cap, so it never sits in memory. A body
 * with a Content-Encoding (gzip, br...) is refused with 415: it is not decoded here, and reading
 * compressed bytes as JSON text would be a lie either way (RFC 9110 §15.5.16).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    req.resume();
    return Promise.reject(new BodyError(`content-encoding "${encoding.slice(0, 40)}" is not accepted: send the body uncompressed`, 415));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(new BodyError(`body of ${declared} bytes is over the ${maxBytes}-byte limit`, 413));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(new BodyError(`body is over the ${maxBytes}-byte limit`, 413));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      try {
        resolve(STRICT_UTF8.decode(buffer));
      } catch {
        reject(new BodyError('body is not valid UTF-8', 400));
      }
    });
    req.on('error', (error) => {
      if (!failed) reject(new BodyError(`could not read body: ${error.message}`, 400));
      failed = true;
    });
  });
}
