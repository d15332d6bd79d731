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
    const body = (reply.body ?? {}) as { verdict?: unknown; summary?: unknown };
    if (typeof body.verdict === 'string' && VERDICTS.has(body.verdict)) {
      return { verdict: body.verdict as ConsistencyVerdict, summary: typeof body.summary === 'string' ? body.summary : '' };
    }
    return { verdict: 'error', summary: `GET /api/consistency answered ${reply.status}: ${bodyError(reply.body)}` };
  }
}
