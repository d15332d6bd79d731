/**
 * Prometheus text exposition format 0.0.4 for `GET /metrics`.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import { LatencyHistogram } from './latency-histogram.js';
import { TRAFFIC_PATHS, type MetricsSummary, type WindowSnapshot } from './sliding-window.js';

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
  counters: Record<string, PrometheusMetric>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const QUANTILES = [0.5, 0.95, 0.99] as const;

export function renderPrometheus(input: PrometheusInput): string {
  const { summary, snapshot, counters } = input;
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

  header('streamctl_error_rate_percent', `Errors / requests * 100 per traffic path ${window}.`, 'gauge');
  for (const path of TRAFFIC_PATHS) sample('streamctl_error_rate_percent', { path }, summary.summary[path].error_rate);

  // Quantiles only: _sum/_count would be windowed and fall over time, which rate() would read as
  // counter resets. Cumulative totals belong in `counters`.
  header('streamctl_response_time_ms', `Response time in ms per traffic path ${window}.`, 'summary');
  for (const path of TRAFFIC_PATHS) {
    const hist = LatencyHistogram.fromJSON(snapshot.paths[path].hist);
    for (const q of QUANTILES) {
      sample('streamctl_response_time_ms', { path, quantile: String(q) }, hist.quantile(q));
    }
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
