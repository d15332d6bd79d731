import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { parseDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';
import { onInterrupt } from '../interrupts.js';
import { jsonDocument } from '../render/snake-json.js';

interface ValidateFlags {
  target?: string;
  token?: string;
  rate: string;
  duration: string;
  concurrency: string;
  allowWrites?: boolean;
  database?: string;
  dataDir: string;
  tolerance: string;
  maxSamples: string;
  minSamples: string;
  persistTimeout: string;
  timeout: string;
  json?: boolean;
}

const EXAMPLE = `
Sends the same generated health upload, {"data": {...reading...}} as the original's devices send
it, to /upload_health_data and /upload_health_data_v2 at once (test devices
STREAM_TEST_<run>_000.., excluded by check consistency), waits for both rows, and compares every
field (floats within --tolerance, relative). Each sample is one of: match, mismatch,
not_persisted, error_old, error_new, timeout.

Exit codes: 0 all samples match, 1 any mismatch / not persisted / error / timeout,
2 target or database unreachable (nothing sent), 3 fewer than --min-samples, 64 bad flags or no
--allow-writes.

Example:
  $ streamctl validate --target http://127.0.0.1:5225 --database .streamctl/streamctl.db \\
      --rate 10 --duration 1m --concurrency 10 --allow-writes
`;

function positive(text: string, flag: string, integer = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  return n;
}

async function validateAction(flags: ValidateFlags): Promise<void> {
  // Checked before anything else: without the flag nothing is sent, not even a probe.
  if (!flags.allowWrites) throw new UsageError('validate writes test records through both paths; refusing without --allow-writes', 'add --allow-writes (test devices carry the STREAM_TEST_ prefix)');
  if (!flags.target) throw new UsageError('--target is required (or STREAMCTL_TARGET)');
  const localDb = join(flags.dataDir, 'streamctl.db');
  const database = flags.database ?? (existsSync(localDb) ? localDb : undefined);
  if (!database) throw new UsageError('validate needs the database to compare what was persisted', 'pass --database PATH|postgres://... (or DATABASE_URL)');
  const options = {
    target: flags.target,
    rate: positive(flags.rate, '--rate'),
    durationMs: parseDuration(flags.duration, '--duration'),
    concurrency: positive(flags.concurrency, '--concurrency', true),
    tolerance: Number(flags.tolerance),
    maxExamples: Math.floor(Number(flags.maxSamples)),
    minSamples: Math.floor(Number(flags.minSamples)),
    persistTimeoutMs: parseDuration(flags.persistTimeout, '--persist-timeout'),
  };
  if (!(options.tolerance >= 0)) throw new UsageError('--tolerance must be a number >= 0');
  if (!(options.maxExamples >= 0) || !(options.minSamples >= 0)) throw new UsageError('--max-samples and --min-samples must be integers >= 0');
  const { runValidation } = await import('../../checks/validate/run.js');
  const { HttpUploadSender } = await import('../../checks/adapters/validate-http.js');
  const { openValidationRows } = await import('../../checks/adapters/validate-rows.js');
  const { renderValidationReport } = await import('../render/validate-report.js');
  const rows = await openValidationRows(database);
  const sender = new HttpUploadSender(flags.target, options.concurrency * 2, parseDuration(flags.timeout, '--timeout'), flags.token);
  const progress = process.stderr.isTTY && !flags.json;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  const stopListening = onInterrupt(onSigint);
  try {
    const report = await runValidation({ sender, rows }, {
      ...options,
      ...(progress ? { onProgress: (p: { sent: number; total: number; phase: string }) => process.stderr.write(`\r${p.phase} ${p.sent}/${p.total}   `) } : {}),
    }, abort.signal);
    if (progress) process.stderr.write('\n');
    process.stdout.write(flags.json ? jsonDocument(report) + '\n' : renderValidationReport(report, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    process.exitCode = abort.signal.aborted ? 130 : report.exit_code;
  } finally {
    stopListening();
    await sender.close();
    await rows.close();
  }
}

export function defineValidate(program: Command): void {
  program
    .command('validate')
    .description('Dual-send validation: same upload to the old and new endpoint, then compare what both persisted.')
    .addOption(new Option('--target <url>', 'the service (streamctl serve or the original)').env('STREAMCTL_TARGET'))
    .addOption(new Option('--token <token>', 'bearer token, if the service wants one').env('STREAMCTL_TOKEN'))
    .option('--rate <n>', 'samples per second (each is two requests)', '10')
    .option('--duration <duration>', 'how long to send', '1m')
    .option('--concurrency <n>', 'samples in flight at most', '10')
    .option('--allow-writes', 'required: validate writes test records into the database through both paths')
    .addOption(new Option('--database <path|url>', 'SQLite file, postgres:// or mysql:// (mariadb://) URL the service writes').env('DATABASE_URL'))
    .option('--data-dir <dir>', 'serve data directory, to find its SQLite file', '.streamctl')
    .option('--tolerance <x>', 'relative tolerance for float fields', '1e-6')
    .option('--max-samples <n>', 'non-matching samples to show', '5')
    .option('--min-samples <n>', 'fewer judged samples than this is inconclusive (exit 3)', '10')
    .option('--persist-timeout <duration>', 'how long to wait for rows after the last answer', '30s')
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option('--json', 'print one streamctl.validation/v1 JSON document on stdout')
    .addHelpText('after', EXAMPLE)
    .action(validateAction);
}
