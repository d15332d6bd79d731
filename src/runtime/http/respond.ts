import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json';

/**
 * Writes one JSON answer. A second answer to the same request (a handler finishing after the
 * admin deadline already answered 503) is dropped, not thrown.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string | number>): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Errors of the ingest endpoints use the spec's `{"status":"error","message"}` shape. */
export function sendIngestError(res: ServerResponse, status: number, message: string, headers?: Record<string, string | number>): void {
  sendJson(res, status, { status: 'error', message }, headers);
}

/** Errors of the admin endpoints use the spec's `{"error"}` shape. */
export function sendAdminError(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, { error });
}
