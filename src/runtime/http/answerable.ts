import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Whether this request's answer can still reach its client. False once the server has answered
 * it some other way: the `408 Request Timeout` written on the socket when the body was not in
 * within requestTimeout (the socket is then destroyed), the admin deadline's 503, or a closed
 * connection. A handler that changes state calls this after it has read its body and right
 * before it acts, with no await in between: an error answer must mean no effect, so a body that
 * completes after its 408 changes nothing (issue 18, kind 4).
 *
 * `req.socket` rather than `res.socket`: a pipelined request's response has no socket until the
 * answers before it are sent, yet it can still be answered.
 */
export function canStillAnswer(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  return !res.headersSent && !res.writableEnded && !res.destroyed && !socket.destroyed && socket.writable;
}
