/**
 * `promise`'s value, or `fallback()` once `ms` milliseconds pass first. Every wait on another
 * process is bounded; this is the bound for one whose answer has a usable stale substitute.
 */
export async function within<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  try {
    return await Promise.race([promise.catch(() => fallback()), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Raised by `deadline()` when the awaited process did not answer in time. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/**
 * `promise`'s value, or a DeadlineError naming `what` after `ms` milliseconds. The work itself is
 * not cancelled (a Redis command stays queued and may still run when the server resumes), so a
 * caller must say "may still apply", never "did not happen".
 */
export async function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
