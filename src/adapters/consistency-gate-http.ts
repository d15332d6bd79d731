import type { ConsistencyGate, ConsistencyResult } from '../ports/consistency-gate.js';
import { readConsistencyReply } from './consistency-reply.js';
import type { HttpJson } from './http-json.js';

/**
 * `GET /api/consistency?window=1h&grace=2m` on the target: streamctl serve's document or the
 * original service's (its harness ignores the query); 404 = skipped. The reading is in
 * consistency-reply.ts.
 */
export class HttpConsistencyGate implements ConsistencyGate {
  constructor(private readonly http: HttpJson, private readonly query = 'window=1h&grace=2m') {}

  async run(): Promise<ConsistencyResult> {
    // The check scans an hour of rows: give it longer than an ordinary admin call.
    const reply = await this.http.call('GET', `/api/consistency?${this.query}`, undefined, 60_000);
    return readConsistencyReply(reply.status, reply.body);
  }
}
