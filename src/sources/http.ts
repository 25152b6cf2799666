import { InternError } from "../errors.js";
import { redact } from "../process/redact.js";

/** How every request to an external service is made: a time limit and retries with backoff. */
export interface HttpPolicy {
  /** Time limit for one attempt, headers and body together, in milliseconds. */
  timeoutMs: number;
  /** Further attempts after the first, on 429, 5xx, timeouts and network errors. */
  retries: number;
  /** First backoff delay; doubled each attempt (with jitter), capped by `maxDelayMs`. */
  baseDelayMs: number;
  /** The longest wait between attempts, including one a `Retry-After` header asks for. */
  maxDelayMs: number;
}

export const DEFAULT_HTTP_POLICY: Readonly<HttpPolicy> = { timeoutMs: 30_000, retries: 4, baseDelayMs: 500, maxDelayMs: 60_000 };

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

export interface FetchLabel {
  /** The service, in words: "the Hub", "arXiv". */
  service: string;
  /** The variable that redirects it, named in errors. */
  variable: string;
}

type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or null. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function backoff(policy: HttpPolicy, attempt: number): number {
  const exp = policy.baseDelayMs * 2 ** attempt;
  return Math.min(policy.maxDelayMs, exp / 2 + Math.random() * (exp / 2));
}

function describe(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}

/**
 * A `fetch` with a per-attempt time limit and retries on 429, 5xx, timeouts and network errors,
 * waiting as `Retry-After` says (capped) or with exponential backoff. After the last attempt a
 * retryable status is returned as is, so the caller reports it; a network failure becomes an
 * INTERN_SOURCE_UNREACHABLE error naming the variable that redirects the service.
 */
export function retryingFetch(base: typeof fetch, policy: HttpPolicy, label: FetchLabel, sleep: Sleep = realSleep): typeof fetch {
  return async (input, init) => {
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      const outer = init?.signal ?? undefined;
      const timeout = AbortSignal.timeout(policy.timeoutMs);
      const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
      let wait: number;
      try {
        const res = await base(input, { ...init, signal });
        if (!RETRY_STATUS.has(res.status) || attempt >= policy.retries) return res;
        const asked = retryAfterMs(res.headers.get("retry-after"));
        wait = asked === null ? backoff(policy, attempt) : Math.min(asked, policy.maxDelayMs);
        await res.body?.cancel().catch(() => undefined);
      } catch (error) {
        if (outer?.aborted) throw error;
        lastError = error;
        if (attempt >= policy.retries) break;
        wait = backoff(policy, attempt);
      }
      await sleep(wait);
    }
    const timedOut = lastError instanceof Error && (lastError.name === "TimeoutError" || lastError.name === "AbortError");
    const why = timedOut ? `no answer within ${policy.timeoutMs / 1000} s` : lastError instanceof Error ? (lastError.cause instanceof Error ? lastError.cause.message : lastError.message) : String(lastError);
    throw new InternError("INTERN_SOURCE_UNREACHABLE", `could not reach ${label.service} at ${describe(input)} after ${policy.retries + 1} attempts: ${why}`, {
      hint: `check the network, or point ${label.variable} at a reachable mirror`,
    });
  };
}

/** The error for a failed HTTP answer, with the service's own message, secrets redacted. */
export function httpFailure(label: FetchLabel, what: string, status: number, detail: string, secrets: readonly string[]): InternError {
  const code = status === 404 ? "INTERN_SOURCE_NOT_FOUND" : status === 401 || status === 403 ? "INTERN_SOURCE_AUTH" : "INTERN_SOURCE_HTTP";
  const hint =
    status === 401 || status === 403
      ? label.variable === "HF_ENDPOINT"
        ? "set HF_TOKEN to a token that may read it (and accept the repository's conditions on the Hub if it is gated)"
        : `the service refused the request; check the credentials for ${label.service}`
      : status === 429 || status >= 500
        ? `${label.service} is busy or failing; try again later`
        : undefined;
  const message = redact(`${what}: ${label.service} answered ${status}${detail ? `: ${detail}` : ""}`, secrets);
  return new InternError(code, message, hint === undefined ? {} : { hint });
}

/** The service's explanation of a failed answer: `X-Error-Message`, a JSON `error`/`message`, or the text. */
export async function errorDetail(res: Response): Promise<string> {
  const header = res.headers.get("x-error-message");
  let body = "";
  try {
    body = await res.text();
  } catch {
    body = "";
  }
  if (header) return header;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const m = json.error ?? json.message;
    if (typeof m === "string") return m;
  } catch {
    // not JSON: the text itself, shortened
  }
  return body.replace(/\s+/g, " ").trim().slice(0, 300);
}
