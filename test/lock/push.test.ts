import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { modelFiles } from "../../src/publish/push-model.js";
import { apply, cleanupEngineTests, intern, makeProject, provision, runs } from "../helpers/engine.js";
import { startUploadEmulator, type UploadEmulator } from "./hub-upload-emulator.js";

const TOKEN = "hf_pushtest0123456789";
let hub: UploadEmulator;

beforeAll(async () => {
  await provision();
  hub = await startUploadEmulator(TOKEN);
}, 900_000);
afterAll(() => hub?.close());
afterEach(cleanupEngineTests);

describe("intern push", () => {
  it("uploads exactly the model's files and its card to the Hub, in one commit", async () => {
    const project = makeProject();
    expect((await apply(project)).code).toBe(0);
    const run = runs(project).at(-1)!;
    const modelDir = join(project.dir, ".intern", "runs", run, "stages", "train", "model");
    const r = await intern(project, ["push", run, "--repo", "acme/creatures"], { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const repo = hub.repos.get("acme/creatures")!;
    expect([...repo.files.keys()].sort()).toEqual(modelFiles(modelDir));
    expect([...repo.files.keys()]).toContain("README.md");
    for (const [path, content] of repo.files) expect(content.equals(readFileSync(join(modelDir, path))), path).toBe(true);
    expect(repo.commits).toEqual([`engine-fixture: train of run ${run}`]);

    // Again: the repository exists, a second commit.
    expect((await intern(project, ["push", run, "--repo", "acme/creatures"], { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN })).code).toBe(0);
    expect(repo.commits).toHaveLength(2);

    const bad = await intern(project, ["push", run, "--repo", "acme/other"], { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_wrong" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("INTERN_PUSH_FAILED");
    const none = await intern(project, ["push", run, "--repo", "acme/other"], { HF_ENDPOINT: hub.url });
    expect(none.stderr).toContain("INTERN_PUSH_NO_TOKEN");
  }, 120_000);
});
