/**
 * Samples processes from /proc while a run is under way: the largest RSS (VmRSS), the CPU used
 * (utime + stime delta over the run, as % of one core) and the largest count of open fds.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Usage } from './types.js';

let clockTicks: number | undefined;
/** CLK_TCK (getconf; 100 on Linux x86-64 and arm64 when getconf fails). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime in clock ticks, from /proc/<pid>/stat (fields 14 and 15; the name may hold spaces). */
export function parseStatTicks(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** VmRSS in kB from /proc/<pid>/status. */
export function parseRssKb(status: string): number | null {
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return match ? Number(match[1]) : null;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function cpuTicks(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  return stat === null ? null : parseStatTicks(stat);
}

function rssKb(pid: number): number | null {
  const status = read(`/proc/${pid}/status`);
  return status === null ? null : parseRssKb(status);
}

function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

interface Tracked {
  pid: number;
  startTicks: number | null;
  lastTicks: number | null;
  maxRssKb: number | null;
  maxFds: number | null;
  /** Seconds after start() when the fd count first reached `fdTarget`. */
  fdTargetAtS: number | null;
}

export interface ProcessUsage {
  rss_max_mb: number | null;
  cpu_pct: number | null;
  fds_max: number | null;
}

export class ProcMonitor {
  private readonly tracked: Tracked[];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stoppedAt = 0;

  constructor(pids: ReadonlyArray<number | undefined>, private readonly intervalMs = 250, private readonly countFds = false, private readonly fdTarget = Infinity) {
    this.tracked = pids.filter((p): p is number => p !== undefined).map((pid) => ({ pid, startTicks: null, lastTicks: null, maxRssKb: null, maxFds: null, fdTargetAtS: null }));
  }

  start(): this {
    this.startedAt = Date.now();
    for (const t of this.tracked) t.startTicks = t.lastTicks = cpuTicks(t.pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  private sample(): void {
    for (const t of this.tracked) {
      const rss = rssKb(t.pid);
      if (rss !== null) t.maxRssKb = Math.max(t.maxRssKb ?? 0, rss);
      const ticks = cpuTicks(t.pid);
      if (ticks !== null) t.lastTicks = ticks;
      if (this.countFds) {
        const fds = fdCount(t.pid);
        if (fds !== null) t.maxFds = Math.max(t.maxFds ?? 0, fds);
        if (fds !== null && fds >= this.fdTarget && t.fdTargetAtS === null) t.fdTargetAtS = Math.round((Date.now() - this.startedAt) / 100) / 10;
      }
    }
  }

  stop(): this {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    this.stoppedAt = Date.now();
    return this;
  }

  /** Seconds until the process first held `fdTarget` descriptors; null if it never did. */
  fdTargetReachedAfter(pid: number | undefined): number | null {
    return this.tracked.find((x) => x.pid === pid)?.fdTargetAtS ?? null;
  }

  usageOf(pid: number | undefined): ProcessUsage {
    const t = this.tracked.find((x) => x.pid === pid);
    if (!t) return { rss_max_mb: null, cpu_pct: null, fds_max: null };
    const wallS = Math.max(0.001, (this.stoppedAt - this.startedAt) / 1000);
    const cpu = t.startTicks !== null && t.lastTicks !== null ? ((t.lastTicks - t.startTicks) / ticksPerSecond() / wallS) * 100 : null;
    return {
      rss_max_mb: t.maxRssKb === null ? null : Math.round(t.maxRssKb / 102.4) / 10,
      cpu_pct: cpu === null ? null : Math.round(cpu * 10) / 10,
      fds_max: t.maxFds,
    };
  }
}

/** The Usage record of a server and its redis-server from one monitor. */
export function serverUsage(monitor: ProcMonitor, serverPid: number, redisPid?: number): Usage {
  const server = monitor.usageOf(serverPid);
  const redis = redisPid === undefined ? undefined : monitor.usageOf(redisPid);
  return {
    rss_max_mb: server.rss_max_mb,
    cpu_pct: server.cpu_pct,
    fds_max: server.fds_max,
    redis_cpu_pct: redis?.cpu_pct ?? null,
    redis_rss_max_mb: redis?.rss_max_mb ?? null,
  };
}
