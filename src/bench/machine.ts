/** What the report states about the machine: cores, CPU, memory, Node, Redis and wrk versions, load. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './types.js';

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch (error) {
    // wrk -v exits 1 after printing its version.
    const out = (error as { stdout?: Buffer }).stdout?.toString().trim();
    return out || 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const nproc = Number(run('nproc', [])) || cpus().length;
  const redis = run('redis-server', ['--version']).match(/v=(\S+)/)?.[1] ?? 'unknown';
  const wrk = run('wrk', ['-v']).split('\n')[0]?.match(/wrk (\S+)/)?.[1] ?? 'unknown';
  let loadavg = 'unknown';
  try {
    loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // Not Linux.
  }
  const hard = Number(run('bash', ['-c', 'ulimit -Hn']));
  return {
    cores: nproc,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    redis,
    wrk,
    date: new Date().toISOString(),
    loadavg_at_start: loadavg,
    nofile_hard: Number.isFinite(hard) ? hard : 0,
  };
}

export function loadavgNow(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}
