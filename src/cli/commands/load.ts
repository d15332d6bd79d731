import { Command, Option } from 'commander';
import { parseDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';
import { onInterrupt } from '../interrupts.js';
import { jsonDocument } from '../render/snake-json.js';

interface LoadFlags {
  target?: string;
  token?: string;
  rate: string;
  duration: string;
  devices: string;
  connections: string;
  endpoint?: string;
  mix?: string;
  timeout: string;
  maxErrorRate: string;
  devicePrefix: string;
  json?: boolean;
}

const EXAMPLE = `
Open loop: requests are released on a fixed schedule whatever the server does, and latency is
measured from each request's scheduled time, so a server that stalls cannot hide it.

Exit codes: 0 done, 1 error rate above --max-error-rate, 2 target unreachable (no answer at
all), 3 the client could not release the target rate (results do not describe it), 64 bad flags.

Examples:
  $ streamctl load --target http://127.0.0.1:5225 --rate 2000 --duration 30s --devices 1000 --connections 64
  $ streamctl load --target http://127.0.0.1:5225 --rate 500 --duration 2m --mix health:8,device:1,event:1 --json > load.json
`;

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

async function loadAction(flags: LoadFlags): Promise<void> {
  if (!flags.target) throw new UsageError('--target is required (or STREAMCTL_TARGET)');
  const rate = Number(flags.rate);
  if (!Number.isFinite(rate) || rate <= 0) throw new UsageError(`--rate must be a positive number, got "${flags.rate}"`);
  const maxErrorRate = Number(flags.maxErrorRate);
  if (!(maxErrorRate >= 0 && maxErrorRate <= 100)) throw new UsageError('--max-error-rate is a percentage from 0 to 100');
  const { parseMix } = await import('../../checks/load/mix.js');
  const mix = parseMix(flags.mix, flags.endpoint);
  const { runLoad } = await import('../../checks/adapters/http-load.js');
  const { renderLoadProgress, renderLoadReport } = await import('../render/load-report.js');
  const tty = Boolean(process.stderr.isTTY);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  const stopListening = onInterrupt(onSigint);
  try {
    const report = await runLoad({
      target: flags.target,
      rate,
      durationMs: parseDuration(flags.duration, '--duration'),
      devices: positiveInt(flags.devices, '--devices'),
      connections: positiveInt(flags.connections, '--connections'),
      mix,
      devicePrefix: flags.devicePrefix,
      timeoutMs: parseDuration(flags.timeout, '--timeout'),
      maxErrorRate: maxErrorRate / 100,
      ...(tty ? { onProgress: (p) => process.stderr.write(`\r${renderLoadProgress(p)}\x1b[K`) } : {}),
    }, abort.signal);
    if (tty) process.stderr.write('\n');
    process.stdout.write(flags.json ? jsonDocument(report) + '\n' : renderLoadReport(report, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    process.exitCode = abort.signal.aborted ? 130 : report.exit_code;
  } finally {
    stopListening();
  }
}

export function defineLoad(program: Command): void {
  program
    .command('load')
    .description('Open-loop load at a target rate through an undici pool; latency percentiles from a histogram.')
    .addOption(new Option('--target <url>', 'the service to load').env('STREAMCTL_TARGET'))
    .addOption(new Option('--token <token>', 'bearer token, if the service wants one').env('STREAMCTL_TOKEN'))
    .option('--rate <n>', 'requests per second', '2000')
    .option('--duration <duration>', 'how long to release requests', '30s')
    .option('--devices <n>', 'distinct device serials (LOAD_000000..)', '1000')
    .option('--connections <n>', 'sockets in the pool', '64')
    .option('--endpoint <path>', 'one endpoint (default /upload_health_data_v2)')
    .option('--mix <kind:weight,...>', 'a mix of kinds instead, e.g. health:8,device:1,event:1')
    .option('--timeout <duration>', 'per-request timeout', '30s')
    .option('--max-error-rate <percent>', 'exit 1 above this share of failed requests', '1')
    .option('--device-prefix <prefix>', 'device serial prefix', 'LOAD_')
    .option('--json', 'print one streamctl.load/v2 JSON document on stdout')
    .addHelpText('after', EXAMPLE)
    .action(loadAction);
}
