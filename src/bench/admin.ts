/** Small JSON calls to serve's admin API. */
export async function getJson<T = unknown>(url: string, timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function postJson<T = unknown>(url: string, body: unknown, timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface StreamStats {
  stream_stats: {
    manager_stats: { messages_produced: number; messages_consumed: number };
    streams: Record<string, { backlog: { lag: number | null; pending: number; unconsumed: number | null } }>;
  };
}

export async function healthBacklog(baseUrl: string): Promise<{ unconsumed: number | null; pending: number; produced: number; consumed: number }> {
  const stats = await getJson<StreamStats>(`${baseUrl}/api/stream_stats`);
  const backlog = stats.stream_stats.streams.health_data_stream?.backlog;
  return {
    unconsumed: backlog?.unconsumed ?? null,
    pending: backlog?.pending ?? 0,
    produced: stats.stream_stats.manager_stats.messages_produced,
    consumed: stats.stream_stats.manager_stats.messages_consumed,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
