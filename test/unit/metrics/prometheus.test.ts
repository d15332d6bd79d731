import { describe, expect, it } from 'vitest';
import { SlidingWindowMetrics } from '../../../src/runtime/metrics/sliding-window.js';
import { escapeLabelValue, renderPrometheus, type PrometheusInput } from '../../../src/runtime/metrics/prometheus.js';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*)?\\})? ${VALUE}$`);
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`);

/** Line-format check of exposition format 0.0.4; returns sample lines grouped by metric family. */
function parseExposition(text: string): Map<string, string[]> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, string[]>();
  const help = new Set<string>();
  const type = new Map<string, string>();
  let current = '';
  for (const line of text.slice(0, -1).split('\n')) {
    const c = COMMENT.exec(line);
    if (c) {
      const [, kind, name, rest] = c;
      const seen = kind === 'HELP' ? help : type;
      expect(seen.has(name!), `${kind} for ${name} twice`).toBe(false);
      if (kind === 'HELP') help.add(name!);
      else {
        expect(rest).toMatch(/^(counter|gauge|summary|histogram|untyped)$/);
        expect(families.has(name!), `TYPE after samples of ${name}`).toBe(false);
        type.set(name!, rest!);
      }
      current = name!;
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, `bad sample line: ${JSON.stringify(line)}`).not.toBeNull();
    const name = m![1]!;
    const family = type.get(name) === undefined ? name.replace(/_(sum|count)$/, '') : name;
    // Samples of one family must be contiguous, right after its own HELP/TYPE.
    expect(family).toBe(current);
    families.set(family, [...(families.get(family) ?? []), line]);
  }
  return families;
}

function input(counters: PrometheusInput['counters'] = {}): PrometheusInput {
  let t = 1_000_000;
  const m = new SlidingWindowMetrics({ now: () => t });
  for (let i = 1; i <= 100; i++) m.record('stream', i, i % 10 === 0);
  m.record('traditional', 3, false);
  t += 2000;
  return { summary: m.summary(), snapshot: m.snapshot(), lifetime: { stream: m.lifetime('stream'), traditional: m.lifetime('traditional') }, counters };
}

describe('renderPrometheus', () => {
  it('emits parseable per-path gauges and a quantile summary', () => {
    const text = renderPrometheus(input());
    const families = parseExposition(text);
    expect(families.get('streamctl_requests_window')).toEqual([
      'streamctl_requests_window{path="stream"} 100',
      'streamctl_requests_window{path="traditional"} 1',
    ]);
    expect(families.get('streamctl_errors_window')).toContain('streamctl_errors_window{path="stream"} 10');
    expect(families.get('streamctl_window_error_ratio')).toContain('streamctl_window_error_ratio{path="stream"} 0.1');
    // Seconds, not ms (the naming conventions' base unit); _sum and _count since start.
    const q = families.get('streamctl_response_time_seconds')!;
    expect(q).toHaveLength(10);
    expect(q).toContain('streamctl_response_time_seconds{path="traditional",quantile="0.99"} 0.003');
    expect(q).toContain('streamctl_response_time_seconds{path="stream",quantile="0.5"} 0.0505');
    expect(q).toContain('streamctl_response_time_seconds_sum{path="stream"} 5.05');
    expect(q).toContain('streamctl_response_time_seconds_count{path="stream"} 100');
    expect(q).toContain('streamctl_response_time_seconds_count{path="traditional"} 1');
    expect(text).toContain('# TYPE streamctl_response_time_seconds summary\n');
    expect(text).not.toMatch(/_ms\b|percent/);
  });

  it('keeps _sum and _count growing when the window empties, and gives NaN quantiles without requests', () => {
    let t = 1_000_000;
    const m = new SlidingWindowMetrics({ now: () => t, windowMs: 10_000 });
    m.record('stream', 20, false);
    t += 60_000;
    const text = renderPrometheus({ summary: m.summary(), snapshot: m.snapshot(), lifetime: { stream: m.lifetime('stream'), traditional: m.lifetime('traditional') }, counters: {} });
    expect(text).toContain('streamctl_response_time_seconds{path="stream",quantile="0.5"} NaN');
    expect(text).toContain('streamctl_response_time_seconds_count{path="stream"} 1');
    expect(text).toContain('streamctl_response_time_seconds_sum{path="stream"} 0.02');
    expect(text).toContain('streamctl_window_error_ratio{path="traditional"} 0');
  });

  it('renders caller counters with escaped label values, HELP/TYPE once per name', () => {
    const text = renderPrometheus(
      input({
        streamctl_uploads_total: {
          help: 'Accepted uploads.\nSecond line with a \\ backslash',
          type: 'counter',
          samples: [
            { labels: { kind: 'health', note: 'say "hi"\\now\nnext' }, value: 12 },
            { labels: { kind: 'sleep' }, value: 3 },
          ],
        },
        streamctl_ratio: { help: 'Stream traffic ratio.', type: 'gauge', samples: [{ value: 0.1 }] },
        streamctl_breaker_open: { help: 'Circuit breaker state.', type: 'gauge', samples: [{ value: Number.NaN }] },
      }),
    );
    const families = parseExposition(text);
    expect(families.get('streamctl_uploads_total')).toEqual([
      'streamctl_uploads_total{kind="health",note="say \\"hi\\"\\\\now\\nnext"} 12',
      'streamctl_uploads_total{kind="sleep"} 3',
    ]);
    expect(text).toContain('# HELP streamctl_uploads_total Accepted uploads.\\nSecond line with a \\\\ backslash\n');
    expect(families.get('streamctl_ratio')).toEqual(['streamctl_ratio 0.1']);
    expect(families.get('streamctl_breaker_open')).toEqual(['streamctl_breaker_open NaN']);
  });

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('refuses names that would make the scrape invalid', () => {
    const sample = [{ value: 1 }];
    expect(() => renderPrometheus(input({ 'bad-name': { help: '', type: 'gauge', samples: sample } }))).toThrow(/metric name/);
    expect(() => renderPrometheus(input({ streamctl_requests_window: { help: '', type: 'gauge', samples: sample } }))).toThrow(/duplicate/);
    expect(() =>
      renderPrometheus(input({ x_total: { help: '', type: 'counter', samples: [{ labels: { '1bad': 'v' }, value: 1 }] } })),
    ).toThrow(/label name/);
  });
});
