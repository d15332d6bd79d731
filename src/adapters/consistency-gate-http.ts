import type { ConsistencyGate, ConsistencyResult, ConsistencyVerdict } from '../ports/consistency-gate.js';
import { bodyError } from './admin-api-errors.js';
import type { HttpJson } from './http-json.js';

const VERDICTS: ReadonlySet<string> = new Set(['consistent', 'inconclusive', 'inconsistent', 'error']);

/** `GET /api/consistency?window=1h&grace=2m` on streamctl serve; 404 (original service) = skipped. */
export class HttpConsistencyGate implements ConsistencyGate {
  constructor(private readonly http: HttpJson, private readonly query = 'window=1h&grace=2m') {}

  async run(): Promise<ConsistencyResult> {
    // The check scans an hour of rows: give it longer than an ordinary admin call.
    const reply = await this.http.call('GET', `/api/consistency?${this.query}`, undefined, 60_000);
    if (reply.status === 404) return { verdict: 'skipped', summary: 'the target has no /api/consistency (not streamctl serve)' };
    const body = (reply.body ?? {}) as { verdict?: unknown; summary?: unknown; checks?: unknown };
    if (typeof body.verdict === 'string' && VERDICTS.has(body.verdict)) {
      return { verdict: body.verdict as ConsistencyVerdict, summary: typeof body.summary === 'string' ? body.summary : describeDocument(body) };
    }
    return { verdict: 'error', summary: `GET /api/consistency answered ${reply.status}: ${bodyError(reply.body)}` };
  }
}

interface CheckLine {
  status?: unknown;
  message?: unknown;
  kind?: unknown;
}

/** A `streamctl.consistency/v1` document in one line: the counts, then what failed first. */
function describeDocument(body: { summary?: unknown; checks?: unknown }): string {
  const counts = (body.summary ?? {}) as Record<string, unknown>;
  const parts = ['fail', 'inconclusive', 'warn', 'ok']
    .filter((key) => typeof counts[key] === 'number' && (counts[key] as number) > 0)
    .map((key) => `${counts[key]} ${key}`);
  const checks = Array.isArray(body.checks) ? (body.checks as CheckLine[]) : [];
  const first = checks.find((c) => c.status === 'fail') ?? checks.find((c) => c.status === 'inconclusive');
  const detail = first && typeof first.message === 'string' ? `: ${typeof first.kind === 'string' ? `${first.kind} ` : ''}${first.message}` : '';
  return parts.length > 0 ? `${parts.join(', ')}${detail}` : '';
}
