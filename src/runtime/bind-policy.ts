import { UsageError } from '../shared/errors.js';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An admin API on a reachable address with no token lets anyone switch live traffic. */
export function checkBindPolicy(host: string, adminToken: string | undefined, insecure: boolean): void {
  if (isLoopback(host) || adminToken || insecure) return;
  throw new UsageError(
    `refusing to listen on ${host} without an admin token: anyone who can reach it could change the traffic ratio`,
    'set --admin-token (or STREAMCTL_ADMIN_TOKEN), or pass --insecure if the network is trusted',
  );
}
