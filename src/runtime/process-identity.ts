import { readFileSync } from 'node:fs';
import { processExists } from '../shared/process-exists.js';

/**
 * Who a process is, in a form that can be written to a file and checked later: its PID and, on
 * Linux, when it started. A PID alone is not enough: after a kill -9 and a reboot (or in a new
 * container sharing the data dir) the same PID names another process, and a lock or run file
 * judged by its PID alone would then block a restart forever.
 */
export interface ProcessIdentity {
  pid: number;
  /**
   * `<boot id>:<start time>`: the kernel's boot id (/proc/sys/kernel/random/boot_id) and field 22
   * of /proc/<pid>/stat (clock ticks after boot). Absent where /proc is not (macOS).
   */
  started?: string;
}

export type Liveness = 'alive' | 'gone';

/** Pure: is the process `recorded` the one that `observed` saw? Source of the rule: proc(5). */
export function judgeLiveness(recorded: ProcessIdentity, observed: { exists: boolean; started?: string }): Liveness {
  if (!observed.exists) return 'gone';
  // Same PID, another start: the PID was reused by an unrelated process.
  if (recorded.started !== undefined && observed.started !== undefined && recorded.started !== observed.started) return 'gone';
  return 'alive';
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `<boot id>:<ticks>` for `pid`, or undefined without /proc or once the process is gone. */
function startedOf(pid: number): string | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  const boot = readTrimmed('/proc/sys/kernel/random/boot_id');
  if (stat === undefined || boot === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces or ')': count after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[19]; // field 22 overall; fields[0] is field 3 (state)
  return ticks === undefined ? undefined : `${boot}:${ticks}`;
}


export function identityOf(pid: number): ProcessIdentity {
  const started = startedOf(pid);
  return started === undefined ? { pid } : { pid, started };
}

export function currentProcess(): ProcessIdentity {
  return identityOf(process.pid);
}

/** Whether the process recorded in a file still runs (false once its PID went to another process). */
export function isAlive(recorded: ProcessIdentity): boolean {
  if (!Number.isInteger(recorded.pid) || recorded.pid <= 0) return false;
  const present = processExists(recorded.pid);
  return judgeLiveness(recorded, { exists: present, ...(present ? { started: startedOf(recorded.pid) } : {}) }) === 'alive';
}
