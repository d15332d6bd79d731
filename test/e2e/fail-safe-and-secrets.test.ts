import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FakeService, isMetricsRead } from '../helpers/fake-service.js';

/**
 * Issue 18 with the built binary: a controller whose journal's disk fails mid-run still rolls
 * back; no webhook receiver keeps the process alive; no secret reaches a file or an output.
 */
let dir: string;
let service: FakeService;
const servers: Server[] = [];
const responses: ServerResponse[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-failsafe-'));
});
afterEach(async () => {
  await service?.stop();
  for (const r of responses.splice(0)) r.destroy();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const runsDir = () => join(dir, 'data', 'runs');
const journalFile = () => join(runsDir(), readdirSync(runsDir()).find((n) => n.endsWith('.jsonl'))!);

describe('the journal fails mid-run', () => {
  it('with the journal made unwritable during a breaching step, the run still rolls back and the ratio reads 0', async () => {
    service = await new FakeService().start();
    service.metrics = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.5 ? 4.5 : 0.2, p95_response_time: 30 } });
    // The first sample's metrics read: the journal file is swapped for a directory of the same
    // name, a real write failure (EISDIR) that root cannot write through, unlike chmod 0500.
    service.onRequest = (method, path, s) => {
      // Called before the read is counted: 1 read so far (the baseline right after the ratio change).
      if (isMetricsRead(method, path) && s.metricsReads === 1) {
        const file = journalFile();
        renameSync(file, `${file}.before-fault`);
        mkdirSync(file);
      }
    };
    const result = await runCli(['cutover', '--target', service.url, '--data-dir', join(dir, 'data'), '--steps', '0.5', '--observe', '3s', '--interval', '1s', '--skip-precheck', '--yes'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(service.ratio).toBe(0);
    expect(service.calls('POST', '/api/emergency_rollback')).toHaveLength(1);
    expect(result.stderr).toMatch(/JOURNAL NOT WRITTEN: cannot write the journal .*EISDIR/);
    expect(result.stderr).toMatch(/rolled back, ratio verified 0; THE JOURNAL COULD NOT BE WRITTEN/);
    expect(service.lease).toBeNull();
  });
});

describe('webhooks never keep the process alive', () => {
  it('exits once the run has ended although the receiver trickles its answer one byte per second', async () => {
    const url = await listen(createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      responses.push(res);
      const timer = setInterval(() => res.write('.'), 1_000);
      res.on('close', () => clearInterval(timer));
    }));
    service = await new FakeService().start();
    const scenario = join(dir, 'hooked.yaml');
    writeFileSync(scenario, `name: hooked\nprecheck: false\nobserve: 2s\ninterval: 1s\nwebhooks:\n  - url: ${url}/hook\n    timeout: 2s\n    retries: 1\nsteps:\n  - ratio: 0.3\n`);
    const started = Date.now();
    const result = await runCli(['run', scenario, '--target', service.url, '--data-dir', join(dir, 'data'), '--yes'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/cutover completed/);
    // 2 s of observation, then at most one delivery's bound (2 x 2 s + 0.5 s backoff) for the webhooks.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stderr).toMatch(/warning: webhook \w+ to http:\/\/127\.0\.0\.1:\d+\/hook failed: no complete answer within 2000 ms/);
  }, 40_000);
});

describe('no secret is written where it should not be', () => {
  const HEADER_SECRET = 'hdr-s3cr3t-4242';
  const QUERY_SECRET = 'qry-s3cr3t-4343';

  it('greps every output of a run, its journal and its lock file for the webhook secrets', async () => {
    const received: Array<{ url: string | undefined; authorization: string | undefined }> = [];
    const hookUrl = await listen(createServer((req, res) => {
      received.push({ url: req.url, authorization: req.headers.authorization });
      req.resume();
      res.writeHead(500).end('nope');
    }));
    // The original service has no lease endpoint: the run takes a lock file in the data dir.
    service = await new FakeService({ original: true }).start();
    const lockFiles: Array<{ text: string; mode: number }> = [];
    service.onRequest = (method, path) => {
      const locks = join(dir, 'data', 'locks');
      if (method === 'GET' && path === '/api/stream_metrics') {
        for (const name of readdirSync(locks).filter((n) => n.endsWith('.lock'))) {
          try {
            lockFiles.push({ text: readFileSync(join(locks, name), 'utf8'), mode: statSync(join(locks, name)).mode & 0o777 });
          } catch {
            // Renewed (renamed over) meanwhile: the next read sees it.
          }
        }
      }
    };
    const scenario = join(dir, 'secret.yaml');
    writeFileSync(scenario, [
      'name: secret', 'observe: 2s', 'interval: 1s',
      'webhooks:', `  - url: "${hookUrl}/hook?token=${QUERY_SECRET}"`, '    timeout: 1s', '    retries: 0', `    headers: { Authorization: "Bearer ${HEADER_SECRET}" }`,
      'steps:', '  - ratio: 0.3', '',
    ].join('\n'));
    const data = join(dir, 'data');
    const outputs: Array<[string, string]> = [];
    const run = await runCli(['run', scenario, '--target', service.url, '--data-dir', data, '--yes'], { timeoutMs: 30_000 });
    outputs.push(['run stdout', run.stdout], ['run stderr', run.stderr]);
    const json = await runCli(['run', scenario, '--target', service.url, '--data-dir', data, '--yes', '--json'], { timeoutMs: 30_000 });
    outputs.push(['run --json stdout', json.stdout], ['run --json stderr', json.stderr]);
    for (const args of [['run', scenario, '--dry-run', '--json'], ['run', scenario, '--dry-run'], ['scenario', 'plan', scenario], ['scenario', 'plan', scenario, '--json'], ['status', '--data-dir', data], ['status', '--data-dir', data, '--json']]) {
      const r = await runCli(args, { timeoutMs: 20_000 });
      outputs.push([`${args.join(' ')} stdout`, r.stdout], [`${args.join(' ')} stderr`, r.stderr]);
    }
    const journals = readdirSync(runsDir());
    expect(journals).toHaveLength(2);
    for (const name of journals) {
      outputs.push([`journal ${name}`, readFileSync(join(runsDir(), name), 'utf8')]);
      // Journals and the directories streamctl made for them are its owner's only.
      expect(statSync(join(runsDir(), name)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(runsDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(data, 'locks')).mode & 0o777).toBe(0o700);
    expect(lockFiles.length).toBeGreaterThan(0);
    for (const lock of lockFiles) {
      outputs.push(['lock file', lock.text]);
      expect(lock.mode).toBe(0o600);
    }

    for (const [where, text] of outputs) {
      expect(text, where).not.toContain(HEADER_SECRET);
      expect(text, where).not.toContain(QUERY_SECRET);
    }
    // ...and it was all there to look at: the plan, the warning, the redacted hook.
    expect(outputs.find(([w]) => w === 'run stderr')![1]).toMatch(/warning: webhook \w+ to http:\/\/127\.0\.0\.1:\d+\/hook\?token=\*\*\* failed: answered 500/);
    expect(outputs.find(([w]) => w.endsWith('--dry-run --json stdout'))![1]).toContain('"Authorization":"***"');
    // The receiver still got the real secrets: redaction is for what is written, not what is sent.
    expect(received.length).toBeGreaterThan(0);
    expect(received[0]).toEqual({ url: `/hook?token=${QUERY_SECRET}`, authorization: `Bearer ${HEADER_SECRET}` });
  }, 60_000);
});
