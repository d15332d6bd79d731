import { describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../../src/bench/args.js';
import type { BenchContext } from '../../../src/bench/context.js';
import { Resources } from '../../../src/bench/resources.js';
import { runSustained } from '../../../src/bench/section-sustained.js';

// No server binary exists anywhere: as on a machine without postgresql or mariadb-server.
vi.mock('node:fs', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:fs')>()), existsSync: () => false }));

describe('sustained into a database whose server is not installed', () => {
  it('is reported as not measured with the reason, never a figure, and nothing is started', async () => {
    const notes: string[] = [];
    const ctx: BenchContext = {
      config: parseArgs(['--databases', 'postgres,mariadb']),
      resources: new Resources(),
      signal: new AbortController().signal,
      log: () => undefined,
      note: (message) => notes.push(message),
    };
    const results = await runSustained(ctx);
    expect(results.map((r) => [r.database, r.section, r.version])).toEqual([['postgres', null, null], ['mariadb', null, null]]);
    expect(results[0]!.not_measured).toMatch(/PostgreSQL server binaries .* install the Debian package `postgresql`/);
    expect(results[1]!.not_measured).toMatch(/MariaDB server binaries .* `mariadb-server`/);
    expect(notes).toHaveLength(2);
  });
});
