/**
 * The benchmark's yardstick: a bare `node:http` server that does the least an ingest endpoint
 * must do (read the body, JSON.parse it, find the serial in its `data` member as the original's
 * health upload carries it, answer the same JSON shape as streamctl's stream path) and nothing
 * else. Run as its own process so its CPU and RSS are measured like serve's:
 *   node dist/bench/bare-server.js --port 0
 * prints `bare server listening on http://127.0.0.1:<port>` when ready.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function createBareServer(): Server {
  let sequence = 0;
  return createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let status = 200;
      let body: unknown;
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown } | null;
        const data = typeof parsed === 'object' && parsed !== null ? parsed.data : undefined;
        const first = (Array.isArray(data) ? data[0] : data) as { deviceSn?: unknown } | null | undefined;
        if (typeof first !== 'object' || first === null || first.deviceSn === undefined) throw new Error('no data.deviceSn');
        body = { status: 'accepted', stream_id: `${Date.now()}-${sequence++}`, message: 'Health data accepted for processing', processing: 'async' };
      } catch (error) {
        status = 400;
        body = { status: 'error', message: (error as Error).message };
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
}

function main(argv: string[]): void {
  const at = argv.indexOf('--port');
  const port = at >= 0 ? Number(argv[at + 1]) : 0;
  const server = createBareServer();
  // Node's default listen backlog (511), as serve has: the yardstick differs only in what it does per request.
  server.listen({ port, host: '127.0.0.1' }, () => {
    process.stdout.write(`bare server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main(process.argv);
