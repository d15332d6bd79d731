/**
 * True while a process with this PID exists: signal 0 checks without sending anything, and EPERM
 * means it exists but belongs to another user (kill(2)).
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
