import { describe, expect, it } from "vitest";
import { topoOrder } from "../../src/graph/detect-cycles.js";
import type { StageDraft } from "../../src/graph/draft.js";

const draft = (localId: string, needs: string[] = []): StageDraft => ({
  localId, name: localId, kind: "command", mode: "deterministic", placement: "control-plane", needs, pass: null, conditional: false,
  params: {}, resources: null, templates: [], outputs: [], description: "",
});

describe("topoOrder", () => {
  it("puts every stage after what it needs, keeping the given order otherwise", () => {
    const result = topoOrder([draft("c", ["b"]), draft("a"), draft("b", ["a"]), draft("d")]);
    expect("order" in result && result.order.map((d) => d.localId)).toEqual(["a", "b", "c", "d"]);
  });

  it("returns the first cycle as the ids along it", () => {
    expect(topoOrder([draft("x"), draft("a", ["b"]), draft("b", ["c"]), draft("c", ["a"])])).toEqual({ cycle: ["a", "b", "c", "a"] });
  });

  it("finds a stage that needs itself", () => {
    expect(topoOrder([draft("a", ["a"])])).toEqual({ cycle: ["a", "a"] });
  });

  it("ignores needs of stages that do not exist (the caller reports them)", () => {
    const result = topoOrder([draft("a", ["ghost"])]);
    expect("order" in result && result.order.map((d) => d.localId)).toEqual(["a"]);
  });
});
