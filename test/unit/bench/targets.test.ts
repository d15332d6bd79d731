import { describe, expect, it } from 'vitest';
import { evaluateTargets, verdict } from '../../../src/bench/targets.js';
import { spread } from '../../../src/bench/stats.js';
import type { BenchReport, LoadSummary } from '../../../src/bench/types.js';

describe('verdict', () => {
  it('says how far above or short of a floor', () => {
    expect(verdict(0.84, '>=', 0.7)).toEqual({ status: 'PASS', margin: '20% above' });
    expect(verdict(0.35, '>=', 0.7)).toEqual({ status: 'MISS', margin: '50% short (0.50x of the target)' });
  });
  it('says how far under or over a ceiling', () => {
    expect(verdict(4, '<', 10)).toEqual({ status: 'PASS', margin: '60% under' });
    expect(verdict(25, '<', 10)).toEqual({ status: 'MISS', margin: '150% over (2.50x the limit)' });
    expect(verdict(10, '<', 10).status).toBe('MISS');
    expect(verdict(1_000, '<=', 1_000).status).toBe('PASS');
  });
  it('counts against a zero line', () => {
    expect(verdict(0, '<=', 0)).toEqual({ status: 'PASS', margin: 'none' });
    expect(verdict(12, '<=', 0)).toEqual({ status: 'MISS', margin: '12 over' });
  });
  it('does not judge what was not measured', () => {
    expect(verdict(null, '>=', 1).status).toBe('NOT MEASURED');
    expect(verdict(Number.NaN, '<', 1).status).toBe('NOT MEASURED');
  });
});

const load = (rps: number[], p99: number[]): LoadSummary => ({
  rps: spread(rps), p50_ms: spread([1]), p95_ms: spread([2]), p99_ms: spread(p99), max_ms: spread([9]), errors: spread([0]),
  rss_max_mb: spread([100]), cpu_pct: spread([90]), redis_cpu_pct: spread([null]),
});

function report(partial: Partial<BenchReport>): BenchReport {
  return {
    schema: 'streamctl.bench/v1', started_at: '', finished_at: '', mode: 'full', sections: [], runs: 3, argv: [], targets: [], failures: [], notes: [],
    machine: { cores: 2, cpu_model: '', memory_gb: 0, kernel: '', node: '', redis: '', wrk: '', date: '', loadavg_at_start: '', nofile_hard: 0 },
    ...partial,
  };
}

describe('evaluateTargets', () => {
  it('judges only the sections that ran, from the 100-connection level', () => {
    const r = report({
      sections: ['ingest', 'rollback'],
      ingest: {
        duration_s: 10, threads: 2, runs: [],
        levels: [
          { connections: 100, bare: load([60_000], [3]), serve: load([45_000], [6]), ratio: spread([0.75]) },
          { connections: 1_000, bare: load([50_000], [30]), serve: load([20_000], [90]), ratio: spread([0.4]) },
        ],
      },
      rollback: { poll_ms: 10, runs: [], summary: { both_zero_ms: spread([20, 30, 1_200]), other_zero_ms: spread([1]), call_ms: spread([1]) } },
    });
    const verdicts = evaluateTargets(r);
    expect(verdicts.map((v) => v.id)).toEqual(['ingest.ratio', 'ingest.p99', 'rollback.time']);
    expect(verdicts.map((v) => v.status)).toEqual(['PASS', 'PASS', 'MISS']);
    // The worst rollback run is judged, not the median.
    expect(verdicts[2]!.value).toBe(1_200);
  });
  it('counts an unconfirmed sustained rate as a miss', () => {
    const r = report({
      sections: ['sustained'],
      sustained: {
        rates: [], step_duration_s: 20, confirm_duration_s: 60, poll_ms: 50, highest_flat_rate: 25_000, confirmed: false, runs: [], method: '',
        summary: { achieved_rate: spread([]), e2e_p50_ms: spread([]), e2e_p99_ms: spread([400]), end_backlog: spread([]) },
      },
    });
    const [rate, e2e] = evaluateTargets(r);
    expect(rate!.status).toBe('MISS');
    expect(e2e!.status).toBe('PASS');
  });
});
