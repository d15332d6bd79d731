import { describe, expect, it } from 'vitest';
import { HttpConsistencyGate } from '../../../src/adapters/consistency-gate-http.js';
import { readConsistencyReply } from '../../../src/adapters/consistency-reply.js';
import type { HttpJson } from '../../../src/adapters/http-json.js';
import { isOriginalConsistencyDocument, judgeOriginalConsistency } from '../../../src/adapters/original-consistency.js';

/** The dict db_consistency.py returns, as the original's harness serves it. */
const original = (over: Record<string, unknown> = {}) => ({ traditional_count: 120, stream_count: 80, total_count: 200, duplicates: 0, consistency_ok: true, ...over });

describe("the original service's consistency document", () => {
  it('passes with consistency_ok true and says which document it read, with the counts', () => {
    expect(judgeOriginalConsistency(original())).toEqual({
      verdict: 'consistent',
      summary: "original service's verify_database_consistency(): 120 traditional + 80 stream rows in the last hour, 0 duplicate (device_sn, timestamp) groups",
    });
  });

  it('is a breach with consistency_ok false (duplicate groups)', () => {
    const result = judgeOriginalConsistency(original({ duplicates: 3, consistency_ok: false }));
    expect(result.verdict).toBe('inconsistent');
    expect(result.summary).toContain("original service's verify_database_consistency(): consistency_ok false");
    expect(result.summary).toContain('3 duplicate (device_sn, timestamp) groups');
  });

  it('does not pass a document whose consistency_ok contradicts its duplicates', () => {
    const result = judgeOriginalConsistency(original({ duplicates: 1, consistency_ok: true }));
    expect(result.verdict).toBe('inconsistent');
    expect(result.summary).toContain('consistency_ok true contradicts 1 duplicate (device_sn, timestamp) group ');
  });

  it('is recognised only with all five fields of the right types', () => {
    expect(isOriginalConsistencyDocument(original())).toBe(true);
    expect(isOriginalConsistencyDocument(original({ extra: 'tolerated' }))).toBe(true);
    expect(isOriginalConsistencyDocument(original({ consistency_ok: 'true' }))).toBe(false);
    expect(isOriginalConsistencyDocument(original({ duplicates: -1 }))).toBe(false);
    expect(isOriginalConsistencyDocument(original({ stream_count: 1.5 }))).toBe(false);
    const { total_count: _dropped, ...missing } = original();
    expect(isOriginalConsistencyDocument(missing)).toBe(false);
    expect(isOriginalConsistencyDocument([original()])).toBe(false);
    expect(isOriginalConsistencyDocument(null)).toBe(false);
  });
});

describe('readConsistencyReply: which document, then its verdict', () => {
  it("reads a 200 with the original's document", () => {
    expect(readConsistencyReply(200, original())).toMatchObject({ verdict: 'consistent', summary: expect.stringContaining('verify_database_consistency()') });
    expect(readConsistencyReply(200, original({ duplicates: 2, consistency_ok: false }))).toMatchObject({ verdict: 'inconsistent' });
  });

  it("reads streamctl serve's document as before: counts, then the first failing check", () => {
    const result = readConsistencyReply(200, {
      schema: 'streamctl.consistency/v1',
      verdict: 'inconsistent',
      summary: { ok: 30, warn: 1, fail: 2, inconclusive: 0 },
      checks: [
        { id: 'rows', status: 'ok', message: 'fine' },
        { id: 'stream_entries_persisted', kind: 'health_data', status: 'fail', message: '1 record delivered and acked but never persisted' },
      ],
    });
    expect(result).toEqual({ verdict: 'inconsistent', summary: '2 fail, 1 warn, 30 ok: health_data 1 record delivered and acked but never persisted' });
  });

  it('keeps a 404 as skipped', () => {
    expect(readConsistencyReply(404, '<html>Not Found</html>')).toEqual({ verdict: 'skipped', summary: 'the target has no /api/consistency' });
  });

  it('is an error, naming the fields of both documents, for a 200 that is neither', () => {
    for (const body of [{ ok: true }, {}, 'consistent', null, [1, 2], original({ consistency_ok: null })]) {
      const result = readConsistencyReply(200, body);
      expect(result.verdict, JSON.stringify(body)).toBe('error');
      expect(result.summary).toContain('streamctl.consistency/v1: verdict, summary, checks');
      expect(result.summary).toContain('traditional_count, stream_count, total_count, duplicates, consistency_ok');
    }
    expect(readConsistencyReply(200, { ok: true }).summary).toContain('(fields: ok)');
  });

  it("is an error for other statuses: the original's 500 and serve's could_not_check 503", () => {
    expect(readConsistencyReply(500, { error: 'no such table: user_health_data' })).toEqual({ verdict: 'error', summary: 'GET /api/consistency answered 500: no such table: user_health_data' });
    expect(readConsistencyReply(503, { schema: 'streamctl.consistency/v1', verdict: 'could_not_check', error: { message: 'redis down' } })).toMatchObject({ verdict: 'error' });
    // The original's document under another status is not a verdict: only its 200 is.
    expect(readConsistencyReply(500, original())).toMatchObject({ verdict: 'error' });
  });
});

describe('HttpConsistencyGate', () => {
  it('asks GET /api/consistency with a long timeout and reads the reply with readConsistencyReply', async () => {
    const calls: unknown[][] = [];
    const http = { call: async (...args: unknown[]) => (calls.push(args), { status: 200, body: original({ duplicates: 1, consistency_ok: false }) }) } as unknown as HttpJson;
    expect(await new HttpConsistencyGate(http).run()).toMatchObject({ verdict: 'inconsistent', summary: expect.stringContaining('1 duplicate (device_sn, timestamp) group') });
    expect(calls).toEqual([['GET', '/api/consistency?window=1h&grace=2m', undefined, 60_000]]);
  });
});
