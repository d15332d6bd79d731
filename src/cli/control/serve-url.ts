import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The URL of the `streamctl serve` that holds `dataDir`, from `<dataDir>/serve.lock`
 * (runtime/data-dir-lock.ts: `{ pid, host, since, url? }`, `url` once it listens); undefined when
 * there is no lock, it does not parse, or serve is still starting. The serve may have died since:
 * callers treat the URL as a guess and tolerate an unreachable one.
 */
export function serveUrlOf(dataDir: string): string | undefined {
  try {
    const { url } = JSON.parse(readFileSync(join(dataDir, 'serve.lock'), 'utf8')) as { url?: unknown };
    return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}
