/** Runs `check consistency` inside the service for callers without database credentials. */
export interface ConsistencyEndpoint {
  run(query: URLSearchParams): Promise<{ status: number; body: unknown }>;
}
