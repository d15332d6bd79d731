import { Pool, errors } from 'undici';
import { runLoadWith, type LoadClient, type LoadOptions } from '../load/engine.js';
import type { LoadReport } from '../load/report.js';

export interface HttpLoadOptions extends LoadOptions {
  /** Pool size: sockets to the target (default 64). */
  connections?: number;
  token?: string;
  /** Per-request timeout (default 30 s); a timeout counts as an error named `timeout`. */
  timeoutMs?: number;
}

function errorCode(error: unknown): string {
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) return 'timeout';
  const code = (error as { code?: string })?.code;
  return code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect_timeout' : code ?? 'network_error';
}

/** Sends through one undici Pool; requests beyond its sockets queue inside undici (and that wait is measured). */
export function poolClient(pool: Pool, token?: string): LoadClient {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return {
    async send(path, body) {
      try {
        const response = await pool.request({ path, method: 'POST', body, headers });
        await response.body.dump();
        return { status: response.statusCode };
      } catch (error) {
        return { error: errorCode(error) };
      }
    },
  };
}

/**
 * Open-loop load against a service, for `streamctl load` and for a scenario step's `load:`.
 * Resolves with the report when the duration is over and every request has answered or timed
 * out; aborting the signal stops releasing requests and reports what was sent.
 */
export async function runLoad(options: HttpLoadOptions, signal?: AbortSignal): Promise<LoadReport> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pool = new Pool(options.target, { connections: options.connections ?? 64, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000), keepAliveTimeout: 10_000 });
  try {
    return await runLoadWith(poolClient(pool, options.token), options, signal);
  } finally {
    await pool.close().catch(() => {});
  }
}
