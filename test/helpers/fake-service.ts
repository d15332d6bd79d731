import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PathFigures {
  requests: number;
  error_rate: number;
  p95_response_time: number;
  p99_response_time?: number;
  avg_response_time?: number;
}

/** streamctl serve's cumulative counters endpoint (format streamctl.counters/v1). */
export const COUNTERS_PATH = '/api/stream_metrics/counters';

/** Whether a request is one of the engine's metrics reads: the counters on serve, `/api/stream_metrics` on the original. */
export function isMetricsRead(method: string, path: string): boolean {
  return method === 'GET' && (path === COUNTERS_PATH || path === '/api/stream_metrics');
}

export interface MetricsContext {
  ratio: number;
  /** How many times metrics were read so far (1 on the first read). */
  reads: number;
}

/**
 * The figures of one metrics read. On serve's `/api/stream_metrics` they are the window as it is;
 * on the counters (serve) and on the original's cumulative metrics they are the traffic of the
 * interval that read closes: added to the totals since start, so a reader differencing two reads
 * gets exactly these figures back.
 */
export type MetricsScript = (ctx: MetricsContext) => { stream?: Partial<PathFigures>; traditional?: Partial<PathFigures> };

/** Totals since the (fake) service started, per path: what cumulative reads report. */
interface PathTotals {
  requests: number;
  errors: number;
  sumMs: number;
  /** upper bound in ms -> requests; Infinity is the overflow. */
  buckets: Map<number, number>;
  /** The latest interval's p95/p99: the original's cumulative percentile, as far as this double goes. */
  p95: number;
  p99: number;
}

const zeroTotals = (): PathTotals => ({ requests: 0, errors: 0, sumMs: 0, buckets: new Map(), p95: 0, p99: 0 });

export interface RequestLog {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

export interface FakeServiceOptions {
  /** Behave like the original Python service: no status/service/p99/window, no lease/audit/consistency (404). */
  original?: boolean;
  /** Require `Authorization: Bearer <token>` on POST/DELETE admin calls. */
  token?: string;
}

const HEALTHY_TRAFFIC: MetricsScript = () => ({
  stream: { requests: 500, error_rate: 0.1, p95_response_time: 40 },
  traditional: { requests: 500, error_rate: 0.1, p95_response_time: 60 },
});

/**
 * An in-process admin API on port 0 (spec §3-4 plus what streamctl serve adds), with
 * scriptable metrics, health and failures. Not a model of the runtime: a test double for the CLI.
 */
export class FakeService {
  ratio = 0;
  healthy = true;
  status = 'healthy';
  metrics: MetricsScript = HEALTHY_TRAFFIC;
  /**
   * `ok`: sets 0; `fail`: 500 and nothing changes; `lie`: says success, changes nothing;
   * `local`: serve with its Redis down: 500 with `local_override`, and this instance reads 0.
   */
  rollbackMode: 'ok' | 'fail' | 'lie' | 'local' = 'ok';
  /** POST ratio answers success but the ratio does not change. */
  stuckRatio = false;
  /** Every request is answered by destroying the socket (connection reset). */
  down = false;
  /** `METHOD /path` -> how many upcoming requests answer 500. */
  readonly failNext = new Map<string, number>();
  /** `METHOD /path` -> the status every such request answers with (e.g. 401), until deleted. */
  readonly refuse = new Map<string, number>();
  /** Called before a route is answered; tests use it to inject drift or Ctrl-C at a chosen moment. */
  onRequest: ((method: string, path: string, service: FakeService) => void) | undefined;
  consistency: { verdict: string; summary: string } | null = { verdict: 'consistent', summary: '0 missing, 0 duplicated' };
  lease: { holder: string; expiresAt: number } | null = null;
  /** The service's own clock for lease expiry (ms epoch); the engine harness points it at the fake clock's true time. */
  clockNow: () => number = Date.now;
  readonly audit: Array<Record<string, unknown>> = [];
  readonly log: RequestLog[] = [];
  metricsReads = 0;
  /** Metric field names answered as a bare `NaN`, in both paths (the original is Python); on the counters document too. */
  nanFields: string[] = [];
  /** Cumulative totals since `startedAtMs` (the counters and the original's metrics). */
  totals = { stream: zeroTotals(), traditional: zeroTotals() };
  /** The instance the counters describe; a restart gives a new start time and zero totals. */
  instanceId = 'fake-1';
  startedAtMs = 0;
  private server: Server | undefined;
  url = '';

  constructor(readonly options: FakeServiceOptions = {}) {}

  async start(): Promise<this> {
    this.startedAtMs = this.clockNow() - 1_000;
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Requests matching `METHOD /path` (path without query). */
  calls(method: string, path: string): RequestLog[] {
    return this.log.filter((r) => r.method === method && r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.log.push({ method, path: url.pathname, body, authorization: req.headers.authorization });
    this.onRequest?.(method, url.pathname, this);
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const key = `${method} ${url.pathname}`;
    const failing = this.failNext.get(key) ?? 0;
    if (failing > 0) {
      this.failNext.set(key, failing - 1);
      return send(res, 500, { error: 'injected failure' });
    }
    const refusal = this.refuse.get(key);
    if (refusal !== undefined) return send(res, refusal, { error: `refused with ${refusal}` });
    if (this.options.token && method !== 'GET' && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return send(res, 401, { error: 'missing or wrong bearer token' });
    }
    return this.route(method, url, body, res);
  }

  private route(method: string, url: URL, body: unknown, res: ServerResponse): void {
    const original = this.options.original === true;
    const b = (body ?? {}) as Record<string, unknown>;
    switch (`${method} ${url.pathname}`) {
      case 'GET /api/stream_health': {
        const streams = ['health_data_stream', 'device_info_stream', 'common_event_stream'];
        const doc = original
          ? { healthy: this.healthy, timestamp: now(), streams }
          : { healthy: this.healthy, status: this.healthy ? 'healthy' : this.status, timestamp: now(), streams, service: 'streamctl' };
        return send(res, this.healthy ? 200 : 503, doc);
      }
      case 'GET /api/stream_traffic_ratio':
        return send(res, 200, { current_ratio: this.ratio, description: `${(this.ratio * 100).toFixed(1)}% traffic uses Stream` });
      case 'POST /api/stream_traffic_ratio': {
        const ratio = b.ratio;
        if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
          return send(res, 400, { error: 'ratio must be a number between 0 and 1' });
        }
        const old = this.ratio;
        if (!this.stuckRatio) this.ratio = ratio;
        this.audit.push({ time: new Date().toISOString(), action: 'ratio_set', old, new: ratio, reason: b.reason ?? null, who: 'token', from: '127.0.0.1' });
        return send(res, 200, { success: true, old_ratio: old, new_ratio: ratio, message: `ratio ${old} -> ${ratio}` });
      }
      case 'POST /api/emergency_rollback': {
        if (this.rollbackMode === 'fail') return send(res, 500, { success: false, error: 'rollback exploded' });
        if (this.rollbackMode === 'local') {
          this.ratio = 0;
          return send(res, 500, { success: false, error: 'ratio is 0 on this instance; the shared ratio could not be written (connection refused)', traffic_ratio: 0, local_override: true });
        }
        const old = this.ratio;
        if (this.rollbackMode === 'ok' && !this.stuckRatio) this.ratio = 0;
        this.audit.push({ time: new Date().toISOString(), action: 'rollback', old, new: 0, reason: b.reason ?? null, who: 'token', from: '127.0.0.1' });
        return send(res, 200, {
          success: true, rollback_time: new Date().toISOString(), traffic_ratio: 0, consumers_stopped: false, draining: true,
          current_metrics: this.metricsDoc(false), message: 'rolled back',
        });
      }
      case 'GET /api/stream_metrics': {
        this.metricsReads++;
        return this.sendWithNaN(res, original ? this.cumulativeDoc() : this.metricsDoc(false));
      }
      case 'GET /api/stream_stats':
        return send(res, 200, this.statsDoc(original));
      default:
        if (original) {
          // The original's test hook: its metrics start again from zero (app.py).
          if (method === 'POST' && url.pathname === '/__reset_metrics') return send(res, 200, { success: true, timestamp: this.resetMetrics() });
          return send(res, 404, { error: 'not found' });
        }
        return this.serveOnly(method, url, b, res);
    }
  }

  /**
   * Traffic that reaches the totals without a read (e.g. a burst of errors before a run): the
   * next cumulative read includes it, a reader differencing from an earlier read sees it.
   */
  addTraffic(figures: { stream?: Partial<PathFigures>; traditional?: Partial<PathFigures> }): void {
    this.accumulate(figures);
  }

  /** Totals back to zero (the original's POST /__reset_metrics, or a serve restart with `restart`). */
  resetMetrics(restart = false): number {
    this.totals = { stream: zeroTotals(), traditional: zeroTotals() };
    if (restart) this.startedAtMs = this.clockNow();
    return this.clockNow() / 1000;
  }

  private accumulate(figures: { stream?: Partial<PathFigures>; traditional?: Partial<PathFigures> }): void {
    for (const name of ['stream', 'traditional'] as const) {
      const p = figures[name];
      const t = this.totals[name];
      const requests = p?.requests ?? 0;
      const p95 = p?.p95_response_time ?? 0;
      const p99 = p?.p99_response_time ?? p95 * 1.5;
      // Unrounded, so an interval's error rate reads back exactly as scripted (0.1 % of 500 is 0.5).
      t.errors += (requests * (p?.error_rate ?? 0)) / 100;
      t.requests += requests;
      t.sumMs += requests * (p?.avg_response_time ?? p95 / 2);
      if (p) {
        t.p95 = p95;
        t.p99 = p99;
      }
      // Buckets whose rank rule (ceil(q * n)) gives back exactly the scripted p95 and p99.
      const at95 = Math.min(requests, Math.ceil(0.95 * requests));
      const add = (upper: number, n: number) => n > 0 && t.buckets.set(upper, (t.buckets.get(upper) ?? 0) + n);
      add(p95, at95);
      add(Math.max(p95, p99), requests - at95);
    }
  }

  private sendWithNaN(res: ServerResponse, doc: unknown): void {
    const text = JSON.stringify(doc);
    // As Python's json.dumps writes a float nan: a bare NaN token, which JSON.parse refuses.
    const withNaN = this.nanFields.reduce((t, field) => t.replace(new RegExp(`("${field}":)[^,}\\]]+`, 'g'), '$1NaN'), text);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(withNaN) });
    res.end(withNaN);
  }

  /** serve's counters: the scripted figures of this read added to the totals, one instance. */
  private countersDoc() {
    this.accumulate(this.metrics({ ratio: this.ratio, reads: this.metricsReads }));
    const path = (t: PathTotals) => ({
      requests: t.requests, errors: t.errors,
      latency_ms: { buckets: [...t.buckets].sort((a, b) => a[0] - b[0]).map(([u, c]) => [u === Infinity ? '+Inf' : u, c]), sum_ms: t.sumMs, count: t.requests },
    });
    const now = this.clockNow();
    return {
      format: 'streamctl.counters/v1', timestamp: now / 1000,
      instances: [{ id: this.instanceId, started_at_ms: this.startedAtMs, read_at_ms: now, paths: { stream: path(this.totals.stream), traditional: path(this.totals.traditional) } }],
    };
  }

  /** The original's metrics: cumulative since start (or the last reset), its p95 the latest interval's. */
  private cumulativeDoc() {
    this.accumulate(this.metrics({ ratio: this.ratio, reads: this.metricsReads }));
    const path = (t: PathTotals) => ({
      requests: t.requests, qps: t.requests / 3600, avg_response_time: t.requests === 0 ? 0 : t.sumMs / t.requests,
      p95_response_time: t.p95, error_rate: t.requests === 0 ? 0 : (t.errors / t.requests) * 100, errors: t.errors,
    });
    return { summary: { stream: path(this.totals.stream), traditional: path(this.totals.traditional) }, duration_seconds: 3600, timestamp: this.clockNow() / 1000 };
  }

  private serveOnly(method: string, url: URL, b: Record<string, unknown>, res: ServerResponse): void {
    switch (`${method} ${url.pathname}`) {
      case `GET ${COUNTERS_PATH}`:
        this.metricsReads++;
        return this.sendWithNaN(res, this.countersDoc());
      case 'POST /api/lease': {
        const holder = String(b.holder);
        const ttl = Number(b.ttl_ms ?? 60_000);
        const live = this.lease !== null && this.lease.expiresAt > this.clockNow();
        if (live && this.lease!.holder !== holder) return send(res, 409, { acquired: false, name: b.name, holder: this.lease!.holder, expires_at: new Date(this.lease!.expiresAt).toISOString(), renewed: false });
        // As serve: `renewed` says whether it was still this holder's (lease-store.ts).
        const renewed = live && this.lease!.holder === holder;
        this.lease = { holder, expiresAt: this.clockNow() + ttl };
        return send(res, 200, { acquired: true, name: b.name, holder, expires_at: new Date(this.lease.expiresAt).toISOString(), renewed });
      }
      case 'DELETE /api/lease': {
        const holder = url.searchParams.get('holder');
        if (this.lease && this.lease.holder !== holder) return send(res, 409, { released: false, holder: this.lease.holder });
        this.lease = null;
        return send(res, 200, { released: true });
      }
      case 'GET /api/lease':
        return send(res, 200, this.lease ? { held: true, name: 'cutover', holder: this.lease.holder, expires_at: new Date(this.lease.expiresAt).toISOString() } : { held: false, name: 'cutover' });
      case 'GET /api/audit':
        return send(res, 200, { entries: this.audit.slice(-Number(url.searchParams.get('limit') ?? 20)) });
      case 'GET /api/consistency':
        return this.consistency ? send(res, 200, { ...this.consistency, window: url.searchParams.get('window') }) : send(res, 404, { error: 'not found' });
      default:
        return send(res, 404, { error: 'not found' });
    }
  }

  private metricsDoc(original: boolean) {
    const script = this.metrics({ ratio: this.ratio, reads: this.metricsReads });
    const path = (p: Partial<PathFigures> | undefined) => {
      const requests = p?.requests ?? 0;
      const errorRate = p?.error_rate ?? 0;
      const doc: Record<string, number> = {
        requests, qps: requests / 60, avg_response_time: p?.avg_response_time ?? (p?.p95_response_time ?? 0) / 2,
        p95_response_time: p?.p95_response_time ?? 0, error_rate: errorRate, errors: Math.round((requests * errorRate) / 100),
      };
      if (!original) doc.p99_response_time = p?.p99_response_time ?? (p?.p95_response_time ?? 0) * 1.5;
      return doc;
    };
    const doc: Record<string, unknown> = { summary: { stream: path(script.stream), traditional: path(script.traditional) }, duration_seconds: 3600, timestamp: now() };
    if (!original) doc.window_seconds = 60;
    return doc as { summary: unknown };
  }

  private statsDoc(original: boolean) {
    const stream = (name: string, group: string) => ({
      stream_info: { name, length: 42, groups: 1, first_entry_id: '1-0', last_entry_id: '42-0' },
      config: { consumer_group: group, max_len: 100000, ttl: 604800 },
      ...(original ? {} : { backlog: { lag: 3, pending: 2, oldest_pending_ms: 150, dead_letters: 1, trimmed_unconsumed: 0 } }),
    });
    return {
      stream_stats: {
        manager_stats: { messages_produced: 100, messages_consumed: 97, errors: 0, last_error_time: null },
        streams: { health_data_stream: stream('health_data_stream', 'health_processors'), device_info_stream: stream('device_info_stream', 'device_processors') },
      },
      consumer_stats: {},
      timestamp: now(),
    };
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function send(res: ServerResponse, status: number, doc: unknown): void {
  const text = JSON.stringify(doc);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeService(options: FakeServiceOptions = {}): Promise<FakeService> {
  return new FakeService(options).start();
}
