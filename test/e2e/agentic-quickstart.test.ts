import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { useAgenticEmulators } from "../helpers/agentic-emulators.js";
import { patch, ROOT } from "../helpers/recipe.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);

const API_KEY = "mk-e2e-test-0123456789";
const DATASET = "northern-pass/creature-colours";
/** The commit `main` points at in the quickstart scenario. */
const PINNED = "4e6f72746865726e2050617373203230323621aa";

interface StageJson {
  id: string;
  status: string;
  outputs: Record<string, unknown> & { value?: number };
}

/**
 * The quickstart with its data left open: research finds the paper, discover pins the dataset it
 * introduced on the (emulated) Hub, prepare decontaminates it, real `trl sft` trains on the CPU,
 * the builtin evaluator scores it, decide chooses the second pass, the report lists the mix.
 * The target is out of reach (above 1: the quickstart trains to 48 of 48), so decide asks the
 * model rather than stopping on the rule.
 */
const OPEN = {
  data: { datasets: undefined },
  benchmark: { target: 1.01 },
  budget: { wall_clock: "3h", llm: { tokens: 500000 }, iterations: 2 },
  sources: {
    papers: { providers: ["hf-papers", "arxiv"], seed: ["2601.00042"] },
    datasets: { allow: ["northern-pass/**"] },
    licenses: ["cc0-1.0"],
  },
  agent: { model: "mistral-small-latest", max_steps: 6, max_tokens: 512 },
  training: { hyperparameters: { learning_rate: undefined }, search_space: { learning_rate: { values: [5.0e-3, 4.0e-3] } } },
};

const mixItem = { dataset: DATASET, file: "data/train.jsonl", format: "conversational", fraction: 1, why: "the colour of each creature, as conversations" };

describe("the quickstart with open data, against the emulators", () => {
  const project = mkdtempSync(join(tmpdir(), "intern-agentic-quickstart-"));
  const emu = useAgenticEmulators("quickstart", API_KEY, ensurePythonEnv);

  beforeAll(() => {
    const recipe = patch(parse(readFileSync(join(ROOT, "recipes", "quickstart.yaml"), "utf8")) as Record<string, unknown>, OPEN);
    writeFileSync(join(project, "quickstart-open.yaml"), stringify(recipe, { lineWidth: 0 }));
    // make-model still trains the tiny model's tokenizer on the quickstart's files; the training
    // rows come from the Hub (the scenario's dataset holds the same rows).
    cpSync(join(ROOT, "recipes", "quickstart"), join(project, "quickstart"), { recursive: true });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("research -> discover -> download -> prepare -> train (real TRL) -> evaluate -> decide -> second pass -> report", async () => {
    emu.mistral.reply(
      // research
      { toolCalls: [{ name: "paper_datasets", arguments: { id: "2601.00042" } }] },
      { toolCalls: [{ name: "answer", arguments: { candidates: [{ dataset: DATASET, paper: "2601.00042", quote: "We introduce northern-pass/creature-colours", why: "the benchmark asks these colours" }] } }] },
      // discover
      { toolCalls: [{ name: "check_dataset", arguments: mixItem }] },
      { toolCalls: [{ name: "answer", arguments: { mix: [mixItem] } }] },
      // decide.p1
      { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "below the target; try a lower learning rate", hyperparameters: { learning_rate: 4.0e-3 } } }] },
    );
    const env = { ...process.env, ...emu.env(), INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "" };
    const bin = join(ROOT, "bin", "intern.js");
    const applied = await run(process.execPath, [bin, "apply", "quickstart-open.yaml", "--backend", "local"], { cwd: project, env, timeout: 840_000 }).catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
    const recipeFile = join(project, "quickstart-open.yaml");
    expect((parse(readFileSync(recipeFile, "utf8")) as { data: Record<string, unknown> }).data.datasets).toBeUndefined();
    expect(applied.stdout, applied.stderr).toMatch(/^run \S+: succeeded$/m);
    expect(emu.mistral.pending()).toBe(0);

    const status = await run(process.execPath, [bin, "status", "--output", "json"], { cwd: project, env });
    const [state] = JSON.parse(status.stdout) as { id: string; status: string; stages: StageJson[] }[];
    expect(state!.status).toBe("succeeded");
    const stage = (id: string) => state!.stages.find((s) => s.id === id)!;
    expect(state!.stages.map((s) => s.id).sort()).toEqual(["baseline", "decide.p1", "discover", "evaluate.p1", "evaluate.p2", "make-model", "prepare.p1", "prepare.p2", "report", "research", "train.p1", "train.p2"]);
    for (const s of state!.stages) expect([s.id, s.status]).toEqual([s.id, "done"]);

    // The pinned revision is in discover's outputs, and prepare read that commit.
    const mix = stage("discover").outputs.mix as { id: string; sha: string; revision: string }[];
    expect(mix).toEqual([expect.objectContaining({ id: DATASET, revision: "main", sha: PINNED })]);
    const runDir = join(project, ".intern", "runs", state!.id);
    const manifest = JSON.parse(readFileSync(join(runDir, "stages", "prepare.p1", "manifest.json"), "utf8")) as { datasets: { path: string }[]; totals: { contaminatedRemoved: number } };
    expect(manifest.datasets.map((d) => d.path)).toEqual([`hf://datasets/${DATASET}@${PINNED}/data/train.jsonl`]);
    // The five benchmark items copied into the training rows are removed, as in the quickstart.
    expect(manifest.totals.contaminatedRemoved).toBe(5);

    // decide chose the second pass's learning rate, and both passes beat the baseline.
    expect(stage("decide.p1").outputs).toMatchObject({ decision: "continue", by: "agent", hyperparameters: { learning_rate: 4.0e-3 } });
    const baseline = stage("baseline").outputs.value!;
    const first = stage("evaluate.p1").outputs.value!;
    const second = stage("evaluate.p2").outputs.value!;
    expect(Math.abs(baseline - 0.25)).toBeLessThan(0.1);
    expect(first, `baseline ${baseline}, pass 1 ${first}`).toBeGreaterThan(baseline + 0.2);
    expect(second, `baseline ${baseline}, pass 2 ${second}`).toBeGreaterThan(baseline + 0.2);

    // The report lists the mix with its pinned commit.
    const report = readFileSync(join(runDir, "report.md"), "utf8");
    expect(report).toContain(`| ${DATASET} | ${PINNED} | data/train.jsonl |`);
  }, 900_000);
});
