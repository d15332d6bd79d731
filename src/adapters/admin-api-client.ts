import type { AdminInfo, AuditEntry, StreamStats } from '../ports/admin-info.js';
import type { CountersReading, MetricsSnapshot, MetricsSource } from '../ports/metrics-source.js';
import type { HealthReport, RatioChange, RollbackReply, TrafficControl } from '../ports/traffic-control.js';
import { AdminApiError, bodyError } from './admin-api-errors.js';
import { parseAudit, parseHealth, parseMetrics, parseRatio, parseRollback, parseSetRatio, parseStreamStats } from './admin-api-parse.js';
import { COUNTERS_PATH, parseCounters } from './counters-parse.js';
import { expectStatus, HttpJson, type HttpJsonOptions } from './http-json.js';

// The original's rollback sleeps 5 s before it answers (spec §4); allow three times that.
const ROLLBACK_TIMEOUT_MS = 15_000;

/** The admin API of spec §3-4 (plus what streamctl serve adds), over undici. */
export class AdminApiClient implements TrafficControl, MetricsSource, AdminInfo {
  readonly http: HttpJson;

  constructor(options: HttpJsonOptions) {
    this.http = new HttpJson(options);
  }

  get target(): string {
    return this.http.target;
  }

  async health(): Promise<HealthReport> {
    // 503 carries a valid body (`healthy: false`): both are answers, not failures.
    const reply = await this.http.call('GET', '/api/stream_health');
    expectStatus(reply, 'GET', '/api/stream_health', [200, 503]);
    return parseHealth(reply.body, reply.status);
  }

  async getRatio(): Promise<number> {
    const reply = await this.http.call('GET', '/api/stream_traffic_ratio');
    expectStatus(reply, 'GET', '/api/stream_traffic_ratio');
    return parseRatio(reply.body, reply.status);
  }

  async setRatio(ratio: number, reason?: string): Promise<RatioChange> {
    // `reason` lands in the serve audit log; the original ignores unknown fields.
    const reply = await this.http.call('POST', '/api/stream_traffic_ratio', reason ? { ratio, reason } : { ratio });
    expectStatus(reply, 'POST', '/api/stream_traffic_ratio');
    return parseSetRatio(reply.body, reply.status);
  }

  async emergencyRollback(reason?: string): Promise<RollbackReply> {
    const body = { reason: reason ?? 'streamctl rollback', drain: true };
    const reply = await this.http.call('POST', '/api/emergency_rollback', body, ROLLBACK_TIMEOUT_MS);
    if (reply.status === 500 && reply.body && typeof reply.body === 'object') return parseRollback(reply.body, reply.status);
    expectStatus(reply, 'POST', '/api/emergency_rollback');
    return parseRollback(reply.body, reply.status);
  }

  async read(): Promise<MetricsSnapshot> {
    const reply = await this.http.call('GET', '/api/stream_metrics');
    expectStatus(reply, 'GET', '/api/stream_metrics');
    return parseMetrics(reply.body, reply.status);
  }

  /** streamctl serve's cumulative counters per instance; null on a target without them (404: the original). */
  async readCounters(): Promise<CountersReading | null> {
    const reply = await this.http.call('GET', COUNTERS_PATH);
    if (reply.status === 404) return null;
    expectStatus(reply, 'GET', COUNTERS_PATH);
    return parseCounters(reply.body, reply.status);
  }

  async streamStats(): Promise<StreamStats> {
    const reply = await this.http.call('GET', '/api/stream_stats');
    expectStatus(reply, 'GET', '/api/stream_stats');
    return parseStreamStats(reply.body, reply.status);
  }

  async audit(limit: number): Promise<AuditEntry[] | null> {
    const reply = await this.http.call('GET', `/api/audit?limit=${limit}`);
    if (reply.status === 404) return null;
    expectStatus(reply, 'GET', '/api/audit');
    return parseAudit(reply.body, reply.status);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export { AdminApiError, bodyError };
