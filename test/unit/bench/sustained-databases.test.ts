import { describe, expect, it } from 'vitest';
import { parseArgs, reportBaseName } from '../../../src/bench/args.js';
import { parseUtcDatetime } from '../../../src/bench/bench-mariadb.js';
import { benchDatabaseName } from '../../../src/bench/db-server.js';
import { IdCursor } from '../../../src/bench/id-cursor.js';
import { parseStatPpid } from '../../../src/bench/process-tree-cpu.js';
import { renderMarkdown } from '../../../src/bench/report-md.js';
import { rateCell, renderSustained, sustainedDatabases } from '../../../src/bench/report-sustained-md.js';
import { idWhere } from '../../../src/bench/sql-row-watcher.js';
import { spread } from '../../../src/bench/stats.js';
import type { BenchReport, SustainedDatabase, SustainedSection } from '../../../src/bench/types.js';

describe('--databases', () => {
  it('defaults to SQLite, PostgreSQL and MariaDB, in that order', () => {
    expect(parseArgs([]).databases).toEqual(['sqlite', 'postgres', 'mariadb']);
    expect(parseArgs(['--databases', 'MariaDB, sqlite']).databases).toEqual(['sqlite', 'mariadb']);
  });
  it('refuses an unknown or empty list', () => {
    expect(() => parseArgs(['--databases', 'sqlite,oracle'])).toThrow(/unknown: oracle/);
    expect(() => parseArgs(['--databases'])).toThrow(/--databases takes/);
  });
  it('a full run over fewer databases does not replace latest', () => {
    expect(reportBaseName(parseArgs(['--databases', 'sqlite']))).toBe('dev-latest');
    expect(reportBaseName(parseArgs([]))).toBe('latest');
  });
});

describe('IdCursor', () => {
  it('asks only above the highest id while ids arrive in order', () => {
    const cursor = new IdCursor();
    cursor.record([1, 2, 3], 0);
    expect(cursor.query()).toEqual({ above: 3, ranges: [] });
  });
  it('asks again for ids a later batch skipped, until they arrive', () => {
    const cursor = new IdCursor();
    cursor.record([1, 2], 0);
    // Batch 3-5 committed after batch 6-7.
    cursor.record([6, 7], 10);
    expect(cursor.query()).toEqual({ above: 7, ranges: [[3, 5]] });
    cursor.record([4], 20);
    expect(cursor.query()).toEqual({ above: 7, ranges: [[3, 3], [5, 5]] });
    cursor.record([3, 5, 8], 30);
    expect(cursor.query()).toEqual({ above: 8, ranges: [] });
    expect(cursor.abandoned).toBe(0);
  });
  it('gives up on a gap after maxGapAgeMs (a sequence value never used) and caps the ranges', () => {
    const cursor = new IdCursor(5_000, 2);
    cursor.record([2], 0);
    cursor.record([4], 1_000);
    expect(cursor.query().ranges).toEqual([[1, 1], [3, 3]]);
    cursor.record([7], 5_500);
    // [1,1] expired (5.5 s old); [3,3] and [5,6] are kept.
    expect(cursor.query().ranges).toEqual([[3, 3], [5, 6]]);
    cursor.record([9], 5_600);
    // Cap of 2: the oldest, [3,3], goes.
    expect(cursor.query().ranges).toEqual([[5, 6], [8, 8]]);
    expect(cursor.abandoned).toBe(2);
  });
});

describe('row queries', () => {
  it('idWhere numbers placeholders in value order', () => {
    expect(idWhere({ above: 9, ranges: [[3, 5], [7, 7]] }, (n) => `$${n}`)).toEqual({
      sql: 'id > $1 OR id BETWEEN $2 AND $3 OR id BETWEEN $4 AND $5',
      values: [9, 3, 5, 7, 7],
    });
    expect(idWhere({ above: 0, ranges: [] }, () => '?')).toEqual({ sql: 'id > ?', values: [0] });
  });
  it('reads MariaDB DATETIME(3) text as UTC', () => {
    expect(parseUtcDatetime('2026-11-29 21:50:00.123')).toBe(Date.parse('2026-11-29T21:50:00.123Z'));
  });
  it('database names are plain identifiers', () => {
    expect(benchDatabaseName('sustained', 3)).toBe('bench_sustained_3');
  });
});

function section(rate: number | null, confirmed = true): SustainedSection {
  return {
    rates: [5_000, 10_000], step_duration_s: 6, confirm_duration_s: 10, poll_ms: 50, highest_flat_rate: rate, confirmed, method: 'the method',
    summary: { achieved_rate: spread([rate]), e2e_p50_ms: spread([30]), e2e_p99_ms: spread([80, 90, 120]), end_backlog: spread([0]) },
    runs: [{
      phase: 'confirm', target_rate: rate ?? 5_000, duration_s: 10, achieved_rate: rate ?? 4_000, error_rate: 0, end_backlog: 0, growth_per_s: 0, flat: true, ok: true, reason: 'flat',
      e2e_p50_ms: 30, e2e_p99_ms: 90, e2e_max_ms: 120, e2e_rows: 100, http_p99_ms: 10, backlog: [], usage: { rss_max_mb: 100, cpu_pct: 90, redis_cpu_pct: 10, redis_rss_max_mb: 5, fds_max: 100 }, db_cpu_pct: null,
    }],
  };
}

function report(partial: Partial<BenchReport>): BenchReport {
  return {
    schema: 'streamctl.bench/v1', started_at: '2026-11-29T21:00:00.000Z', finished_at: '', mode: 'quick', sections: ['sustained'], runs: 1, argv: [], targets: [], failures: [], notes: [],
    machine: { cores: 2, cpu_model: '', memory_gb: 0, kernel: '', node: '', redis: '', wrk: '', date: '', loadavg_at_start: '', nofile_hard: 0 },
    ...partial,
  };
}

describe('sustained report', () => {
  const databases: SustainedDatabase[] = [
    { database: 'sqlite', version: 'SQLite 3.50.4', settings: 'WAL', not_measured: null, section: section(15_000) },
    { database: 'postgres', version: 'PostgreSQL 15.18', settings: 'synchronous_commit=off', not_measured: null, section: section(10_000, false) },
    { database: 'mariadb', version: null, settings: null, not_measured: 'MariaDB server binaries | not found\ninstall mariadb-server', section: null },
  ];
  it('puts the three rates side by side with the versions, and never a figure for one not measured', () => {
    const md = renderSustained(report({ sustained_databases: databases })).join('\n');
    expect(md).toContain('## 3. Sustained end-to-end into SQLite, PostgreSQL and MariaDB');
    expect(md).toContain('|  | SQLite | PostgreSQL | MariaDB |');
    expect(md).toContain('| server | SQLite 3.50.4 | PostgreSQL 15.18 | – |');
    expect(md).toContain('| highest flat rate, records/s | **15,000** (confirmed over 10 s runs) | **10,000** (NOT confirmed by the longer runs) | not measured: MariaDB server binaries \\| not found install mariadb-server |');
    expect(md).toContain('| end-to-end p99 ms | 90 [80–120] | 90 [80–120] | – |');
    expect(md).toContain('### PostgreSQL 15.18\n');
    expect(md).not.toContain('### MariaDB');
    expect(md.match(/Method: the method/g)).toHaveLength(1);
  });
  it('says none when not even the lowest step was flat', () => {
    expect(rateCell({ database: 'sqlite', version: null, settings: null, not_measured: null, section: section(null) })).toBe('none (not even 5,000/s was flat)');
  });
  it('reads a report from before sustained_databases as SQLite alone', () => {
    const old = report({ sustained: section(15_000) });
    expect(sustainedDatabases(old).map((d) => d.database)).toEqual(['sqlite']);
    expect(renderMarkdown(old)).toContain('## 3. Sustained end-to-end into SQLite\n');
    expect(renderSustained(report({}))).toEqual([]);
  });
});

describe('database server CPU', () => {
  it('reads the parent pid from /proc/<pid>/stat, even with a space in the name', () => {
    expect(parseStatPpid('4242 (postgres: bench x) S 4100 4100 4100 0 -1 4194560 160 0 0 0 12 3')).toBe(4100);
    expect(parseStatPpid('garbage')).toBeNull();
  });
});
