/**
 * Prometheus text exposition format 0.0.4 for `GET /metrics`.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 *
 * Names follow "Metric and label naming" (https://prometheus.io/docs/practices/naming/): base
 * units (seconds, not ms), the unit as the last word (a ratio 0..1 ends in `_ratio`, not
 * percent), counters end in `_total`; `promtool check metrics` passes on the output (a test runs it).
 */
import { LatencyHistogram } from './latency-histogram.js';
import { TRAFFIC_PATHS, type MetricsSummary, type TrafficPath, type WindowSnapshot } from './sliding-window.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface PrometheusSample {
  labels?: Record<string, string>;
  value: number;
}

export interface PrometheusMetric {
  help: string;
  type: 'counter' | 'gauge';
  samples: PrometheusSample[];
}

export interface PrometheusInput {
  summary: MetricsSummary;
  snapshot: WindowSnapshot;
  /** Per path, since the instance started: requests and summed latency in ms (`SlidingWindowMetrics.lifetime`). */
  lifetime: Record<TrafficPath, { count: number; sumMs: number }>;
  counters: Record<string, PrometheusMetric>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const QUANTILES = [0.5, 0.95, 0.99] as const;

export function renderPrometheus(input: PrometheusInput): string {
  const { summary, snapshot, lifetime, counters } = input;
  const out: string[] = [];
  const seen = new Set<string>();
  // Each name gets exactly one HELP/TYPE block; a counter reusing a built-in name would make
  // the scrape invalid, so it is refused here rather than discovered by Prometheus.
  const header = (name: string, help: string, type: string): void => {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid Prometheus metric name: ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new Error(`duplicate Prometheus metric name: ${name}`);
    seen.add(name);
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Record<string, string> | undefined, value: number): void => {
    out.push(`${name}${renderLabels(labels)} ${formatValue(value)}`);
  };

  const window = `over the last ${summary.window_seconds} s sliding window`;
  header('streamctl_requests_window', `Requests per traffic path ${window} (errors included).`, 'gauge');
  for (const path of TRAFFIC_PATHS) sample('streamctl_requests_window', { path }, summary.summary[path].requests);

  header('streamctl_errors_window', `Failed requests per traffic path ${window}.`, 'gauge');
  for (const path of TRAFFIC_PATHS) sample('streamctl_errors_window', { path }, summary.summary[path].errors);

  // A ratio 0..1, not a percentage: the naming conventions' base unit for shares.
  header('streamctl_window_error_ratio', `Failed / all requests (0..1) per traffic path ${window}; 0 without requests.`, 'gauge');
  for (const path of TRAFFIC_PATHS) {
    const { requests, errors } = summary.summary[path];
    sample('streamctl_window_error_ratio', { path }, requests === 0 ? 0 : errors / requests);
  }

  // A summary as client libraries expose one: quantiles over a sliding window, `_sum` and
  // `_count` since start (they only grow, so rate() works on them; windowed totals would fall
  // and read as counter resets).
  header('streamctl_response_time_seconds', `Upload response time in seconds per traffic path: quantiles ${window}, sum and count since start.`, 'summary');
  for (const path of TRAFFIC_PATHS) {
    const hist = LatencyHistogram.fromJSON(snapshot.paths[path].hist);
    for (const q of QUANTILES) {
      sample('streamctl_response_time_seconds', { path, quantile: String(q) }, hist.count === 0 ? Number.NaN : hist.quantile(q) / 1000);
    }
    sample('streamctl_response_time_seconds_sum', { path }, lifetime[path].sumMs / 1000);
    sample('streamctl_response_time_seconds_count', { path }, lifetime[path].count);
  }

  for (const [name, metric] of Object.entries(counters)) {
    header(name, metric.help, metric.type);
    for (const s of metric.samples) sample(name, s.labels, s.value);
  }
  return out.join('\n') + '\n';
}

function renderLabels(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new Error(`invalid Prometheus label name: ${JSON.stringify(name)}`);
    }
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Label values escape backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes only backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
