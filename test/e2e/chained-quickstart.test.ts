import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/recipe.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);

interface StageJson {
  id: string;
  status: string;
  outputs: { value?: number; model?: string };
}

interface Point {
  kind: string;
  step?: number;
  metrics?: Record<string, number>;
}

/**
 * recipes/quickstart-sft-dpo.yaml for real: the quickstart's tiny model fine-tuned with `trl sft`
 * on the conversations, then with `trl dpo` on the preference pairs from the SFT model, each
 * method's data prepared in its own stage, and the DPO model evaluated. About a minute on two
 * idle cores once the job environment exists.
 */
describe("the chained quickstart (sft, then dpo)", () => {
  const project = mkdtempSync(join(tmpdir(), "intern-chained-"));
  beforeAll(async () => {
    await ensurePythonEnv();
    cpSync(join(ROOT, "recipes", "quickstart-sft-dpo.yaml"), join(project, "quickstart-sft-dpo.yaml"));
    cpSync(join(ROOT, "recipes", "quickstart"), join(project, "quickstart"), { recursive: true });
  }, 900_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("trains sft, then dpo from the sft model, and evaluates the dpo model above the baseline", async () => {
    const env = { ...process.env, INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "" };
    const bin = join(ROOT, "bin", "intern.js");
    const applied = await run(process.execPath, [bin, "apply", "quickstart-sft-dpo.yaml"], { cwd: project, env, timeout: 840_000 }).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(applied.stdout, applied.stderr).toMatch(/^run \S+: succeeded$/m);
    // Both train stages ran as jobs, the dpo one after the sft one.
    const out = applied.stdout!;
    expect(out).toMatch(/train: process \d+ submitted/);
    expect(out).toMatch(/train-dpo: process \d+ submitted/);
    expect(out.indexOf("train-dpo: started")).toBeGreaterThan(out.indexOf("train: done"));

    const status = await run(process.execPath, [bin, "status", "--output", "json"], { cwd: project, env });
    const [state] = JSON.parse(status.stdout) as { id: string; status: string; stages: StageJson[] }[];
    expect(state!.status).toBe("succeeded");
    expect(state!.stages.map((s) => [s.id, s.status])).toEqual(
      ["make-model", "baseline", "prepare", "prepare-dpo", "train", "train-dpo", "evaluate", "report"].map((id) => [id, "done"]),
    );
    const stage = (id: string) => state!.stages.find((s) => s.id === id)!;
    const dir = (id: string) => join(project, ".intern", "runs", state!.id, "stages", id);

    // Each method's data prepared, deduplicated and decontaminated on its own: the five benchmark
    // items copied into each file are removed from each.
    const manifest = (id: string) => JSON.parse(readFileSync(join(dir(id), "manifest.json"), "utf8")) as { datasets: { path: string; format: string }[]; totals: { contaminatedRemoved: number; written: number } };
    expect(manifest("prepare").datasets.map((d) => [d.path, d.format])).toEqual([["quickstart/train.jsonl", "conversational"]]);
    expect(manifest("prepare-dpo").datasets.map((d) => [d.path, d.format])).toEqual([["quickstart/preferences.jsonl", "preference"]]);
    expect(manifest("prepare").totals.contaminatedRemoved).toBe(5);
    expect(manifest("prepare-dpo").totals.contaminatedRemoved).toBe(5);

    // The dpo stage started from the sft stage's model, and read the preference data.
    const sftModel = stage("train").outputs.model!;
    expect(sftModel).toBe(join(dir("train"), "model"));
    expect(existsSync(join(sftModel, "config.json"))).toBe(true);
    const dpoConfig = parse(readFileSync(join(dir("train-dpo"), "dpo.yaml"), "utf8")) as Record<string, unknown>;
    expect(dpoConfig.model_name_or_path).toBe(sftModel);
    expect(dpoConfig.dataset_name).toBe(join(dir("prepare-dpo"), "data"));
    expect(dpoConfig.beta).toBe(0.1);
    // And it did: its first logged step already predicts most tokens of the chosen answers, as
    // the sft model learned to (the base model, which scores chance, does not).
    const points = readFileSync(join(dir("train-dpo"), "progress.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Point);
    const sftLast = readFileSync(join(dir("train"), "progress.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Point).filter((p) => p.kind === "log").at(-1)!;
    const dpoFirst = points.find((p) => p.kind === "log")!;
    expect(sftLast.metrics!.mean_token_accuracy).toBeGreaterThan(0.5);
    expect(dpoFirst.metrics!.mean_token_accuracy, JSON.stringify(dpoFirst)).toBeGreaterThan(0.5);
    expect(dpoFirst.metrics!["rewards/chosen"]).toBeDefined();

    // Evaluation scored the dpo model, above the base model.
    const evalScript = readFileSync(join(dir("evaluate"), "run.sh"), "utf8");
    expect(evalScript).toContain(`--model '${join(dir("train-dpo"), "model")}'`);
    const baseline = stage("baseline").outputs.value!;
    const trained = stage("evaluate").outputs.value!;
    expect(Math.abs(baseline - 0.25)).toBeLessThan(0.1);
    expect(trained, `baseline ${baseline}, trained ${trained}`).toBeGreaterThan(baseline + 0.2);

    // The lock records both training stages' methods and hyperparameters.
    const lock = parse(readFileSync(join(project, "quickstart-sft-dpo.lock.yaml"), "utf8")) as { training: { method: string; then: { method: string; hyperparameters: Record<string, unknown> }[] } };
    expect(lock.training.method).toBe("sft");
    expect(lock.training.then.map((t) => [t.method, t.hyperparameters.beta])).toEqual([["dpo", 0.1]]);
    // Each trained model's card names the chain.
    const card = readFileSync(join(dir("train-dpo"), "model", "README.md"), "utf8");
    expect(card).toContain("(sft, then dpo) from the recipe");
    expect(card).toContain("Then dpo (training.then[0]):");
  }, 900_000);
});
