import { describe, expect, it } from "vitest";
import { viewerFirstRows, viewerInfo, viewerSplits } from "../../src/sources/index.js";
import { failure } from "../helpers/errors.js";
import { contextFor, policyFor, useEmulators } from "./setup.js";

const emu = useEmulators();

describe("dataset viewer", () => {
  it("lists splits, first rows with columns (JSONL and Parquet), and info", async () => {
    const ctx = contextFor(emu());
    const id = "openscience/science-qa";
    expect(await viewerSplits(ctx, policyFor(), id)).toEqual([
      { config: "default", split: "test" },
      { config: "default", split: "train" },
      { config: "default", split: "validation" },
    ]);
    const train = await viewerFirstRows(ctx, policyFor(), id, "default", "train", { maxRows: 2 });
    expect(train.columns.map((c) => c.name)).toEqual(["prompt", "completion"]);
    expect(train.rows).toEqual([
      { prompt: "Which particle mediates the electromagnetic force?", completion: "The photon." },
      { prompt: "What is the SI unit of magnetic flux?", completion: "The weber." },
    ]);
    expect(train.truncated).toBe(true);
    const chat = await viewerFirstRows(ctx, policyFor(), id, "default", "validation", { maxCellChars: 20 });
    expect(chat.columns.map((c) => c.name)).toContain("messages");
    expect(String(chat.rows[0]!.messages).length).toBeLessThanOrEqual(21);
    const info = await viewerInfo(ctx, policyFor(), id, "default");
    expect(info.splits.find((s) => s.name === "train")).toMatchObject({ rows: 3 });
    expect(info.columns.map((c) => c.name)).toContain("prompt");
  });

  it("refuses refused ids without asking, and reports unknown datasets", async () => {
    const e = emu();
    const before = e.datasetViewer.requests.length;
    expect((await failure(viewerFirstRows(contextFor(e), policyFor(), "evil/science-answers", "default", "train"))).code).toBe("INTERN_SOURCE_REFUSED");
    expect(e.datasetViewer.requests.length).toBe(before);
    expect((await failure(viewerSplits(contextFor(e), policyFor(), "openscience/nope"))).code).toBe("INTERN_SOURCE_NOT_FOUND");
  });
});
