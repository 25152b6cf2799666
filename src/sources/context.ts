import { InternError } from "../errors.js";
import { redact, secretValues } from "../process/redact.js";
import { ENDPOINT_VARIABLES, hubToken, resolveEndpoints, type Endpoints } from "./endpoints.js";
import { DEFAULT_HTTP_POLICY, errorDetail, httpFailure, retryingFetch, type FetchLabel, type HttpPolicy } from "./http.js";

export type Service = "hub" | "datasetsServer" | "arxiv" | "semanticScholar";

const LABELS: Record<Service, FetchLabel> = {
  hub: { service: "the Hugging Face Hub", variable: ENDPOINT_VARIABLES.hub },
  datasetsServer: { service: "the dataset viewer", variable: ENDPOINT_VARIABLES.datasetsServer },
  arxiv: { service: "arXiv", variable: ENDPOINT_VARIABLES.arxiv },
  semanticScholar: { service: "Semantic Scholar", variable: ENDPOINT_VARIABLES.semanticScholar },
};

/**
 * Everything the source functions need from the outside world, made once at the entry point:
 * endpoints, the Hub token, the secrets to redact and one retrying `fetch` per service.
 */
export interface SourceContext {
  readonly endpoints: Endpoints;
  /** `HF_TOKEN`, or null. Sent to the Hub only; never logged, never in an error. */
  readonly hfToken: string | null;
  /** Optional `SEMANTIC_SCHOLAR_API_KEY`, sent as `x-api-key`. */
  readonly semanticScholarKey: string | null;
  readonly secrets: readonly string[];
  readonly http: HttpPolicy;
  /** A `fetch` with time limits and retries, per service. */
  fetchFor(service: Service): typeof fetch;
  /** Like `fetchFor("hub")` but with the download time limit, for file bodies. */
  readonly downloadFetch: typeof fetch;
  label(service: Service): FetchLabel;
}

export interface SourceContextOptions {
  http?: Partial<HttpPolicy>;
  /** Time limit for one file download attempt; 30 minutes unless set. */
  downloadTimeoutMs?: number;
  /** The underlying fetch (Node's global one unless set). */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** A context from an environment (`process.env` at the entry point, a fixed one in tests). */
export function createSourceContext(env: Readonly<Record<string, string | undefined>>, options: SourceContextOptions = {}): SourceContext {
  const endpoints = resolveEndpoints(env);
  const http = { ...DEFAULT_HTTP_POLICY, ...options.http };
  const base = options.fetch ?? globalThis.fetch;
  const fetches = new Map<Service, typeof fetch>();
  for (const s of Object.keys(LABELS) as Service[]) fetches.set(s, retryingFetch(base, http, LABELS[s], options.sleep));
  const key = env.SEMANTIC_SCHOLAR_API_KEY?.trim();
  return {
    endpoints,
    hfToken: hubToken(env),
    semanticScholarKey: key ? key : null,
    secrets: secretValues(env),
    http,
    fetchFor: (service) => fetches.get(service)!,
    downloadFetch: retryingFetch(base, { ...http, timeoutMs: options.downloadTimeoutMs ?? 30 * 60_000 }, LABELS.hub, options.sleep),
    label: (service) => LABELS[service],
  };
}

/** GET a JSON document from a service; failures are InternErrors with the service's message. */
export async function getJson<T>(ctx: SourceContext, service: Service, url: string, what: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await getOk(ctx, service, url, what, { accept: "application/json", ...headers });
  try {
    return (await res.json()) as T;
  } catch (error) {
    throw invalidAnswer(ctx, service, what, error);
  }
}

/** GET a text document from a service. */
export async function getText(ctx: SourceContext, service: Service, url: string, what: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await getOk(ctx, service, url, what, headers);
  return res.text();
}

async function getOk(ctx: SourceContext, service: Service, url: string, what: string, headers: Record<string, string>): Promise<Response> {
  const res = await ctx.fetchFor(service)(url, { headers });
  if (!res.ok) throw httpFailure(ctx.label(service), what, res.status, await errorDetail(res), ctx.secrets);
  return res;
}

export function invalidAnswer(ctx: SourceContext, service: Service, what: string, error: unknown): InternError {
  const detail = error instanceof Error ? error.message : String(error);
  return new InternError("INTERN_SOURCE_INVALID_RESPONSE", redact(`${what}: ${ctx.label(service).service} sent an answer intern cannot read: ${detail}`, ctx.secrets), {
    hint: `check that ${ctx.label(service).variable} points at the service itself, not a proxy page`,
  });
}
