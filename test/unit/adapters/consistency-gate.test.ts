import { describe, expect, it } from 'vitest';
import { HttpConsistencyGate } from '../../../src/adapters/consistency-gate-http.js';
import type { HttpJson } from '../../../src/adapters/http-json.js';

function answering(status: number, body: unknown): HttpJson {
  return { call: async () => ({ status, body }) } as unknown as HttpJson;
}

describe('HttpConsistencyGate', () => {
  it('sums up a consistency document: counts, then the first failing check', async () => {
    const gate = new HttpConsistencyGate(answering(200, {
      schema: 'streamctl.consistency/v1',
      verdict: 'inconsistent',
      summary: { ok: 30, warn: 1, fail: 2, inconclusive: 0 },
      checks: [
        { id: 'rows', status: 'ok', message: 'fine' },
        { id: 'stream_entries_persisted', kind: 'health_data', status: 'fail', message: '1 record delivered and acked but never persisted' },
      ],
    }));
    expect(await gate.run()).toEqual({ verdict: 'inconsistent', summary: '2 fail, 1 warn, 30 ok: health_data 1 record delivered and acked but never persisted' });
  });

  it('reads a could_not_check document as an error, and a 404 as skipped', async () => {
    expect(await new HttpConsistencyGate(answering(503, { verdict: 'could_not_check', error: { message: 'redis down' } })).run()).toMatchObject({ verdict: 'error' });
    expect(await new HttpConsistencyGate(answering(404, { error: 'no endpoint' })).run()).toMatchObject({ verdict: 'skipped' });
  });
});
