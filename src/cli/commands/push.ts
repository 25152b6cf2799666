import type { Command } from "../command.js";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { foldEvents } from "../../run/run-state.js";
import { readEvents, runDir } from "../../run/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import { pushModel } from "../../publish/push-model.js";
import { hubToken, resolveEndpoints } from "../../sources/endpoints.js";
import type { CliIO } from "../io.js";

export const help = `intern push <run> --repo OWNER/NAME [--stage TRAIN_STAGE] [--private]

Uploads a model a run trained (its folder: weights, tokenizer, config, and the model card
README.md with the run's provenance and its lock's digest) to a Hub model repository, created
when missing, in one commit. HF_TOKEN (write role) from the environment; HF_ENDPOINT for a
mirror. The model is the last training stage of the run, or --stage.
Exit code 0 when pushed.
`;

export async function pushCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { repo: { type: "string" }, stage: { type: "string" }, private: { type: "boolean", default: false } } });
  const run = positionals[0];
  if (run === undefined || values.repo === undefined) throw new UsageError("intern push needs a run and --repo", "intern push <run> --repo my-org/my-model");
  if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo)) throw new UsageError(`--repo ${values.repo}: a Hub repository is OWNER/NAME`);
  const dir = runDir(io.cwd, run);
  const state = existsSync(dir) ? foldEvents(readEvents(dir)) : null;
  if (state === null) throw new InternError("INTERN_RUN_NOT_FOUND", `no run ${run}`, { hint: "`intern status` lists the runs" });
  const trained = [...state.stages.values()].filter((s) => s.kind === "train" && (s.status === "done" || s.status === "cached") && typeof s.outputs.model === "string");
  const stage = values.stage !== undefined ? trained.find((s) => s.id === values.stage) : trained.at(-1);
  if (!stage) throw new InternError("INTERN_PUSH_NO_MODEL", values.stage !== undefined ? `run ${run} has no trained model from stage ${values.stage}` : `run ${run} trained no model`, { hint: trained.length > 0 ? `its models: ${trained.map((s) => s.id).join(", ")}` : "push a run whose training finished" });
  const token = hubToken(io.env);
  if (token === null) throw new InternError("INTERN_PUSH_NO_TOKEN", "HF_TOKEN is not set: pushing to the Hub needs a token with the write role", { hint: "export HF_TOKEN=hf_..." });
  const files = await pushModel({ modelDir: String(stage.outputs.model), repo: values.repo, hubUrl: resolveEndpoints(io.env).hub, token, private: values.private!, commitTitle: `${state.name}: ${stage.id} of run ${run}` });
  io.stdout.write(`pushed ${files.length} files of ${stage.id} (run ${run}) to ${values.repo}:\n${files.map((f) => `  ${f}`).join("\n")}\n`);
  return 0;
}

export const command: Command = { help, run: pushCommand };
