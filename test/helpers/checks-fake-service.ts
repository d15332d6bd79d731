import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { uploadToRows } from '../../src/runtime/records/to-rows.js';
import { SqliteSink } from '../../src/runtime/sinks/sqlite-sink.js';

export interface FakeServiceFaults {
  /** The v2 path stores heart_rate + 1 for uploads whose reading (the body's `data`) matches. */
  corruptNew?: (reading: Record<string, unknown>) => boolean;
  /** The v2 path answers `accepted` and stores nothing. */
  dropNew?: (reading: Record<string, unknown>) => boolean;
  /** Delay before answering, per endpoint path. */
  delayMs?: (path: string) => number;
}

export interface FakeService {
  url: string;
  /** Server-side latency of every answered request, in ms, measured from the request's first byte. */
  serverLatencies: number[];
  requests: number;
  close(): Promise<void>;
}

/**
 * A small in-process service speaking the spec's ingest contract and writing real rows through the
 * runtime's SqliteSink: `/upload_health_data` as the traditional path (`success`, `optimized`),
 * `/upload_health_data_v2` as the stream path (`accepted`, `stream_v2`), with injectable faults.
 * Health bodies are the original's, `{"data": {...reading...}}`; one without `data` is refused with
 * 400 as serve refuses it, so a client sending flat readings fails here too.
 */
export async function startFakeService(dbPath: string | undefined, faults: FakeServiceFaults = {}): Promise<FakeService> {
  const sink = dbPath ? new SqliteSink(dbPath) : undefined;
  const serverLatencies: number[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      requests++;
      const path = (req.url ?? '/').split('?')[0]!;
      const delay = faults.delayMs?.(path) ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        serverLatencies.push(performance.now() - started);
      };
      if (req.method === 'GET') return answer(200, { healthy: true, timestamp: Date.now() / 1000, streams: [] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as Record<string, unknown> | null;
      // Health readings travel in `data`; device info and events are the body itself.
      const reading = path.startsWith('/upload_health_data') ? body?.data : body;
      if (typeof reading !== 'object' || reading === null || Array.isArray(reading)) return answer(400, { status: 'error', message: 'body has no "data" object' });
      const upload = reading as Record<string, unknown>;
      const v2 = path.endsWith('_v2');
      if (!sink) return answer(200, v2 ? { status: 'accepted', stream_id: '0-1' } : { status: 'success' });
      if (v2 && faults.dropNew?.(upload)) return answer(200, { status: 'accepted', stream_id: '0-1', processing: 'async' });
      const stored = v2 && faults.corruptNew?.(upload) ? { ...upload, heart_rate: Number(upload.heart_rate) + 1 } : upload;
      await sink.write(uploadToRows('health_data', stored, { ingestKey: randomUUID(), acceptedAtMs: Date.now(), uploadMethod: v2 ? 'stream_v2' : 'optimized' }));
      answer(200, v2 ? { status: 'accepted', stream_id: `${Date.now()}-0`, processing: 'async' } : { status: 'success', message: 'ok' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serverLatencies,
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sink?.close();
    },
  };
}
