import { UnreachableError, UsageError } from '../shared/errors.js';
import { AdminApiError, bodyError } from './admin-api-errors.js';
import type { HttpJson, JsonReply } from './http-json.js';

/** The dead-letter endpoints of `streamctl serve` (`/api/dlq*`), over the shared JSON helper. */

export interface DeadLetterSummary {
  id: string;
  original_id: string | null;
  reason: string | null;
  deliveries: number | null;
  consumer: string | null;
  failed_at: string | null;
  device_sn: string | null;
  message_type: string | null;
  uuid: string | null;
  payload: string | null;
  payload_truncated?: boolean;
}

export interface DlqOverview {
  streams: Record<string, { dead_letter_stream: string; dead_letters: number; oldest: DeadLetterSummary | null }>;
}

export interface DlqPage {
  stream: string;
  dead_letter_stream: string;
  dead_letters: number;
  entries: DeadLetterSummary[];
  next: string | null;
}

export interface DeadLetterDetail extends DeadLetterSummary {
  stream: string;
  dead_letter_stream: string;
  group: string | null;
  accepted_at: string | null;
  original_source: 'dead_letter' | 'stream' | null;
  original_fields: Record<string, string> | null;
  envelope: unknown;
  payload_error: string | null;
  fields: Record<string, string>;
}

export interface ReplayRequest {
  stream: string;
  ids?: string[];
  all?: true;
  patch?: Record<string, unknown>;
  payload?: unknown;
  reason?: string;
}

export interface ReplayReply {
  stream: string;
  replayed: number;
  failed: Array<{ id: string; error: string }>;
  requeued: Array<{ id: string; original_id: string | null; stream_id: string }>;
}

export interface PurgeRequest {
  stream: string;
  ids?: string[];
  all?: true;
  reason: string;
}

export interface PurgeReply {
  stream: string;
  purged: number;
  dead_letters: number;
  not_found?: number;
}

/** Replaying or purging thousands of entries takes longer than a read. */
const WRITE_TIMEOUT_MS = 120_000;

export class DlqClient {
  constructor(private readonly http: HttpJson) {}

  overview(): Promise<DlqOverview> {
    return this.get<DlqOverview>('/api/dlq');
  }

  page(stream: string, count: number, after?: string): Promise<DlqPage> {
    const query = new URLSearchParams({ stream, count: String(count), ...(after ? { after } : {}) });
    return this.get<DlqPage>(`/api/dlq?${query}`);
  }

  entry(stream: string, id: string): Promise<DeadLetterDetail> {
    return this.get<DeadLetterDetail>(`/api/dlq/entry?${new URLSearchParams({ stream, id })}`);
  }

  async replay(request: ReplayRequest, timeoutMs?: number): Promise<ReplayReply> {
    const reply = await this.http.call('POST', '/api/dlq/replay', request, Math.max(timeoutMs ?? 0, WRITE_TIMEOUT_MS));
    return this.expect<ReplayReply>(reply, 'POST', '/api/dlq/replay', (b) => typeof b.replayed === 'number' && Array.isArray(b.failed));
  }

  async purge(request: PurgeRequest, timeoutMs?: number): Promise<PurgeReply> {
    const reply = await this.http.call('POST', '/api/dlq/purge', request, Math.max(timeoutMs ?? 0, WRITE_TIMEOUT_MS));
    return this.expect<PurgeReply>(reply, 'POST', '/api/dlq/purge', (b) => typeof b.purged === 'number');
  }

  private async get<T>(path: string): Promise<T> {
    const reply = await this.http.call('GET', path);
    return this.expect<T>(reply, 'GET', path.split('?')[0]!, (b) => typeof b === 'object');
  }

  /**
   * 400 and a missing dead letter are the caller's input (exit 64, nothing changed); a target
   * without these endpoints, or any other answer, means the job could not be done (exit 2).
   */
  private expect<T>(reply: JsonReply, method: string, path: string, shape: (body: Record<string, unknown>) => boolean): T {
    const body = reply.body;
    const error = bodyError(body);
    if (reply.status === 400) throw new UsageError(`${method} ${path}: ${error}`, 'nothing was changed');
    if (reply.status === 404 && body && typeof body === 'object' && 'id' in body) throw new UsageError(error, 'list them with `streamctl dlq list --stream <stream>`');
    if (reply.status === 404 || reply.status === 405) {
      throw new AdminApiError(`${this.http.target} has no dead-letter API (${method} ${path} answered ${reply.status})`, reply.status, body, 'dead letters are a `streamctl serve` feature; is --target the right service?');
    }
    if (reply.status === 503) throw new UnreachableError(`${method} ${path}: ${error}`, 'nothing was changed; retry later');
    if (reply.status !== 200 || !body || typeof body !== 'object' || !shape(body as Record<string, unknown>)) {
      throw new AdminApiError(`${method} ${path} answered ${reply.status}: ${error}`, reply.status, body);
    }
    return body as T;
  }
}
