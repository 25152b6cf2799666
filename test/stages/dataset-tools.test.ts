import { describe, expect, it } from "vitest";
import { datasetInfo, listDatasetFiles } from "../../src/sources/index.js";
import { idRefusal, isRepoId } from "../../src/sources/policy.js";
import { datasetTools } from "../../src/stages/research-tools.js";
import { failure } from "../helpers/errors.js";
import { contextFor, policyFor, useEmulators } from "../sources/setup.js";

const emu = useEmulators();

/** Runs one of the dataset tools the agent gets, as the tool loop would. */
async function tool(name: string, args: Record<string, unknown>, sources: Record<string, unknown> = {}): Promise<unknown> {
  const t = datasetTools(contextFor(emu()), policyFor(sources), 4000).find((x) => x.name === name)!;
  return t.run(args);
}

describe("repository ids are exactly owner/name", () => {
  it.each(["openscience/../evil/science-answers", "openscience/science-qa/../../evil/x", "./openscience/science-qa", "openscience/.", "openscience/..", "https://huggingface.co/datasets/evil/x", "openscience/science-qa ", "openscience", "a/b--c", "-a/b"])(
    "refuses %j before any request, even when a glob matches it",
    async (id) => {
      expect(isRepoId(id)).toBe(false);
      const policy = policyFor({ datasets: { allow: ["openscience/**", "**"], deny: [] } });
      expect(idRefusal(policy, "dataset", id)?.reason).toBe("it is not a Hub repository id of the form `owner/name`");
      const e = emu();
      const before = e.hub.requests.length;
      expect((await failure(datasetInfo(contextFor(e), policy, id))).code).toBe("INTERN_SOURCE_REFUSED");
      expect((await failure(listDatasetFiles(contextFor(e), policy, id, "main"))).code).toBe("INTERN_SOURCE_REFUSED");
      expect(e.hub.requests.length).toBe(before);
    },
  );

  it("accepts the ids the Hub has", () => {
    for (const id of ["openscience/science-qa", "Idavidrein/gpqa", "allenai/tulu-3-sft-mixture", "HuggingFaceH4/ultrachat_200k", "a/b.c_d-1"]) expect(isRepoId(id)).toBe(true);
  });
});

describe("tools that read a dataset's files or rows apply the whole policy", () => {
  it.each([
    ["anon/science-unlicensed", "it declares no license"],
    ["gated-lab/science-restricted", "it is gated and sources.allow_gated is false"],
  ])("%s: list_files, dataset_splits and first_rows are refused, and the viewer is never asked", async (id, reason) => {
    const e = emu();
    const viewerBefore = e.datasetViewer.requests.length;
    const treeBefore = e.hub.requests.filter((r) => r.url.includes("/tree/")).length;
    for (const name of ["list_files", "dataset_splits", "first_rows"]) {
      expect(await tool(name, { id })).toEqual({ refused: [{ id, reason }] });
    }
    expect(e.datasetViewer.requests.length).toBe(viewerBefore);
    expect(e.hub.requests.filter((r) => r.url.includes("/tree/")).length).toBe(treeBefore);
  });

  it("an allowed dataset's files and rows are read as before", async () => {
    const files = (await tool("list_files", { id: "openscience/science-qa" })) as { path: string }[];
    expect(files.map((f) => f.path)).toContain("data/train.jsonl");
    const splits = (await tool("dataset_splits", { id: "openscience/science-qa" })) as { split: string }[];
    expect(splits.map((s) => s.split)).toContain("train");
  });
});
