import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { canStillAnswer } from '../../../src/runtime/http/answerable.js';
import { clientErrorAnswer } from '../../../src/runtime/http/client-error.js';
import { allowedMethods, routeForMethod } from '../../../src/runtime/http/method-match.js';
import { silentConnectionVerdict } from '../../../src/runtime/http/silent-connections.js';

describe('routeForMethod / allowedMethods (RFC 9110 §9.3.2)', () => {
  const getAndPost = new Map([['GET', 'get'], ['POST', 'post']]);
  it('answers HEAD with the GET route when there is no HEAD route of its own', () => {
    expect(routeForMethod(getAndPost, 'HEAD')).toBe('get');
    expect(routeForMethod(new Map([['GET', 'get'], ['HEAD', 'head']]), 'HEAD')).toBe('head');
    expect(routeForMethod(new Map([['POST', 'post']]), 'HEAD')).toBeUndefined();
    expect(routeForMethod(getAndPost, 'PUT')).toBeUndefined();
  });
  it('lists HEAD in Allow right after GET, and only where GET is', () => {
    expect(allowedMethods(getAndPost)).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods(new Map([['POST', 1], ['DELETE', 2]]))).toEqual(['POST', 'DELETE']);
  });
});

describe('clientErrorAnswer', () => {
  it('answers 408, 431 and 400 with connection: close and a JSON body of the stated length', () => {
    const timeout = clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT', false)!;
    expect(timeout).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(timeout).toContain('connection: close\r\n');
    const [, body] = timeout.split('\r\n\r\n');
    expect(timeout).toContain(`content-length: ${Buffer.byteLength(body!)}\r\n`);
    expect(JSON.parse(body!)).toEqual({ error: 'request timeout: ERR_HTTP_REQUEST_TIMEOUT' });
    expect(clientErrorAnswer('HPE_HEADER_OVERFLOW', false)).toMatch(/^HTTP\/1\.1 431 /);
    expect(clientErrorAnswer('HPE_INVALID_METHOD', false)).toMatch(/^HTTP\/1\.1 400 /);
  });
  it('writes nothing once an answer has started on the socket, or to a reset peer', () => {
    expect(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT', true)).toBeNull();
    expect(clientErrorAnswer('ECONNRESET', false)).toBeNull();
  });
});

describe('canStillAnswer', () => {
  const req = (socket: Partial<{ destroyed: boolean; writable: boolean }>) => ({ socket: { destroyed: false, writable: true, ...socket } }) as unknown as IncomingMessage;
  const res = (state: Partial<{ headersSent: boolean; writableEnded: boolean; destroyed: boolean }>) =>
    ({ headersSent: false, writableEnded: false, destroyed: false, ...state }) as unknown as ServerResponse;
  it('is true only while no answer has gone out and the socket can still carry one', () => {
    expect(canStillAnswer(req({}), res({}))).toBe(true);
    // The admin deadline's 503 went out while the body was still coming.
    expect(canStillAnswer(req({}), res({ headersSent: true }))).toBe(false);
    expect(canStillAnswer(req({}), res({ writableEnded: true }))).toBe(false);
    expect(canStillAnswer(req({}), res({ destroyed: true }))).toBe(false);
    // The 408 of requestTimeout: written on the socket, which is then destroyed (or ended).
    expect(canStillAnswer(req({ destroyed: true }), res({}))).toBe(false);
    expect(canStillAnswer(req({ writable: false }), res({}))).toBe(false);
  });
});

describe('silentConnectionVerdict', () => {
  it('closes a connection that sent nothing, leaves one that made a request', () => {
    expect(silentConnectionVerdict(0, false, 1)).toBe('close');
    expect(silentConnectionVerdict(120, true, 1)).toBe('leave');
    expect(silentConnectionVerdict(120, true, 2)).toBe('leave');
  });
  it('leaves a request on its way to node\'s headersTimeout (408) first, then closes it as a backstop', () => {
    expect(silentConnectionVerdict(12, false, 1)).toBe('recheck');
    expect(silentConnectionVerdict(12, false, 2)).toBe('close');
  });
});
