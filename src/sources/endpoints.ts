import { InternError } from "../errors.js";

/**
 * Where each external service lives. Every one can be redirected by an environment variable so
 * that users behind a mirror or proxy (and tests, against emulators) reach the same code paths.
 */
export interface Endpoints {
  /** The Hub API and the Papers API (`HF_ENDPOINT`). */
  hub: string;
  /** The dataset viewer API (`INTERN_DATASETS_SERVER_URL`). */
  datasetsServer: string;
  /** The arXiv query API (`INTERN_ARXIV_URL`), serving `/api/query`. */
  arxiv: string;
  /** Where arXiv's HTML papers are read (`INTERN_ARXIV_HTML_URL`, else `INTERN_ARXIV_URL` when set), serving `/html/<id>`. */
  arxivHtml: string;
  /** The Semantic Scholar graph API (`INTERN_SEMANTIC_SCHOLAR_URL`). */
  semanticScholar: string;
}

export const ENDPOINT_VARIABLES = {
  hub: "HF_ENDPOINT",
  datasetsServer: "INTERN_DATASETS_SERVER_URL",
  arxiv: "INTERN_ARXIV_URL",
  arxivHtml: "INTERN_ARXIV_HTML_URL",
  semanticScholar: "INTERN_SEMANTIC_SCHOLAR_URL",
} as const satisfies Record<keyof Endpoints, string>;

export const DEFAULT_ENDPOINTS: Readonly<Endpoints> = {
  hub: "https://huggingface.co",
  datasetsServer: "https://datasets-server.huggingface.co",
  arxiv: "https://export.arxiv.org",
  arxivHtml: "https://arxiv.org",
  semanticScholar: "https://api.semanticscholar.org",
};

type Env = Readonly<Record<string, string | undefined>>;

function base(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new InternError("INTERN_SOURCE_ENDPOINT_INVALID", `${name} is not a URL: ${JSON.stringify(raw)}`, { hint: `set ${name} to an http(s) URL such as ${fallback}, or unset it` });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InternError("INTERN_SOURCE_ENDPOINT_INVALID", `${name} must be an http or https URL, not ${url.protocol}`, { hint: `set ${name} to an http(s) URL such as ${fallback}` });
  }
  return url.toString().replace(/\/+$/, "");
}

/** Each service's base URL, without a trailing slash, from the environment or the defaults. */
export function resolveEndpoints(env: Env): Endpoints {
  const arxiv = base(env, ENDPOINT_VARIABLES.arxiv, DEFAULT_ENDPOINTS.arxiv);
  const arxivSet = env[ENDPOINT_VARIABLES.arxiv] !== undefined && env[ENDPOINT_VARIABLES.arxiv]!.trim() !== "";
  return {
    hub: base(env, ENDPOINT_VARIABLES.hub, DEFAULT_ENDPOINTS.hub),
    datasetsServer: base(env, ENDPOINT_VARIABLES.datasetsServer, DEFAULT_ENDPOINTS.datasetsServer),
    arxiv,
    arxivHtml: base(env, ENDPOINT_VARIABLES.arxivHtml, arxivSet ? arxiv : DEFAULT_ENDPOINTS.arxivHtml),
    semanticScholar: base(env, ENDPOINT_VARIABLES.semanticScholar, DEFAULT_ENDPOINTS.semanticScholar),
  };
}

/** The Hub token: `HF_TOKEN` only, or null. Never logged. */
export function hubToken(env: Env): string | null {
  const token = env.HF_TOKEN?.trim();
  return token === undefined || token === "" ? null : token;
}
