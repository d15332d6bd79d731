/** The one exit-code table (design §6). Cron jobs and CI branch on these numbers. */
export const ExitCode = {
  /** done: cutover completed, check consistent, validation matched */
  Ok: 0,
  /** a check failed: rolled back after a breach, data lost or duplicated, mismatches */
  CheckFailed: 1,
  /** could not do the job: service, Redis or database unreachable, rollback failed */
  CouldNotRun: 2,
  /** inconclusive or waiting: too little data, paused at a manual gate, lease held elsewhere */
  Inconclusive: 3,
  /** usage or configuration error: bad flag, invalid scenario file, a step down not allowed (decrease.ts) */
  Usage: 64,
  /** interrupted by SIGINT */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
