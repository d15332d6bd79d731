import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export type SilentVerdict = 'close' | 'recheck' | 'leave';

/**
 * What to do with a connection `silentMs` after it opened (check 1), and again `silentMs` later
 * (check 2). Pure.
 *
 * - A request came in: `leave` it; from there requestTimeout bounds each request and
 *   keepAliveTimeout the idle time between them (node:http applies both).
 * - Nothing was sent at all: `close`.
 * - Bytes but no request yet: a request on its way, whose headers node's headersTimeout bounds
 *   (it answers 408, checked every connectionsCheckingInterval = 1 s), so `recheck` once and let
 *   node answer; still no request a whole `silentMs` later means node's header clock never ran
 *   for these bytes, so `close` (a backstop: no such input is known, even blank lines start it).
 */
export function silentConnectionVerdict(bytesRead: number, requestSeen: boolean, check: 1 | 2): SilentVerdict {
  if (requestSeen) return 'leave';
  if (bytesRead === 0) return 'close';
  return check === 1 ? 'recheck' : 'close';
}

/**
 * Closes a connection that has sent no request within `silentMs` of connecting.
 *
 * node:http's headersTimeout only starts at a request's first byte, and its keepAliveTimeout only
 * after a first answer, so a socket that connects and says nothing is otherwise held forever: 600
 * of them under `ulimit -n 512` starved health checks and uploads (issue 18, kind 4). A plain
 * timer rather than `socket.setTimeout`: node's own socket-timeout handling (keep-alive) stays
 * as it is, and reading the socket for a first byte would take it away from the HTTP parser.
 */
export function closeSilentConnections(server: Server, silentMs: number): void {
  const requested = new WeakSet<Socket>();
  server.on('request', (req) => requested.add(req.socket));
  server.on('connection', (socket: Socket) => {
    const check = (n: 1 | 2) => {
      const verdict = silentConnectionVerdict(socket.bytesRead, requested.has(socket), n);
      if (verdict === 'close') socket.destroy();
      else if (verdict === 'recheck') arm(2);
    };
    const arm = (n: 1 | 2) => {
      const timer = setTimeout(() => check(n), silentMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    };
    arm(1);
  });
}
