/**
 * Everything the harness starts (servers, redis-servers, wrk, temporary directories) is registered
 * here and stopped/removed at the end, also on Ctrl-C, SIGTERM or a crash.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Stoppable {
  name: string;
  /** Graceful stop; must be idempotent. */
  stop(): Promise<void>;
  /** Last resort on exit: synchronous SIGKILL of whatever is still alive. */
  killNow(): void;
}

function alive(pid: number | undefined): pid is number {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!alive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Gone meanwhile.
  }
}

/** Waits until `pid` is gone, up to `timeoutMs`; true when it went. */
export async function waitGone(pid: number | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function terminate(pid: number | undefined, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  killPid(pid, 'SIGTERM');
  if (!(await waitGone(pid, graceMs))) {
    killPid(pid, 'SIGKILL');
    await waitGone(pid, 2_000);
  }
}

export class Resources {
  private readonly items: Stoppable[] = [];
  private readonly dirs: string[] = [];
  private readonly pids = new Set<number>();
  keepDirs = false;

  tempDir(label: string): string {
    const dir = mkdtempSync(join(tmpdir(), `streamctl-bench-${label}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** Removes one directory now (big AOF/SQLite files should not pile up over a run). */
  removeDir(dir: string): void {
    if (this.keepDirs) return;
    rmSync(dir, { recursive: true, force: true });
    const at = this.dirs.indexOf(dir);
    if (at >= 0) this.dirs.splice(at, 1);
  }

  add<T extends Stoppable>(item: T): T {
    this.items.push(item);
    return item;
  }

  remove(item: Stoppable): void {
    const at = this.items.indexOf(item);
    if (at >= 0) this.items.splice(at, 1);
  }

  /** A pid to SIGKILL on exit if still alive (an embedded redis-server whose parent died, wrk). */
  trackPid(pid: number | undefined): void {
    if (pid !== undefined) this.pids.add(pid);
  }

  trackChild(child: ChildProcess): void {
    this.trackPid(child.pid);
    child.once('exit', () => {
      if (child.pid !== undefined) this.pids.delete(child.pid);
    });
  }

  /** Stops everything in reverse order of start, then removes the directories. */
  async cleanup(): Promise<void> {
    for (const item of this.items.splice(0).reverse()) {
      try {
        await item.stop();
      } catch {
        item.killNow();
      }
    }
    for (const pid of this.pids) killPid(pid);
    this.pids.clear();
    this.removeDirs();
  }

  /** Synchronous: for process 'exit', when no await is possible any more. */
  killAllNow(): void {
    for (const item of this.items.splice(0)) item.killNow();
    for (const pid of this.pids) killPid(pid);
    this.pids.clear();
    this.removeDirs();
  }

  private removeDirs(): void {
    if (this.keepDirs) return;
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
