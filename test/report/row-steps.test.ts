import { describe, expect, it } from "vitest";
import { rowSteps } from "../../src/report/data-markdown.js";

describe("the rows' steps of a prepare stage", () => {
  it("sums the datasets' counts, and leaves out the steps a manifest does not record", () => {
    const m = { datasets: [{ rows: { read: 12, notFitting: 2, mapped: 10, taken: 10 } }, { rows: { read: 5, mapped: 5, taken: 5 } }], totals: { afterMix: 15, written: 14 } };
    expect(rowSteps(m as never)).toEqual([
      { label: "read", count: 17 },
      { label: "after the mix", count: 15 },
      { label: "written for training", count: 14 },
    ]);
    expect(rowSteps({ datasets: [], totals: { duplicatesRemoved: 0, contaminatedRemoved: 1 } })).toEqual([
      { label: "duplicates removed", count: 0 },
      { label: "contaminated removed", count: 1 },
    ]);
  });
});
