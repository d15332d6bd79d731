import { describe, expect, it } from 'vitest';
import type { StatusDoc } from '../../../src/control/status.js';
import { statusLines } from '../../../src/cli/render/status-layout.js';
import { watchPage } from '../../../src/cli/render/watch-page.js';
import { snakeKey, snakeKeys } from '../../../src/cli/render/snake-json.js';
import { parseWatchPeriod } from '../../../src/cli/control/watch-period.js';
import { UsageError } from '../../../src/shared/errors.js';

const path = (qps: number, p95: number) => ({ requests: 1234, qps, avgMs: 3.21, p95Ms: p95, p99Ms: 19.5, errorRate: 0.25, errors: 3 });
const backlog = { lag: 12, pending: 3, oldestPendingMs: 1500, deadLetters: 1, trimmedUnconsumed: 0 };

/** A busy service mid-run: three streams, a long audit log, a run with gates. */
function model(): StatusDoc {
  return {
    target: 'http://10.0.0.5:5225',
    at: '2026-11-29T21:10:00.000Z',
    health: { ok: true, value: { healthy: true, status: 'healthy', streams: [], service: 'streamctl' } },
    ratio: { ok: true, value: 0.3 },
    metrics: { ok: true, value: { stream: path(123.4, 4.2), traditional: path(288.1, 3.1), durationSeconds: 60, windowSeconds: 60, timestamp: 0, notNumbers: [] } },
    streams: {
      ok: true,
      value: {
        messagesProduced: 987654, messagesConsumed: 987600, errors: 0,
        streams: ['health_data_stream', 'device_info_stream', 'common_event_stream'].map((name) => ({ name, length: 100000, groups: 1, consumerGroup: `${name}_group`, backlog })),
      },
    },
    audit: { ok: true, value: Array.from({ length: 5 }, (_, i) => ({ time: `2026-11-29T21:0${i}:00.000Z`, action: 'ratio_set', old: 0.1 * i, new: 0.1 * (i + 1), reason: 'a rather long reason typed by an operator at three in the morning', who: 'cutover-20261129', from: '10.0.0.7' })) },
    latestRun: {
      runId: 'rehearsal-20261129-210000-abcd', scenario: 'rehearsal', target: 'http://10.0.0.5:5225', startedAt: '2026-11-29T21:00:00.000Z', lastRecordAt: '2026-11-29T21:09:58.000Z',
      outcome: 'running or crashed', exitCode: null, reason: 'last record: sample; if no streamctl process is running it, continue with --resume rehearsal-20261129-210000-abcd', step: 3, steps: 6,
      stepList: [
        { kind: 'check', label: 'consistency', verdict: 'passed' },
        { kind: 'ratio', label: '0.1', verdict: 'passed' },
        { kind: 'ratio', label: '0.3', verdict: 'running' },
        { kind: 'pause', label: 'manual gate', verdict: 'not run' },
        { kind: 'ratio', label: '0.6', verdict: 'not run' },
        { kind: 'ratio', label: '1', verdict: 'not run' },
      ],
    },
  };
}

const ESSENTIALS = ['health  healthy', 'ratio   0.3 (30%)', 'req/s', 'error rate', 'p95', '123.4', '288.1', '0.25%', '4.2ms', 'lag', 'pending', 'health_data_stream', 'common_event_stream', 'latest run  rehearsal-20261129-210000-abcd', 'running or crashed', 'steps  consistency gate passed > 0.1 passed > 0.3 running > manual gate > 0.6\n         > 1'];


describe('status on a bad day', () => {
  it('keeps the reason of a ratio change readable at 80 columns', () => {
    const lines = statusLines(model(), { columns: 80, rows: 60 });
    const change = lines.find((line) => line.includes('ratio_set'))!;
    expect(change).toContain('"a rather long reason');
    expect(change.length).toBeLessThanOrEqual(80);
  });

  it('names every problem the service gives right under a degraded health', () => {
    const doc = model();
    doc.health = { ok: true, value: { healthy: false, status: 'degraded', streams: [], service: 'streamctl', problems: ['redis is reconnecting', 'emergency rollback holds on this instance only: the shared ratio in Redis is not 0 yet'] } };
    const lines = statusLines(doc, { columns: 200, rows: 40 });
    const at = lines.findIndex((line) => line.startsWith('health  degraded'));
    expect(lines[at + 1]).toContain('redis is reconnecting');
    expect(lines[at + 2]).toContain('emergency rollback holds on this instance only');
  });
});

describe('status layout (issue 11: watch in 80x24)', () => {
  it('80x24: every line fits 80 columns and the essentials are on the first screen', () => {
    const page = watchPage(model(), { columns: 80, rows: 24 }, '2s');
    expect(page.length).toBeLessThanOrEqual(23); // the newline after the footer needs the 24th row
    for (const line of page) expect(line.length, line).toBeLessThanOrEqual(80);
    const screen = page.join('\n');
    for (const text of ESSENTIALS) expect(screen).toContain(text);
    expect(page.at(-1)).toBe('(refreshing every 2s; Ctrl-C to stop)');
    // The audit follows in the rows left, cut with a pointer to the rest.
    expect(screen).toContain('recent changes');
    expect(screen).toMatch(/\.\.\. \d+ more with --json/);
  });

  it('the rest follows when there is room, and nothing is cut on a tall terminal', () => {
    const lines = statusLines(model(), { columns: 120, rows: 60 });
    expect(lines.filter((l) => l.includes('ratio_set'))).toHaveLength(5);
    expect(lines.join('\n')).not.toContain('more with --json');
  });

  it('narrow or short terminals: lines are cut to the width, and a screen too short says so on its last row', () => {
    const narrow = statusLines(model(), { columns: 60, rows: 24 });
    for (const line of narrow) expect(line.length).toBeLessThanOrEqual(60);
    expect(narrow[1]).toContain('health  healthy');
    const short = statusLines(model(), { columns: 80, rows: 10 });
    expect(short).toHaveLength(10);
    expect(short.at(-1)).toMatch(/^\.\.\. \d+ more lines: make the terminal taller$/);
    expect(short.slice(0, 3).join('\n')).toContain('ratio   0.3');
  });

  it('colours do not count as width', () => {
    const red = { ok: (t: string) => `\x1b[32m${t}\x1b[39m`, bad: (t: string) => `\x1b[31m${t}\x1b[39m`, warn: (t: string) => `\x1b[33m${t}\x1b[39m`, dim: (t: string) => t, bold: (t: string) => `\x1b[1m${t}\x1b[22m`, alarm: (t: string) => t };
    const page = watchPage(model(), { columns: 80, rows: 24 }, '2s', red);
    for (const line of page) expect(line.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(80);
    expect(page.join('\n')).toContain('\x1b[32mhealthy');
  });

  it('missing pieces say why, in one line each', () => {
    const doc = { ...model(), metrics: { ok: false as const, error: 'cannot reach http://10.0.0.5:5225' }, streams: { ok: false as const, error: 'HTTP 503' }, latestRun: null };
    const lines = statusLines(doc, { columns: 80, rows: 24 });
    expect(lines).toContain('metrics unavailable (cannot reach http://10.0.0.5:5225)');
    expect(lines).toContain('backlog unavailable (HTTP 503)');
    expect(lines).toContain('latest run  none in this data dir');
  });
});

describe('--json documents in snake_case', () => {
  it('renames camelCase keys, and leaves data and non-identifiers alone', () => {
    expect(['runId', 'exitCode', 'readBack', 'p95Ms', 'ratioAfter', 'oldestPendingMs', 'totalMs', 'httpURL', 'qps', 'exit_code', 'ECONNREFUSED', '503', 'X-Api-Key'].map(snakeKey))
      .toEqual(['run_id', 'exit_code', 'read_back', 'p95_ms', 'ratio_after', 'oldest_pending_ms', 'total_ms', 'http_url', 'qps', 'exit_code', 'ECONNREFUSED', '503', 'X-Api-Key']);
    const doc = { runId: 'r', steps: [{ worstP95Ms: 3, load: { targetRate: 1, errors: { ECONNRESET: 2, '503': 1 } } }], plan: { webhooks: [{ timeoutMs: 5, headers: { authToken: '***' } }] }, envelope: { data: { deviceSn: 'W1' } }, gone: undefined };
    expect(snakeKeys(doc)).toEqual({ run_id: 'r', steps: [{ worst_p95_ms: 3, load: { target_rate: 1, errors: { ECONNRESET: 2, '503': 1 } } }], plan: { webhooks: [{ timeout_ms: 5, headers: { authToken: '***' } }] }, envelope: { data: { deviceSn: 'W1' } } });
  });
});

describe('watch --every', () => {
  it('refuses below 1 s (exit 64), accepts 1 s and more', () => {
    for (const bad of ['0s', '0', '500ms', '0.5']) expect(() => parseWatchPeriod(bad)).toThrow(UsageError);
    expect(() => parseWatchPeriod('0s')).toThrow(/--every 0s is shorter than 1s/);
    expect(parseWatchPeriod('1s')).toBe(1_000);
    expect(parseWatchPeriod('2s')).toBe(2_000);
  });
});
