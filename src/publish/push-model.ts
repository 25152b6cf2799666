import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createRepo, uploadFiles } from "@huggingface/hub";
import { InternError } from "../errors.js";

/** Every file under a model folder, by its path in the repository (sorted). */
export function modelFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  return out;
}

export interface PushOptions {
  modelDir: string;
  /** `owner/name` of the model repository. */
  repo: string;
  hubUrl: string;
  token: string;
  private: boolean;
  commitTitle: string;
  fetch?: typeof fetch;
}

/**
 * Uploads a trained model's folder (weights, tokenizer, config and the model card README.md) to a
 * Hub model repository, creating the repository when it does not exist yet. Returns the paths sent.
 */
export async function pushModel(o: PushOptions): Promise<string[]> {
  const files = modelFiles(o.modelDir);
  if (!files.includes("README.md")) throw new InternError("INTERN_PUSH_NO_CARD", `${o.modelDir} has no model card (README.md)`, { hint: "push a model trained by a run that succeeded: its card is written when the run ends" });
  const common = { repo: { type: "model" as const, name: o.repo }, accessToken: o.token, hubUrl: o.hubUrl, ...(o.fetch ? { fetch: o.fetch } : {}) };
  try {
    await createRepo({ ...common, private: o.private });
  } catch (error) {
    // An existing repository takes a new commit.
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 409 && !/already (exists|created)/i.test(error instanceof Error ? error.message : String(error))) throw hubFailure(o, error);
  }
  try {
    await uploadFiles({ ...common, commitTitle: o.commitTitle, files: files.map((path) => ({ path, content: new Blob([readFileSync(join(o.modelDir, path))]) })), useXet: false });
  } catch (error) {
    throw hubFailure(o, error);
  }
  return files;
}

function hubFailure(o: PushOptions, error: unknown): InternError {
  const message = error instanceof Error ? error.message : String(error);
  return new InternError("INTERN_PUSH_FAILED", `pushing to ${o.repo} on ${o.hubUrl} failed: ${message}`, { hint: /401|403|unauthori[sz]ed|forbidden/i.test(message) ? "HF_TOKEN needs write access to the repository (a token with the write role)" : "check HF_ENDPOINT, the repository name and your network" });
}
