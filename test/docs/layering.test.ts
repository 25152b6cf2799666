import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Every `.ts` file under src/, as paths relative to src/. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [relative(SRC, join(dir, e.name))] : []));
}

/** The top folder of a path under src/ ("errors.ts" for a file at the top). */
const folderOf = (path: string) => path.split("/")[0]!;

/** folder -> folder -> the files that make the arrow, from every relative import under src/. */
function arrows(): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const file of sources()) {
    const text = readFileSync(join(SRC, file), "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = relative(SRC, resolve(dirname(join(SRC, file)), m[1]!));
      const from = folderOf(file);
      const to = folderOf(target);
      if (from === to || !file.includes("/") || !target.includes("/")) continue;
      const row = out.get(from) ?? new Map<string, string[]>();
      out.set(from, row);
      row.set(to, [...(row.get(to) ?? []), file]);
    }
  }
  return out;
}

describe("the layout of src/", () => {
  const graph = arrows();

  it("has no two folders that import each other", () => {
    const ties: string[] = [];
    for (const [a, row] of graph) {
      for (const b of row.keys()) if (a < b && graph.get(b)?.has(a)) ties.push(`${a} <-> ${b} (${row.get(b)!.join(", ")} / ${graph.get(b)!.get(a)!.join(", ")})`);
    }
    expect(ties).toEqual([]);
  });

  it("keeps the command line on top: nothing imports src/cli", () => {
    const intoCli = [...graph].filter(([from, row]) => from !== "cli" && row.has("cli")).map(([from, row]) => `${from}: ${row.get("cli")!.join(", ")}`);
    expect(intoCli).toEqual([]);
  });

  it("finds the import arrows it checks (the scan reads real imports)", () => {
    expect(graph.get("cli")?.has("engine")).toBe(true);
    expect(graph.get("engine")?.has("run")).toBe(true);
  });
});
