import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSourceEmulators, type SourceEmulators } from "../emulators/index.js";
import { apply, cleanupEngineTests, intern, makeProject, provision, runs } from "../helpers/engine.js";
import { SCIENCE_QA } from "../helpers/open-data.js";
import { lockSchemaErrors } from "./lock-schema.js";

let sources: SourceEmulators;
beforeAll(async () => {
  await provision();
  sources = await startSourceEmulators("injection");
}, 900_000);
afterAll(async () => {
  await sources?.close();
});
afterEach(cleanupEngineTests);

const OFFLINE = { HF_ENDPOINT: "http://127.0.0.1:9" };

/** The engine fixture training on a Hub dataset the recipe pins to a branch, beside its local file. */
const PINNED = {
  data: {
    datasets: [
      { path: "data/train.jsonl", license: "cc0-1.0", format: "conversational", fraction: 0.5 },
      { id: "openscience/science-qa", revision: "main", split: "train", format: "prompt-completion", fraction: 0.5 },
    ],
  },
  sources: { datasets: { allow: ["openscience/**"] }, licenses: ["apache-2.0", "cc0-1.0"] },
};

describe("the lock of a recipe that pins a Hub dataset", () => {
  it("records the commit and file digests prepare read; --locked and audit read them again offline", async () => {
    const project = makeProject({ changes: PINNED });
    const r = await apply(project, [], sources.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const text = readFileSync(join(project.dir, "recipe.lock.yaml"), "utf8");
    const lock = parse(text) as Record<string, any>;
    expect(lockSchemaErrors(lock)).toBe("");
    expect(lock.datasets).toEqual([
      { source: "local", path: "data/train.jsonl", sha256: expect.stringMatching(/^sha256:/), license: "cc0-1.0" },
      { source: "hub", id: "openscience/science-qa", revision: "main", sha: SCIENCE_QA, file: "data/train.jsonl", sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), license: "apache-2.0", fraction: 0.5 },
    ]);

    // Nothing reachable: the lock's commit and file come from the download cache.
    const again = await apply(project, ["--locked"], OFFLINE);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(readFileSync(join(project.dir, ".intern", "runs", runs(project).at(-1)!, "lock.yaml"), "utf8")).toBe(text);

    const audited = await intern(project, ["audit", "recipe.lock.yaml", "--poll-interval", "100"], OFFLINE);
    expect(audited.code, audited.stdout + audited.stderr).toBe(0);
    expect(audited.stdout).toMatch(/\| dataset openscience\/science-qa \(data\/train\.jsonl\) \| bit-identical/);

    // A fresh checkout fetches the pinned file at its commit; a digest that moved is refused.
    rmSync(join(project.dir, ".intern", "cache", "hub"), { recursive: true, force: true });
    const lockFile = join(project.dir, "recipe.lock.yaml");
    writeFileSync(lockFile, text.replace(lock.datasets[1].sha256, `sha256:${"0".repeat(64)}`));
    const tampered = await apply(project, ["--locked"], { HF_ENDPOINT: sources.env.HF_ENDPOINT! });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(`datasets openscience/science-qa@${SCIENCE_QA}/data/train.jsonl: sha256:${"0".repeat(64)} in the lock, ${lock.datasets[1].sha256} now`);
  }, 300_000);
});
