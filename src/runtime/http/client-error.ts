/**
 * The answer to a request node:http could not take (`clientError`): a raw HTTP/1.1 response, or
 * null when nothing may be written. Pure.
 *
 * - `ERR_HTTP_REQUEST_TIMEOUT` (headers not in within headersTimeout, or the whole request not in
 *   within requestTimeout): 408; `HPE_HEADER_OVERFLOW`: 431; any other parse error: 400.
 * - Nothing when an answer has already started on this socket (a handler that answered before
 *   the body was in, then the body timed out): a second status line would corrupt the stream.
 *
 * The caller destroys the socket right after writing, as node's own default does: the rest of a
 * timed-out request must never reach the parser, or a handler would act on a request already
 * answered 408.
 */
export function clientErrorAnswer(code: string | undefined, answerStarted: boolean): string | null {
  if (answerStarted || code === 'ECONNRESET') return null;
  const [status, reason] =
    code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] :
    code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] :
    [400, 'Bad Request'];
  const body = JSON.stringify({ error: `${reason.toLowerCase()}: ${code ?? 'malformed request'}` });
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
