import { hostname, userInfo } from 'node:os';
import JSON5 from 'json5';
import { Agent, request, type Dispatcher } from 'undici';
import { UnreachableError, UsageError } from '../shared/errors.js';
import { redactUrl } from '../shared/redact.js';
import { AdminApiError, bodyError } from './admin-api-errors.js';

/** Who is acting, for the service's audit stream: `<user>@<host>` of whoever runs the CLI. */
const ACTOR = `${safeUser()}@${hostname()}`;

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export interface HttpJsonOptions {
  target: string;
  token?: string;
  /** Per request: connect, headers and body each (5 s: the admin API answers from memory). */
  timeoutMs?: number;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

/** Validates `--target`: an http(s) URL without query or fragment. */
export function normaliseTarget(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`--target: "${redactUrl(target)}" is not a URL`, 'e.g. --target http://127.0.0.1:5225 (or STREAMCTL_TARGET)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--target: "${redactUrl(target)}" must be http:// or https://`);
  // The origin and path only: credentials and a query never reach a request, a journal or a lock file name.
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** Small JSON-over-HTTP helper: bearer token, timeouts, and every network failure as UnreachableError. */
export class HttpJson {
  readonly target: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpJsonOptions) {
    this.target = normaliseTarget(options.target);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.agent = new Agent({ connect: { timeout: this.timeoutMs }, keepAliveTimeout: 2_000 });
  }

  async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<JsonReply> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-streamctl-actor': ACTOR, 'user-agent': 'streamctl' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.target + path, {
        method, headers, dispatcher: this.agent,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
    } catch (error) {
      throw unreachable(this.target, method, path, error);
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw unreachable(this.target, method, path, error);
    }
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      // Python's json.dumps writes NaN and Infinity for floats that are not numbers (the original
      // service is Python): read them as such, and let each parser judge the field; anything else
      // is left as text and reported as a non-JSON answer with its status.
      try {
        parsed = JSON5.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (response.statusCode === 401 || response.statusCode === 403) {
      throw new AdminApiError(
        `${method} ${path}: the target refused the request (${response.statusCode}): ${bodyError(parsed)}`,
        response.statusCode, parsed, 'pass the admin token with --token or STREAMCTL_TOKEN',
      );
    }
    return { status: response.statusCode, body: parsed };
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

function unreachable(target: string, method: string, path: string, error: unknown): UnreachableError {
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const what = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timed out' : (code ?? e.message ?? 'failed');
  return new UnreachableError(`cannot reach ${target} (${method} ${path}: ${what})`, 'is the service running? check --target or STREAMCTL_TARGET');
}

/** Throws AdminApiError unless the status is one of `ok`. */
export function expectStatus(reply: JsonReply, method: string, path: string, ok: number[] = [200]): void {
  if (!ok.includes(reply.status)) {
    throw new AdminApiError(`${method} ${path} answered ${reply.status}: ${bodyError(reply.body)}`, reply.status, reply.body);
  }
}
