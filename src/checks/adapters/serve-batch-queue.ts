import { request } from 'undici';
import type { BatchQueueFacts } from '../consistency/batch-queue.js';

/**
 * serve's batch queue from GET <target>/api/stream_health: `traditional_queue.queued` plus
 * `writing` (records), `flush_interval_ms` and `oldest_accepted_at` (RFC 3339). serve answers 200 healthy and 503 degraded with the
 * same body, so both are read. Null when the target is not reachable within `timeoutMs` or has no
 * `traditional_queue` (the original service): the check then counts no queue, as before. Never throws.
 */
export async function readServeBatchQueue(target: string, token?: string, timeoutMs = 5_000): Promise<BatchQueueFacts | null> {
  try {
    const response = await request(`${target.replace(/\/+$/, '')}/api/stream_health`, {
      method: 'GET',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = (await response.body.json()) as { traditional_queue?: { queued?: unknown; writing?: unknown; flush_interval_ms?: unknown; oldest_accepted_at?: unknown } };
    const queue = body?.traditional_queue;
    if (typeof queue?.queued !== 'number' || !Number.isFinite(queue.queued)) return null;
    const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
    const oldest = typeof queue.oldest_accepted_at === 'string' ? Date.parse(queue.oldest_accepted_at) : NaN;
    return {
      queued: queue.queued + (number(queue.writing) ?? 0),
      flushIntervalMs: number(queue.flush_interval_ms),
      oldestAcceptedAtMs: Number.isFinite(oldest) ? oldest : null,
    };
  } catch {
    return null;
  }
}
