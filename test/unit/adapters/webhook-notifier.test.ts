import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../../src/adapters/webhook-notifier.js';

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

describe('webhook notifier', () => {
  it('POSTs subscribed events as JSON and retries 5xx', async () => {
    const hook = await receiver([503, 200]);
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['breach', 'done'], timeoutMs: 2_000, retries: 2, headers: { 'x-team': 'sre' } }], { sleep: async () => {} });
    notifier.notify({ kind: 'start', runId: 'r', at: 't' });
    notifier.notify({ kind: 'breach', runId: 'r', at: 't', check: 'error_rate' });
    await notifier.flush();
    expect(hook.bodies).toEqual([
      { event: 'breach', kind: 'breach', runId: 'r', at: 't', check: 'error_rate' },
      { event: 'breach', kind: 'breach', runId: 'r', at: 't', check: 'error_rate' },
    ]);
  });

  it('reports a failure after its retries instead of throwing', async () => {
    const hook = await receiver([500, 500, 500]);
    const failures: string[] = [];
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['done'], timeoutMs: 2_000, retries: 2, headers: {} }], {
      sleep: async () => {},
      onFailure: (url, kind, message) => failures.push(`${kind} ${message}`),
    });
    notifier.notify({ kind: 'done', runId: 'r', at: 't' });
    await notifier.flush();
    expect(hook.bodies).toHaveLength(3);
    expect(failures).toEqual(['done answered 500']);
  });
});
