import { Pool, errors } from 'undici';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import type { SideOutcome } from '../validate/classify.js';
import type { UploadSender } from '../validate/run.js';

/** Success per spec §2: the legacy endpoint says `success` (or `accepted` when routed to the stream path), v2 says `accepted`. */
const SUCCESS_ANSWERS = new Set(['success', 'accepted']);

function isTimeout(error: unknown): boolean {
  return error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError || (error as { code?: string })?.code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** Sends validate's uploads over one undici pool; never throws from send(): every outcome is data. */
export class HttpUploadSender implements UploadSender {
  private readonly pool: Pool;

  constructor(
    private readonly target: string,
    connections: number,
    timeoutMs: number,
    private readonly token?: string,
  ) {
    this.pool = new Pool(target, { connections, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 5_000) });
  }

  async probe(): Promise<void> {
    try {
      const response = await this.pool.request({ path: '/api/stream_health', method: 'GET', headers: this.headers() });
      await response.body.dump();
    } catch (error) {
      throw new UnreachableError(`cannot reach ${this.target}: ${errorMessage(error)}`, 'nothing was sent; check --target (STREAMCTL_TARGET)');
    }
  }

  private headers(): Record<string, string> {
    return { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  async send(path: string, body: string): Promise<SideOutcome> {
    const started = performance.now();
    try {
      const response = await this.pool.request({ path, method: 'POST', body, headers: this.headers() });
      const text = await response.body.text();
      const latencyMs = performance.now() - started;
      let answer: string | undefined;
      try {
        const parsed = JSON.parse(text) as { status?: unknown };
        if (typeof parsed.status === 'string') answer = parsed.status;
      } catch {
        answer = undefined;
      }
      const ok = response.statusCode === 200 && answer !== undefined && SUCCESS_ANSWERS.has(answer);
      const header: unknown = response.headers['x-streamctl-path'];
      const taken = header === 'stream' || header === 'traditional' ? header : undefined;
      return { result: ok ? 'ok' : 'rejected', status: response.statusCode, ...(answer ? { answer } : {}), ...(taken ? { path: taken } : {}), latencyMs };
    } catch (error) {
      const latencyMs = performance.now() - started;
      if (isTimeout(error)) return { result: 'timeout', latencyMs, error: errorMessage(error) };
      return { result: 'network_error', latencyMs, error: (error as { code?: string }).code ?? errorMessage(error) };
    }
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => {});
  }
}
