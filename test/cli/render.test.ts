import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cli } from "../helpers/cli.js";
import { FIXTURES, fixture, recipeYaml, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Files under `dir`, relative to it, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : out.push(relative(dir, join(d, e.name)));
  };
  walk(dir);
  return out.sort();
}

describe("intern render", () => {
  it("writes each job stage's files under DIR/stages/<stage>/ and lists them", async () => {
    const out = join(tmp.dir, "local");
    const r = await cli(["render", "recipes/minimal.yaml", "--out", out], FIXTURES);
    expect(r.code).toBe(0);
    expect(files(out)).toEqual(["stages/baseline/run.sh", "stages/evaluate/run.sh", "stages/train/accelerate.yaml", "stages/train/run.sh", "stages/train/sft.yaml"]);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual(
      ["baseline/run.sh", "train/sft.yaml", "train/accelerate.yaml", "train/run.sh", "evaluate/run.sh"].map((f) => `wrote ${join(out, "stages", f)}`),
    );
    expect(r.stderr).toBe("");
  });

  it("makes run.sh executable and the configs not", async () => {
    const out = join(tmp.dir, "modes");
    await cli(["render", "recipes/minimal.yaml", "--out", out], FIXTURES);
    expect(statSync(join(out, "stages/train/run.sh")).mode & 0o111).toBe(0o111);
    expect(statSync(join(out, "stages/train/sft.yaml")).mode & 0o111).toBe(0);
  });

  it("renders the recipe's hyperparameters into a TRL config that points into DIR", async () => {
    const out = join(tmp.dir, "sft");
    await cli(["render", "recipes/minimal.yaml", "--out", out], FIXTURES);
    const sft = parse(readFileSync(join(out, "stages/train/sft.yaml"), "utf8")) as Record<string, unknown>;
    expect(sft).toMatchObject({ model_name_or_path: "Qwen/Qwen3-0.6B", learning_rate: 2e-5, num_train_epochs: 1, output_dir: join(out, "stages/train/model") });
  });

  it("renders a dpo recipe as dpo.yaml, run by `trl dpo`", async () => {
    const out = join(tmp.dir, "dpo");
    const r = await cli(["render", join("render", "dpo-fsdp2.yaml"), "--out", out, "--stage", "train"], FIXTURES);
    expect(r.code, r.stderr).toBe(0);
    expect(files(out)).toEqual(["stages/train/accelerate.yaml", "stages/train/dpo.yaml", "stages/train/job.sbatch", "stages/train/run.sh"]);
    const dpo = parse(readFileSync(join(out, "stages/train/dpo.yaml"), "utf8")) as Record<string, unknown>;
    expect(dpo).toMatchObject({ beta: 0.1, loss_type: ["sigmoid"], use_peft: true, lora_r: 16, output_dir: join(out, "stages/train/model") });
    const script = readFileSync(join(out, "stages/train/run.sh"), "utf8");
    expect(script.split("\n").filter((l) => l.startsWith("exec trl"))).toEqual([
      `exec trl 'dpo' --config '${join(out, "stages/train/dpo.yaml")}' --accelerate_config '${join(out, "stages/train/accelerate.yaml")}'`,
    ]);
  });

  it("resolves a relative --out against the working folder", async () => {
    tmp.write("tiny.yaml", fixture("recipes/minimal.yaml"));
    const r = await cli(["render", "tiny.yaml", "--out", "rel-out", "--stage", "baseline"], tmp.dir);
    expect(r.code).toBe(0);
    expect(files(join(tmp.dir, "rel-out"))).toEqual(["stages/baseline/run.sh"]);
  });

  it("adds the Slurm wrapper with --backend slurm, for the chosen stages only", async () => {
    const out = join(tmp.dir, "slurm");
    const r = await cli(["render", "recipes/minimal.yaml", "--out", out, "--backend", "slurm", "--stage", "train", "--stage", "evaluate"], FIXTURES);
    expect(r.code).toBe(0);
    expect(files(out)).toEqual(["stages/evaluate/job.sbatch", "stages/evaluate/run.sh", "stages/train/accelerate.yaml", "stages/train/job.sbatch", "stages/train/run.sh", "stages/train/sft.yaml"]);
    expect(readFileSync(join(out, "stages/train/job.sbatch"), "utf8")).toMatch(/^#!.*bash\n#SBATCH /);
  });

  it("writes a Kubernetes manifest per job stage", async () => {
    tmp.write("k8s.yaml", recipeYaml({ compute: { backend: "kubernetes", kubernetes: { image: "ghcr.io/acme/trl:1.13" } } }));
    const out = join(tmp.dir, "k8s");
    const r = await cli(["render", "k8s.yaml", "--out", out], tmp.dir);
    expect(r.code).toBe(0);
    expect(files(out).filter((f) => f.endsWith("job.yaml"))).toEqual(["stages/baseline/job.yaml", "stages/evaluate/job.yaml", "stages/train/job.yaml"]);
  });

  it("renders one training stage per trial, each with its own value", async () => {
    const out = join(tmp.dir, "matrix");
    const r = await cli(["render", "recipes/matrix-lr.yaml", "--out", out], FIXTURES);
    expect(r.code).toBe(0);
    const rates = [1, 2, 3].map((t) => (parse(readFileSync(join(out, `stages/train.t${t}/sft.yaml`), "utf8")) as { learning_rate: number }).learning_rate);
    expect(rates).toEqual([1e-5, 2e-5, 5e-5]);
  });

  it("refuses an unknown --stage with the job stages as a hint, writing nothing", async () => {
    const out = join(tmp.dir, "unknown");
    const r = await cli(["render", "recipes/minimal.yaml", "--out", out, "--stage", "trian"], FIXTURES);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: no stage trian in this recipe (INTERN_USAGE)\n  hint: job stages: baseline, train, evaluate\n");
    expect(() => statSync(out)).toThrow();
  });

  it("says so when a chosen stage is not a job", async () => {
    const r = await cli(["render", "recipes/minimal.yaml", "--out", join(tmp.dir, "none"), "--stage", "prepare"], FIXTURES);
    expect(r).toMatchObject({ code: 0, stdout: "no job stages to render\n" });
  });
  it("puts the job environment where apply makes it: INTERN_ENVS_DIR when set, else .intern/envs in the working folder", async () => {
    const envs = join(tmp.dir, "shared-envs");
    const binDir = (text: string) => /^export PATH='([^']*)'/m.exec(text)?.[1];
    const render = async (out: string, env: Record<string, string>) => {
      const r = await cli(["render", "recipes/minimal.yaml", "--out", join(tmp.dir, out), "--stage", "train"], FIXTURES, env);
      expect(r.code).toBe(0);
      return binDir(readFileSync(join(tmp.dir, out, "stages/train/run.sh"), "utf8"));
    };
    expect(await render("envs-set", { INTERN_ENVS_DIR: envs })).toMatch(new RegExp(`^${envs}/[0-9a-f]{16}/bin$`));
    expect(await render("envs-unset", {})).toMatch(new RegExp(`^${join(FIXTURES, ".intern", "envs")}/[0-9a-f]{16}/bin$`));
  });
});
