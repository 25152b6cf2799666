import { describe, expect, it } from "vitest";
import { cardConfigs, chooseDataFiles, pathGlob } from "../../src/sources/data-files.js";

const card = (yaml: string) => `---\n${yaml}\n---\n# A dataset\n`;
const choose = (files: string[], split = "train", config: string | null = null, text: string | null = null) => chooseDataFiles({ files, card: text, config, split });

describe("pathGlob", () => {
  it("keeps * and ? inside a folder, lets ** cross folders (or none), and reads [0-9] classes", () => {
    expect(pathGlob("data/train-*").test("data/train-00000-of-00002.parquet")).toBe(true);
    expect(pathGlob("data/train-*").test("data/x/train-0.parquet")).toBe(false);
    expect(pathGlob("data/*.jsonl").test("data/a/b.jsonl")).toBe(false);
    expect(pathGlob("**/*.parquet").test("a.parquet")).toBe(true);
    expect(pathGlob("**/*.parquet").test("a/b/c.parquet")).toBe(true);
    expect(pathGlob("data/**").test("data/a/b.parquet")).toBe(true);
    expect(pathGlob("shard-?.jsonl").test("shard-1.jsonl")).toBe(true);
    expect(pathGlob("shard-[0-9].jsonl").test("shard-x.jsonl")).toBe(false);
    expect(pathGlob("a.b").test("axb")).toBe(false);
  });
});

describe("cardConfigs", () => {
  it("reads split lists, plain globs, data_dir and the default flag; nothing without front matter", () => {
    const text = card(
      [
        "license: mit",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: data/train-*",
        "  - split: test",
        "    path: [data/test-*, extra/test.jsonl]",
        "- config_name: plain",
        "  data_files: plain/*.jsonl",
        "- config_name: folder",
        "  data_dir: ./folder/",
        "  default: true",
      ].join("\n"),
    );
    expect(cardConfigs(text)).toEqual([
      { name: "default", isDefault: false, dataDir: null, dataFiles: { train: ["data/train-*"], test: ["data/test-*", "extra/test.jsonl"] } },
      { name: "plain", isDefault: false, dataDir: null, dataFiles: { train: ["plain/*.jsonl"] } },
      { name: "folder", isDefault: true, dataDir: "folder", dataFiles: null },
    ]);
    expect(cardConfigs("# no front matter")).toEqual([]);
    expect(cardConfigs(null)).toEqual([]);
    expect(cardConfigs(card("configs: [unclosed"))).toEqual([]);
  });
});

describe("chooseDataFiles", () => {
  const sharded = ["README.md", "data/train-00001-of-00002.parquet", "data/train-00000-of-00002.parquet", "data/test-00000-of-00001.parquet", "data/validation-00000-of-00001.parquet"];

  it("takes the shards of the split by their names, sorted, and none of another split", () => {
    expect(choose(sharded)).toMatchObject({ ok: true, files: ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"] });
    expect(choose(sharded, "test")).toMatchObject({ ok: true, files: ["data/test-00000-of-00001.parquet"] });
    expect(choose(sharded, "validation")).toMatchObject({ ok: true, files: ["data/validation-00000-of-00001.parquet"] });
  });

  it("knows the split keywords' synonyms, in folder and file names", () => {
    const files = ["training/part-0.jsonl", "dev/part-0.jsonl", "data/test_x.parquet", "data/eval.jsonl.zst", "notes.txt"];
    expect(choose(files)).toMatchObject({ files: ["training/part-0.jsonl"] });
    expect(choose(files, "validation")).toMatchObject({ files: ["dev/part-0.jsonl"] });
    expect(choose(files, "test")).toMatchObject({ files: ["data/eval.jsonl.zst", "data/test_x.parquet"] });
    // A word merely containing a keyword does not name a split.
    expect(choose(["data/restaurant.jsonl", "data/contest.jsonl"], "test")).toMatchObject({ ok: false });
  });

  it("reads every data file as train when no file names a split", () => {
    const files = ["README.md", "conversations.jsonl.gz", "more/part-1.parquet", "script.py", "meta.json"];
    expect(choose(files)).toMatchObject({ ok: true, files: ["conversations.jsonl.gz", "more/part-1.parquet"] });
    expect(choose(files, "test")).toMatchObject({ ok: false, reason: "no Parquet or JSON Lines file is named for split test" });
    expect(choose(["data/train.csv"])).toMatchObject({ ok: false });
  });

  it("looks in the config's folder when the recipe names a config and the card has no configs", () => {
    const files = ["en/train-0.parquet", "en/test-0.parquet", "fr/train-0.parquet"];
    expect(choose(files, "train", "fr")).toMatchObject({ ok: true, files: ["fr/train-0.parquet"] });
    expect(choose(files, "train", "de")).toMatchObject({ ok: false, reason: "its card declares no configs and it has no folder de" });
  });

  it("follows the card's configs: the default, the recipe's config, the only one", () => {
    const text = card(["configs:", "- config_name: default", "  data_files:", "  - split: train", "    path: chosen/*.jsonl", "- config_name: other", "  data_files:", "  - split: train", "    path: data/train-0000[1]-*"].join("\n"));
    const files = [...sharded, "chosen/a.jsonl", "chosen/b.jsonl"];
    expect(choose(files, "train", null, text)).toMatchObject({ ok: true, files: ["chosen/a.jsonl", "chosen/b.jsonl"], how: "config default, data_files chosen/*.jsonl" });
    expect(choose(files, "train", "other", text)).toMatchObject({ ok: true, files: ["data/train-00001-of-00002.parquet"] });
    expect(choose(files, "test", null, text)).toMatchObject({ ok: false, reason: "config default has no split test (it has train)" });
    expect(choose(files, "train", "missing", text)).toMatchObject({ ok: false, reason: "its card has no config missing (it has default, other)" });
    const only = card(["configs:", "- config_name: sft", "  data_files: chosen/a.jsonl"].join("\n"));
    expect(choose(files, "train", null, only)).toMatchObject({ ok: true, files: ["chosen/a.jsonl"] });
    const two = card(["configs:", "- config_name: a", "  data_files: x/*", "- config_name: b", "  data_files: y/*"].join("\n"));
    expect(choose(files, "train", null, two)).toMatchObject({ ok: false, reason: "its card has several configs (a, b) and none is the default" });
  });
});
