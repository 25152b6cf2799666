/** How a failed LLM call (429, 5xx, connection refused) is tried again. */
export interface RetryPolicy {
  /** Requests per logical call, the first included. */
  maxAttempts: number;
  /** The wait after the first failure; doubled after each further one. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut to it, so a call stays bounded. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/**
 * The wait before attempt `attempt + 1`: the server's Retry-After (seconds or an HTTP date)
 * when it gave one, otherwise exponential backoff.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null, policy: RetryPolicy, nowMs: number): number {
  const asked = parseRetryAfter(retryAfter, nowMs);
  if (asked !== null) return Math.min(asked, policy.maxRetryAfterMs);
  return Math.min(policy.initialDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
}

/** Milliseconds to wait, or null when the header is absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}
