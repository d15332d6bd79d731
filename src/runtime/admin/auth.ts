import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * True when no token is configured, or the request carries it as a bearer token. Comparing
 * digests keeps the comparison constant-time whatever the lengths; the token is never logged.
 */
export function isAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}

/** Who asked, for the audit stream: the caller's own label if it gave one. */
export function actorOf(req: IncomingMessage): string {
  const actor = req.headers['x-streamctl-actor'];
  const text = Array.isArray(actor) ? actor[0] : actor;
  return text ? text.replace(/[^\w.@:/ -]/g, '').slice(0, 120) || 'unknown' : String(req.headers['user-agent'] ?? 'unknown').slice(0, 120);
}

export function remoteOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
