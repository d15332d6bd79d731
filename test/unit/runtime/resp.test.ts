import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCommand, ProtocolError, ReplyReader } from '../../../src/runtime/streams/resp.js';

describe('RESP', () => {
  it('encodes byte lengths, not character counts', () => {
    expect(encodeCommand(['XADD', 's', '*', 'payload', 'é'])).toBe('*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$7\r\npayload\r\n$2\r\né\r\n');
  });

  it('reads every reply kind, in order, however the bytes are split', () => {
    const wire = Buffer.from('+OK\r\n$15\r\n1764000000000-0\r\n$-1\r\n-NOGROUP no such group\r\n:42\r\n$3\r\né!\r\n');
    const expected = [
      { ok: true, value: 'OK' },
      { ok: true, value: '1764000000000-0' },
      { ok: true, value: null },
      { ok: false, error: 'NOGROUP no such group' },
      { ok: true, value: 42 },
      { ok: true, value: 'é!' },
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const reader = new ReplyReader();
        const replies: unknown[] = [];
        let from = 0;
        for (const point of [...points, wire.length]) {
          reader.feed(wire.subarray(from, point));
          from = point;
          for (let reply = reader.next(); reply; reply = reader.next()) replies.push(reply);
        }
        expect(replies).toEqual(expected);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('refuses a reply kind it does not know, rather than misreading the rest', () => {
    const reader = new ReplyReader();
    reader.feed(Buffer.from('*1\r\n$1\r\na\r\n'));
    expect(() => reader.next()).toThrow(ProtocolError);
  });
});
