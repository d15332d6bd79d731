import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseArgs, reportBaseName } from '../../../src/bench/args.js';
import { topSelfTime } from '../../../src/bench/cpu-profile.js';
import { respCommand, XaddReplyCounter } from '../../../src/bench/drain-redis.js';
import { parseRssKb, parseStatTicks } from '../../../src/bench/proc-monitor.js';
import { fmtSpread } from '../../../src/bench/report-md.js';
import { parseWrkOutput } from '../../../src/bench/wrk.js';

describe('bench arguments', () => {
  it('defaults to three runs of every section', () => {
    const config = parseArgs([]);
    expect(config.runs).toBe(3);
    expect(config.sections).toEqual(['ingest', 'concurrency', 'sustained', 'drain', 'routing', 'rollback']);
    expect(reportBaseName(config)).toBe('latest');
  });
  it('--quick is one short run and does not replace latest', () => {
    const config = parseArgs(['--quick']);
    expect(config.runs).toBe(1);
    expect(config.confirmDurationS).toBeLessThan(60);
    expect(reportBaseName(config)).toBe('dev-latest');
  });
  it('--only keeps the canonical order and refuses unknown sections', () => {
    expect(parseArgs(['--only', 'drain,ingest']).sections).toEqual(['ingest', 'drain']);
    expect(reportBaseName(parseArgs(['--only', 'drain']))).toBe('dev-latest');
    expect(() => parseArgs(['--only', 'ingest,speed'])).toThrow(/unknown: speed/);
  });
  it('checks numbers', () => {
    expect(parseArgs(['--rates', '20000,5000']).sustainedRates).toEqual([5_000, 20_000]);
    expect(() => parseArgs(['--runs', '0'])).toThrow(BenchUsageError);
    expect(() => parseArgs(['--duration', 'ten'])).toThrow(/positive integer/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown flag/);
  });
});

describe('wrk output', () => {
  it('reads the done() line into milliseconds and error totals', () => {
    const stdout = 'Running 10s test\n  Requests/sec: 1\nBENCH_JSON {"requests":50000,"duration_us":10000000,"bytes":1,"errors":{"connect":1,"read":2,"write":0,"status":3,"timeout":4},' +
      '"latency_us":{"mean":1500.5,"max":90000,"p50":1200,"p75":1500,"p90":2000,"p95":2500,"p99":8000,"p999":20000}}\n';
    const result = parseWrkOutput(stdout);
    expect(result.rps).toBe(5_000);
    expect(result.non2xx).toBe(3);
    expect(result.socket_errors).toBe(7);
    expect(result.errors).toBe(10);
    expect(result.latency_ms).toMatchObject({ p50: 1.2, p95: 2.5, p99: 8, max: 90 });
  });
  it('fails loudly without it', () => {
    expect(() => parseWrkOutput('unable to connect')).toThrow(/BENCH_JSON/);
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name holds spaces and parentheses', () => {
    const stat = '1234 (node (serve) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
    expect(parseStatTicks(stat)).toBe(300);
  });
  it('reads VmRSS', () => {
    expect(parseRssKb('Name:\tnode\nVmRSS:\t  204800 kB\nVmSwap:\t0 kB\n')).toBe(204_800);
    expect(parseRssKb('Name:\tkthread\n')).toBeNull();
  });
});

describe('RESP for the drain filler', () => {
  it('encodes byte lengths, not character counts', () => {
    expect(respCommand(['XADD', 's', '*', 'k', 'é'])).toBe('*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nk\r\n$2\r\né\r\n');
  });
  it('counts bulk and error replies across chunk boundaries', () => {
    const counter = new XaddReplyCounter();
    const replies = '$15\r\n1700000000000-0\r\n-ERR boom\r\n$15\r\n1700000000000-1\r\n';
    for (const part of [replies.slice(0, 7), replies.slice(7, 30), replies.slice(30)]) counter.push(part);
    expect(counter.replies).toBe(3);
    expect(counter.errors).toEqual(['-ERR boom']);
  });
});

describe('cpu profile', () => {
  it('ranks functions by self time, merges equal frames and leaves idle out', () => {
    const frame = (functionName: string, url = 'file:///repo/dist/runtime/x.js', lineNumber = 9) => ({ functionName, url, lineNumber, columnNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('parseUpload') },
        { id: 3, callFrame: frame('(idle)', '') },
        { id: 4, callFrame: frame('parseUpload') },
        { id: 5, callFrame: frame('writev', '') },
      ],
      startTime: 0,
      endTime: 6_000,
      samples: [2, 3, 3, 4, 5, 2],
      timeDeltas: [0, 1_000, 1_000, 1_000, 1_000, 1_000],
    };
    const top = topSelfTime(profile, 5);
    expect(top.top[0]).toMatchObject({ function: 'parseUpload', location: 'dist/runtime/x.js:10', self_ms: 3 });
    expect(top.top[1]).toMatchObject({ function: 'writev', location: '(native)', self_ms: 1 });
    expect(top.top.map((e) => e.function)).not.toContain('(idle)');
    expect(top.top[0]!.self_pct).toBe(75);
  });
});

describe('report formatting', () => {
  it('shows the median with its spread', () => {
    expect(fmtSpread({ median: 12_345, min: 11_900, max: 12_800, n: 3 })).toBe('12,345 [11,900–12,800]');
    expect(fmtSpread({ median: 0.71, min: 0.71, max: 0.71, n: 1 }, 2)).toBe('0.71');
    expect(fmtSpread({ median: null, min: null, max: null, n: 0 })).toBe('–');
  });
});
