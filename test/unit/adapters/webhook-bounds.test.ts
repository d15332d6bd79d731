import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryBoundMs, WebhookNotifier } from '../../../src/adapters/webhook-notifier.js';

const servers: Array<ReturnType<typeof createServer>> = [];
const responses: ServerResponse[] = [];
afterEach(async () => {
  for (const r of responses.splice(0)) r.destroy();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A receiver that answers its headers at once, then one byte every `everyMs`, forever. */
async function trickler(everyMs: number): Promise<{ url: string; server: ReturnType<typeof createServer>; requests: number }> {
  const state = { url: '', server: createServer(), requests: 0 };
  state.server.on('request', (req, res) => {
    state.requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    responses.push(res);
    const timer = setInterval(() => res.write('.'), everyMs);
    res.on('close', () => clearInterval(timer));
  });
  servers.push(state.server);
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/hook`;
  return state;
}

async function openConnections(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

describe('webhook deliveries are bounded end to end (issue 18)', () => {
  it('gives up on a receiver that answers headers then trickles its body, within timeout x attempts', async () => {
    // One byte every 100 ms keeps undici's between-bytes body timeout (300 ms) from ever firing.
    const hook = await trickler(100);
    const failures: string[] = [];
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['done'], timeoutMs: 300, retries: 1, headers: {} }], {
      backoffMs: 10,
      onFailure: (_url, kind, message) => failures.push(`${kind}: ${message}`),
    });
    const started = Date.now();
    notifier.notify({ kind: 'done', runId: 'r', at: 't' });
    await notifier.flush();
    const took = Date.now() - started;
    expect(took).toBeLessThan(deliveryBoundMs({ timeoutMs: 300, retries: 1 }, 10) + 500);
    expect(hook.requests).toBe(2);
    expect(failures).toEqual(['done: no complete answer within 300 ms']);
    await notifier.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await openConnections(hook.server)).toBe(0);
  }, 10_000);

  it('flush(withinMs) cancels what is still going at the deadline', async () => {
    const hook = await trickler(100);
    const failures: string[] = [];
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['done'], timeoutMs: 30_000, retries: 3, headers: {} }], {
      onFailure: (_url, _kind, message) => failures.push(message),
    });
    notifier.notify({ kind: 'done', runId: 'r', at: 't' });
    const started = Date.now();
    await notifier.flush(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/cancelled/);
    expect(hook.requests).toBe(1);
    await notifier.close();
  });

  it('reports a failed call with its URL and message redacted, yet sends the secrets', async () => {
    const seen: Array<{ url: string | undefined; authorization: string | undefined }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      req.resume();
      res.writeHead(500).end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=tok-secret-1`;
    const failures: string[] = [];
    const notifier = new WebhookNotifier([{ url, events: ['done'], timeoutMs: 1_000, retries: 0, headers: { Authorization: 'Bearer hdr-secret-2' } }], {
      onFailure: (u, kind, message) => failures.push(`${kind} to ${u}: ${message}`),
    });
    notifier.notify({ kind: 'done', runId: 'r', at: 't' });
    await notifier.flush();
    await notifier.close();
    expect(seen).toEqual([{ url: '/hook?token=tok-secret-1', authorization: 'Bearer hdr-secret-2' }]);
    expect(failures).toEqual([`done to ${url.replace('tok-secret-1', '***')}: answered 500`]);
  });
});
