import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ROOT } from "../helpers/recipe.js";
import { ensureLmEvalEnv } from "../support/lm-eval-env.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);

interface Sample {
  doc_id: number;
  scores: number[];
  acc: number;
  acc_norm: number;
}

/** lm-eval's per-item file (`--log_samples`) in the builtin evaluator's shape. */
function lmEvalSamples(resultsDir: string): Sample[] {
  const find = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? find(join(d, e.name)) : /^samples_.*\.jsonl$/.test(e.name) ? [join(d, e.name)] : []));
  const [file] = find(resultsDir);
  return readFileSync(file!, "utf8").trim().split("\n").map((line) => {
    const s = JSON.parse(line) as { doc_id: number; filtered_resps: [string, string][]; acc: number; acc_norm: number };
    return { doc_id: s.doc_id, scores: s.filtered_resps.map((r) => Number(r[0])), acc: s.acc, acc_norm: s.acc_norm };
  }).sort((a, b) => a.doc_id - b.doc_id);
}

function builtinSamples(resultsDir: string): Sample[] {
  return readFileSync(join(resultsDir, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Sample);
}

/** The same items scored by both harnesses: the same log-likelihoods (to float noise), so the same answers. */
function expectAgreement(builtin: Sample[], lmEval: Sample[]): number {
  expect(lmEval.map((s) => s.doc_id)).toEqual(builtin.map((s) => s.doc_id));
  let worst = 0;
  builtin.forEach((b, i) => {
    const l = lmEval[i]!;
    b.scores.forEach((score, c) => (worst = Math.max(worst, Math.abs(score - l.scores[c]!))));
    expect([b.doc_id, b.acc, b.acc_norm]).toEqual([l.doc_id, l.acc, l.acc_norm]);
  });
  expect(worst).toBeLessThan(1e-4);
  return worst;
}

/**
 * lm-eval for real: the quickstart with `harness: lm-eval` on its local benchmark file (intern
 * writes the task), in an environment holding lm-eval 0.4.13 (test/support/lm-eval-env.ts says
 * which of its dependencies pip's index here lacks). The baseline and the trained model are
 * scored by lm-eval's CLI, and the builtin evaluator must agree with it item by item.
 */
describe("lm-eval on a local multiple-choice file", () => {
  const project = mkdtempSync(join(tmpdir(), "intern-lm-eval-"));
  let lmEvalPython = "";
  let trlPython = "";
  let runDir = "";
  const env = { ...process.env, INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "" };

  beforeAll(async () => {
    trlPython = await ensurePythonEnv();
    lmEvalPython = await ensureLmEvalEnv();
    cpSync(join(ROOT, "recipes", "quickstart"), join(project, "quickstart"), { recursive: true });
    const recipe = parse(readFileSync(join(ROOT, "recipes", "quickstart.yaml"), "utf8")) as Record<string, any>;
    recipe.name = "quickstart-lm-eval";
    recipe.benchmark.harness = "lm-eval";
    recipe.benchmark.batch_size = 8;
    // Fewer epochs: this test is about the evaluations, not the score.
    recipe.training.hyperparameters.num_train_epochs = 4;
    recipe.compute.environment = { python: lmEvalPython };
    writeFileSync(join(project, "recipe.yaml"), stringify(recipe));
  }, 1_200_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("runs the baseline and the evaluation through lm-eval's CLI, and records its version and task hash", async () => {
    const bin = join(ROOT, "bin", "intern.js");
    const applied = await run(process.execPath, [bin, "apply", "recipe.yaml"], { cwd: project, env, timeout: 600_000 }).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(applied.stdout, applied.stderr).toMatch(/^run \S+: succeeded$/m);
    const status = await run(process.execPath, [bin, "status", "--output", "json"], { cwd: project, env });
    const [state] = JSON.parse(status.stdout) as { id: string; stages: { id: string; outputs: Record<string, any> }[] }[];
    runDir = join(project, ".intern", "runs", state!.id);
    for (const id of ["baseline", "evaluate"]) {
      const out = state!.stages.find((s) => s.id === id)!.outputs;
      // lm-eval's own results file, read as it wrote it.
      const results = JSON.parse(readFileSync(out.results as string, "utf8")) as Record<string, any>;
      expect(results.lm_eval_version).toBe("0.4.13");
      expect(out.harness).toMatchObject({ name: "lm-eval", version: "0.4.13", task_version: 1, transformers: "5.17.0" });
      expect(out.harness.task_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(out.harness.config).toMatchObject({ num_fewshot: 0, apply_chat_template: true, batch_size: "8" });
      expect(out.task).toBe("intern-creature-colours");
      expect(out.value).toBe(results.results["intern-creature-colours"]["acc,none"]);
      // The tiny model has a chat template: the job asked through it, as the builtin evaluator does.
      const script = readFileSync(join(runDir, "stages", id, "run.sh"), "utf8");
      expect(script).toContain("--apply_chat_template");
      expect(readFileSync(join(runDir, "stages", id, "job.log"), "utf8")).toMatch(/Running loglikelihood requests.*\n[^]*Saving results aggregated/);
    }
    const lock = parse(readFileSync(join(project, "recipe.lock.yaml"), "utf8")) as { evaluations: Record<string, any>[] };
    expect(lock.evaluations.map((e) => e.harness)).toEqual([
      expect.objectContaining({ name: "lm-eval", version: "0.4.13", task_version: 1 }),
      expect.objectContaining({ name: "lm-eval", version: "0.4.13", task_version: 1 }),
    ]);
    // Same items, same prompts: the same task hash before and after training.
    expect(lock.evaluations[0]!.harness.task_hash).toBe(lock.evaluations[1]!.harness.task_hash);
  }, 900_000);

  it("agrees with the builtin evaluator item by item, on the base model and the trained one", async () => {
    expect(runDir, "needs the run above").not.toBe("");
    for (const [id, model] of [["baseline", "make-model"], ["evaluate", "train"]] as const) {
      const out = join(project, `builtin-${id}`);
      await run(trlPython, [join(ROOT, "python", "evaluate_builtin.py"), "--model", join(runDir, "stages", model, "model"), "--data", join(project, "quickstart", "benchmark.jsonl"), "--output", out], { env, timeout: 300_000 });
      expectAgreement(builtinSamples(out), lmEvalSamples(join(runDir, "stages", id, "results")));
    }
  }, 600_000);

  it("agrees with few-shot examples too, in both prompt forms (chat template, and plain for a model without one)", async () => {
    expect(runDir, "needs the run above").not.toBe("");
    const model = join(runDir, "stages", "make-model", "model");
    // The same model without its chat template: the plain "Question: ...\nAnswer:" form.
    const plain = join(project, "plain-model");
    cpSync(model, plain, { recursive: true });
    rmSync(join(plain, "chat_template.jinja"), { force: true });
    const tc = JSON.parse(readFileSync(join(plain, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    delete tc.chat_template;
    writeFileSync(join(plain, "tokenizer_config.json"), JSON.stringify(tc));
    const tasks = join(runDir, "stages", "baseline");
    for (const [form, dir, file, flags] of [["chat", model, "lm-eval-task-chat.yaml", ["--apply_chat_template"]], ["plain", plain, "lm-eval-task.yaml", []]] as const) {
      const builtinOut = join(project, `fewshot-builtin-${form}`);
      const lmOut = join(project, `fewshot-lm-eval-${form}`);
      await run(trlPython, [join(ROOT, "python", "evaluate_builtin.py"), "--model", dir, "--data", join(project, "quickstart", "benchmark.jsonl"), "--num-fewshot", "2", "--limit", "12", "--output", builtinOut], { env, timeout: 300_000 });
      await run(join(lmEvalPython, "..", "lm_eval"), ["--model", "hf", "--model_args", `pretrained=${dir}`, "--tasks", join(tasks, file), ...flags, "--num_fewshot", "2", "--limit", "12", "--batch_size", "1", "--device", "cpu", "--output_path", lmOut, "--log_samples"], { env: { ...env, HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1" }, timeout: 300_000 });
      const b = builtinSamples(builtinOut);
      expect(b).toHaveLength(12);
      expectAgreement(b, lmEvalSamples(lmOut));
    }
  }, 600_000);
});
