/** Runs wrk with bench/lua/upload.lua and reads the `BENCH_JSON` line its done() hook prints. */
import { join } from 'node:path';
import { ROOT, spawnWithNofile } from './servers.js';
import type { Resources } from './resources.js';
import type { LatencyMs, WrkResult } from './types.js';

export interface WrkOptions {
  url: string;
  path?: string;
  connections: number;
  threads: number;
  durationS: number;
  /** Total requests/s across threads (paced by the Lua delay()); omit for as fast as possible. */
  rate?: number;
  timeoutS?: number;
  devices?: number;
  prefix?: string;
}

interface RawWrk {
  requests: number;
  duration_us: number;
  errors: Record<string, number>;
  latency_us: Record<keyof LatencyMs, number>;
}

/** Parses wrk's output; pure (unit-tested). Throws when the done() line is missing. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no BENCH_JSON line:\n${stdout.slice(-1_000)}`);
  const raw = JSON.parse(line.slice('BENCH_JSON '.length)) as RawWrk;
  const ms = (us: number | undefined) => Math.round((us ?? 0) / 10) / 100;
  const e = raw.errors;
  const socket = (e.connect ?? 0) + (e.read ?? 0) + (e.write ?? 0) + (e.timeout ?? 0);
  const non2xx = e.status ?? 0;
  const durationS = raw.duration_us / 1e6;
  const l = raw.latency_us;
  return {
    requests: raw.requests,
    duration_s: Math.round(durationS * 100) / 100,
    rps: durationS > 0 ? Math.round(raw.requests / durationS) : 0,
    non2xx,
    socket_errors: socket,
    errors: socket + non2xx,
    error_detail: e,
    latency_ms: { mean: ms(l.mean), p50: ms(l.p50), p75: ms(l.p75), p90: ms(l.p90), p95: ms(l.p95), p99: ms(l.p99), p999: ms(l.p999), max: ms(l.max) },
  };
}

export async function runWrk(resources: Resources, options: WrkOptions): Promise<WrkResult> {
  const args = [
    '-t', String(options.threads), '-c', String(options.connections), '-d', `${options.durationS}s`,
    '--timeout', `${options.timeoutS ?? 10}s`, '-s', join(ROOT, 'bench/lua/upload.lua'), `${options.url}${options.path ?? '/upload_health_data_v2'}`,
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_PATH: options.path ?? '/upload_health_data_v2',
    BENCH_DEVICES: String(options.devices ?? 1000),
    BENCH_PREFIX: options.prefix ?? 'BENCH',
    BENCH_THREADS: String(options.threads),
  };
  if (options.rate) env.BENCH_RATE = String(options.rate);
  else delete env.BENCH_RATE;
  const child = spawnWithNofile('wrk', args, { env });
  resources.trackChild(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr || stdout.slice(-500)}`);
  return parseWrkOutput(stdout);
}
