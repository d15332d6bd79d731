/**
 * True when the service refused a request (HTTP 4xx: bad value, wrong token): nothing was
 * changed, so there is nothing to roll back. Read structurally so control imports no adapter.
 */
export function isRefusal(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
