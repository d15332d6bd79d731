/**
 * The targets of issue 6 and the verdict on each: PASS or MISS and by how much. Pure: the figures
 * come from a report, so the judgement is unit-tested without measuring anything.
 */
import type { BenchReport, Comparison, SectionName, Status, TargetVerdict } from './types.js';

export type { Comparison, Status, TargetVerdict } from './types.js';


export interface Verdict {
  status: Status;
  margin: string;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}

/** PASS/MISS of `value op threshold`, with the distance to the threshold in words. */
export function verdict(value: number | null | undefined, op: Comparison, threshold: number): Verdict {
  if (value === null || value === undefined || !Number.isFinite(value)) return { status: 'NOT MEASURED', margin: '' };
  const pass = op === '>=' ? value >= threshold : op === '<' ? value < threshold : value <= threshold;
  if (threshold === 0) {
    // "all served": zero is the line, so the distance is the count itself.
    return { status: pass ? 'PASS' : 'MISS', margin: pass ? 'none' : `${value} over` };
  }
  if (op === '>=') {
    const share = value / threshold;
    return pass ? { status: 'PASS', margin: `${pct(share - 1)} above` } : { status: 'MISS', margin: `${pct(1 - share)} short (${share.toFixed(2)}x of the target)` };
  }
  const share = value / threshold;
  return pass ? { status: 'PASS', margin: `${pct(1 - share)} under` } : { status: 'MISS', margin: `${pct(share - 1)} over (${share.toFixed(2)}x the limit)` };
}

interface TargetDefinition {
  id: string;
  section: SectionName;
  target: string;
  unit: string;
  op: Comparison;
  threshold: number;
  value: (report: BenchReport) => number | null | undefined;
}

const level = (report: BenchReport, connections: number) => report.ingest?.levels.find((l) => l.connections === connections);

export const TARGETS: readonly TargetDefinition[] = [
  {
    id: 'ingest.ratio', section: 'ingest', target: 'Ingest at 100 connections: req/s of serve / bare node:http >= 0.7',
    unit: 'x', op: '>=', threshold: 0.7, value: (r) => level(r, 100)?.ratio.median,
  },
  {
    id: 'ingest.p99', section: 'ingest', target: 'Ingest at 100 connections: serve p99 < 10 ms',
    unit: 'ms', op: '<', threshold: 10, value: (r) => level(r, 100)?.serve.p99_ms.median,
  },
  {
    id: 'concurrency.errors', section: 'concurrency', target: '10,000 connections: all served (errors = 0, worst run)',
    unit: 'errors', op: '<=', threshold: 0, value: (r) => r.concurrency?.summary.errors.max,
  },
  {
    id: 'concurrency.p99', section: 'concurrency', target: '10,000 connections: p99 < 150 ms',
    unit: 'ms', op: '<', threshold: 150, value: (r) => r.concurrency?.summary.p99_ms.median,
  },
  {
    id: 'concurrency.rss', section: 'concurrency', target: '10,000 connections: serve RSS < 512 MB (worst run)',
    unit: 'MB', op: '<', threshold: 512, value: (r) => r.concurrency?.summary.rss_max_mb.max,
  },
  {
    id: 'sustained.rate', section: 'sustained', target: 'Sustained into SQLite: >= 20,000 records/s with a flat backlog',
    unit: 'records/s', op: '>=', threshold: 20_000, value: (r) => (r.sustained ? (r.sustained.confirmed ? r.sustained.highest_flat_rate : 0) : undefined),
  },
  {
    id: 'sustained.e2e_p99', section: 'sustained', target: 'Sustained: end-to-end (accept -> row) p99 < 1 s',
    unit: 'ms', op: '<', threshold: 1_000, value: (r) => r.sustained?.summary.e2e_p99_ms.median,
  },
  {
    id: 'drain.rate', section: 'drain', target: 'Drain: >= 100,000 rows/s',
    unit: 'rows/s', op: '>=', threshold: 100_000, value: (r) => r.drain?.summary.serve_rate.median,
  },
  {
    id: 'drain.ratio', section: 'drain', target: 'Drain: >= 0.4 of the raw XREADGROUP+XACK rate',
    unit: 'x', op: '>=', threshold: 0.4, value: (r) => r.drain?.summary.ratio.median,
  },
  {
    id: 'rollback.time', section: 'rollback', target: 'Rollback visible on every instance within 1 s (worst run)',
    unit: 'ms', op: '<=', threshold: 1_000, value: (r) => r.rollback?.summary.both_zero_ms.max,
  },
];

/** Verdicts on the sections that ran; targets of sections left out are not listed. */
export function evaluateTargets(report: BenchReport): TargetVerdict[] {
  return TARGETS.filter((t) => report.sections.includes(t.section)).map((t) => {
    const value = t.value(report);
    const v = verdict(value, t.op, t.threshold);
    return { id: t.id, section: t.section, target: t.target, value: value ?? null, unit: t.unit, op: t.op, threshold: t.threshold, status: v.status, margin: v.margin };
  });
}
