import { HubApiError } from "@huggingface/hub";
import { InternError } from "../errors.js";
import { redact } from "../process/redact.js";
import type { SourceContext } from "./context.js";
import { httpFailure } from "./http.js";

/**
 * Runs a call into `@huggingface/hub` and turns whatever it throws into an InternError with a
 * stable code and the secrets redacted. The library's own error is never attached as a cause.
 */
export async function hubCall<T>(ctx: SourceContext, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw hubFailure(ctx, what, error);
  }
}

export function hubFailure(ctx: SourceContext, what: string, error: unknown): InternError {
  if (error instanceof InternError) return new InternError(error.code, redact(error.message, ctx.secrets), error.hint === undefined ? {} : { hint: error.hint });
  if (error instanceof HubApiError) {
    // The library appends ". URL: ..." (and a request id); keep the service's own words.
    const detail = error.message.replace(/\.\s*URL: .*$/s, "");
    return httpFailure(ctx.label("hub"), what, error.statusCode, detail, ctx.secrets);
  }
  if (error instanceof TypeError && /access token must start with 'hf_'/.test(error.message)) {
    return new InternError("INTERN_SOURCE_AUTH", `${what}: HF_TOKEN is not a Hugging Face token (tokens start with hf_)`, { hint: "set HF_TOKEN to a token from https://huggingface.co/settings/tokens, or unset it" });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternError("INTERN_SOURCE_HTTP", redact(`${what}: ${message}`, ctx.secrets));
}
