/**
 * CPU of a database server over a run, in % of one core: the server process and its direct
 * children (PostgreSQL forks a backend per connection, and serve's pool may open one during the
 * load; MariaDB is one process, its threads counted in its /proc stat), the harness's own row
 * watcher connection included. Sampled every 250 ms from
 * /proc: a child that starts during the run counts from zero, one that exits keeps its last
 * sample (so up to 250 ms of an exiting backend is missed). Linux only; null elsewhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseStatTicks, ticksPerSecond } from './proc-monitor.js';

const SAMPLE_MS = 250;

/** `/proc/<pid>/stat` -> its parent pid (field 4), or null. Pure. */
export function parseStatPpid(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

function stat(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
}

export class ProcessTreeCpu {
  /** pid -> [ticks when first seen (0 for a child born during the run), last ticks]. */
  private readonly ticks = new Map<number, [number, number]>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stoppedAt = 0;

  constructor(private readonly rootPid: number) {}

  private pids(): number[] {
    const children: number[] = [];
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return [];
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      const text = stat(Number(entry));
      if (text !== null && parseStatPpid(text) === this.rootPid) children.push(Number(entry));
    }
    return [this.rootPid, ...children];
  }

  private sample(first: boolean): void {
    for (const pid of this.pids()) {
      const text = stat(pid);
      const now = text === null ? null : parseStatTicks(text);
      if (now === null) continue;
      const seen = this.ticks.get(pid);
      if (seen) seen[1] = now;
      else this.ticks.set(pid, [first ? now : 0, now]);
    }
  }

  start(): this {
    this.startedAt = Date.now();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), SAMPLE_MS);
    return this;
  }

  stop(): this {
    if (this.timer) clearInterval(this.timer);
    this.sample(false);
    this.stoppedAt = Date.now();
    return this;
  }

  /** % of one core over start()..stop(); null when nothing was read. */
  cpuPct(): number | null {
    if (this.ticks.size === 0 || this.stoppedAt <= this.startedAt) return null;
    let used = 0;
    for (const [from, last] of this.ticks.values()) used += last - from;
    return Math.round((used / ticksPerSecond() / ((this.stoppedAt - this.startedAt) / 1000)) * 1000) / 10;
  }
}
