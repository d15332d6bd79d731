import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * A test that fails before its cleanup, or a SIGKILLed serve, can leave an embedded redis-server
 * behind, orphaned; every one the tests start works in a `streamctl-*` temporary directory.
 */
function stopLeftoverRedisServers(): void {
  const prefix = join(tmpdir(), 'streamctl-');
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSyncSafe(`/proc/${pid}/comm`);
      if (command.trim() !== 'redis-server') continue;
      // Orphans only (re-parented to init): a server whose test process still runs is someone's live fixture.
      const parent = Number(readFileSyncSafe(`/proc/${pid}/stat`).split(') ')[1]?.split(' ')[1]);
      if (parent === 1 && readlinkSync(`/proc/${pid}/cwd`).startsWith(prefix)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // The process ended meanwhile, or is not ours to inspect.
    }
  }
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** End-to-end tests run the built binary, so a stale dist/ would test old code. */
export default function setup(): () => void {
  const built = join(root, 'dist/cli/main.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(root, 'src'))) return stopLeftoverRedisServers;
  try {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  } catch {
    // Unit and integration tests import the sources directly and can still run; the end-to-end
    // tests will fail on the stale binary, and `npm test` has already refused a broken build.
    process.stderr.write('global-build: tsc failed; end-to-end tests will use the previous build\n');
  }
  return stopLeftoverRedisServers;
}
