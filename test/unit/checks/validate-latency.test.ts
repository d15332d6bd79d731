import { describe, expect, it } from 'vitest';
import type { SideOutcome } from '../../../src/checks/validate/classify.js';
import { latencySummary } from '../../../src/checks/validate/report.js';

describe('validate latency (issue 18, kind 5)', () => {
  it('times the accepted answers only: nine fast refusals do not make an 800 ms endpoint fast', () => {
    const outcomes: SideOutcome[] = [
      ...Array.from({ length: 9 }, (): SideOutcome => ({ result: 'rejected', status: 503, latencyMs: 3 })),
      { result: 'ok', status: 200, answer: 'accepted', latencyMs: 800 },
      { result: 'timeout', latencyMs: 30_000 },
    ];
    expect(latencySummary(outcomes)).toEqual({ count: 1, p50: 800, p95: 800, p99: 800, max: 800 });
  });
});
