import { randomBytes } from 'node:crypto';

/** `cutover-20250101T120000Z-1a2b`: sortable, readable, unique enough for one data dir. */
export function newRunId(name: string, now = Date.now()): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
  return `${safe}-${stamp}-${randomBytes(2).toString('hex')}`;
}
