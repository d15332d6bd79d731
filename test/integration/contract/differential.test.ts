import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCompatibilityRow, readCompatibilityTable, type CompatibilityRow } from '../../helpers/compatibility-table.js';
import { startOriginalService, type OriginalService } from '../../helpers/original-service.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';
import { contractDifferences, describeAnswer, type Answer } from '../../helpers/shape-diff.js';
import { CONTRACT_CASES, type ContractCase } from './cases.js';

const TABLE_PATH = resolve(new URL('../../..', import.meta.url).pathname, 'docs/compatibility.md');

async function send(baseUrl: string, testCase: ContractCase): Promise<Answer> {
  const hasBody = testCase.body !== undefined;
  const headers = testCase.headers ?? (hasBody ? { 'content-type': 'application/json' } : {});
  const body = !hasBody ? undefined : typeof testCase.body === 'string' || Buffer.isBuffer(testCase.body) ? testCase.body : JSON.stringify(testCase.body);
  const response = await fetch(baseUrl + testCase.path, { method: testCase.method, headers, body, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

async function healthConsumerCaughtUp(baseUrl: string): Promise<boolean> {
  const stats = (await (await fetch(`${baseUrl}/api/stream_stats`, { signal: AbortSignal.timeout(5_000) })).json()) as { consumer_stats: Record<string, { processed_messages?: number }> };
  return Object.values(stats.consumer_stats).some((consumer) => (consumer.processed_messages ?? 0) > 0);
}

function requestText(testCase: ContractCase): string {
  const shown = Buffer.isBuffer(testCase.body) ? testCase.body.toString('utf8') : testCase.body;
  const body = shown === undefined ? '' : ` ${typeof shown === 'string' ? shown || "''" : JSON.stringify(shown)}`;
  const text = `${testCase.method} ${testCase.path}${body}`;
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

describe('the same requests to the original service and to streamctl serve', () => {
  let original: OriginalService;
  let ours: TestService;
  const observed: { testCase: ContractCase; original: Answer; ours: Answer; differences: string[] }[] = [];

  beforeAll(async () => {
    original = await startOriginalService({ ratio: 0.1 });
    ours = await startTestService({ ratio: 0.1 });
    for (const testCase of CONTRACT_CASES) {
      // Per-consumer keys such as messages_per_second appear once a consumer has processed something.
      if (testCase.id === 'stats') await Promise.all([original.url, ours.url].map((url) => eventually(() => healthConsumerCaughtUp(url), { timeoutMs: 30_000 })));
      const fromOriginal = await send(original.url, testCase);
      const fromOurs = await send(ours.url, testCase);
      observed.push({ testCase, original: fromOriginal, ours: fromOurs, differences: contractDifferences(fromOriginal, fromOurs) });
    }
  }, 120_000);

  afterAll(async () => {
    await ours?.cleanup();
    await original?.cleanup();
  });

  it('covers every endpoint with at least 40 requests', () => {
    expect(CONTRACT_CASES.length).toBeGreaterThanOrEqual(40);
    const paths = new Set(CONTRACT_CASES.map((c) => c.path));
    for (const path of ['/upload_health_data_v2', '/upload_health_data', '/upload_device_info_v2', '/upload_common_event_v2', '/api/stream_traffic_ratio', '/api/stream_metrics', '/api/stream_stats', '/api/stream_health', '/api/emergency_rollback']) {
      expect(paths, path).toContain(path);
    }
  });

  it('differs from the original only as docs/compatibility.md says, and the table lists nothing else', () => {
    const table = readCompatibilityTable(TABLE_PATH);
    const wrong: string[] = [];
    const expectedRows: CompatibilityRow[] = [];
    for (const { testCase, original: a, ours: b, differences } of observed) {
      const row = table.get(testCase.id);
      const computed: CompatibilityRow = {
        id: testCase.id,
        request: requestText(testCase),
        original: describeAnswer(a),
        streamctl: describeAnswer(b),
        difference: differences.join('; '),
        why: row?.why ?? 'TODO: why streamctl differs',
      };
      if (differences.length > 0) expectedRows.push(computed);
      if (differences.length === 0 && row) wrong.push(`${testCase.id}: listed, but both answer alike (${describeAnswer(a)})`);
      if (differences.length > 0 && !row) wrong.push(`${testCase.id}: not listed; differences: ${computed.difference}`);
      if (row && differences.length > 0) {
        for (const field of ['original', 'streamctl', 'difference'] as const) {
          if (row[field] !== computed[field]) wrong.push(`${testCase.id}: the table's ${field} says "${row[field]}", observed "${computed[field]}"`);
        }
        if (!row.why || row.why.startsWith('TODO')) wrong.push(`${testCase.id}: no reason given`);
      }
    }
    for (const id of table.keys()) {
      if (!CONTRACT_CASES.some((c) => c.id === id)) wrong.push(`${id}: listed, but no such case`);
    }
    if (wrong.length > 0) {
      const file = join(tmpdir(), 'streamctl-compatibility-rows.md');
      writeFileSync(file, expectedRows.map(formatCompatibilityRow).join('\n') + '\n');
      expect.fail(`${wrong.join('\n')}\n(the rows as observed are in ${file})`);
    }
  });

  it('answers the original clients\' health uploads as the original does', () => {
    for (const id of ['health-v2-single', 'health-v2-list', 'health-v2-guide-example', 'health-v2-validation-tool', 'legacy-batch-single', 'legacy-batch-list', 'legacy-stream-single', 'legacy-stream-list']) {
      const entry = observed.find((o) => o.testCase.id === id)!;
      expect(entry.ours.status, id).toBe(200);
      expect(entry.original.status, id).toBe(200);
      expect((entry.ours.json as { status: string }).status, id).toBe((entry.original.json as { status: string }).status);
    }
  });
});
