import { parse } from "yaml";

/**
 * Which files of a Hub dataset repository hold one config and split, chosen the way the Hub's
 * `datasets` library chooses them: the card's `configs:` first, then the naming conventions.
 */

/** Data files the prepare stage reads. */
const DATA_FILE = /\.(parquet|jsonl|jsonl\.gz|jsonl\.zst)$/i;

export function isDataFile(path: string): boolean {
  return DATA_FILE.test(path);
}

/**
 * A path glob as `datasets` (fsspec) reads `data_files`: `*` and `?` stay inside one segment,
 * `**` crosses `/` (and `**\/` may match no folder at all), `[...]` is a character class.
 * Case-sensitive, like repository paths.
 */
export function pathGlob(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        re += "(?:.*/)?";
        i++;
      } else re += ".*";
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[" && glob.indexOf("]", i + 2) !== -1) {
      const end = glob.indexOf("]", i + 2);
      const body = glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** One entry of a card's `configs:`: its name, folder, and split -> globs (null: use the conventions). */
export interface CardConfig {
  name: string;
  isDefault: boolean;
  dataDir: string | null;
  dataFiles: Record<string, string[]> | null;
}

const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** The `configs:` of a card's YAML front matter; empty when it has none (or the YAML is not readable). */
export function cardConfigs(card: string | null): CardConfig[] {
  if (card === null) return [];
  const m = /^(?:\uFEFF)?---\r?\n([\s\S]*?)\r?\n---/.exec(card);
  if (m === null) return [];
  let meta: unknown;
  try {
    meta = parse(m[1]!);
  } catch {
    return [];
  }
  const configs = (meta as { configs?: unknown } | null)?.configs;
  if (!Array.isArray(configs)) return [];
  const out: CardConfig[] = [];
  for (const c of configs as Record<string, unknown>[]) {
    if (c === null || typeof c !== "object") continue;
    const name = typeof c.config_name === "string" ? c.config_name : "default";
    const raw = c.data_files;
    let dataFiles: Record<string, string[]> | null = null;
    if (typeof raw === "string" || (Array.isArray(raw) && raw.every((x) => typeof x === "string"))) dataFiles = { train: strings(raw) };
    else if (Array.isArray(raw)) {
      dataFiles = {};
      for (const e of raw as Record<string, unknown>[]) {
        if (e === null || typeof e !== "object" || typeof e.split !== "string") continue;
        dataFiles[e.split] = [...(dataFiles[e.split] ?? []), ...strings(e.path)];
      }
    } else if (raw !== null && typeof raw === "object") {
      dataFiles = {};
      for (const [split, paths] of Object.entries(raw as Record<string, unknown>)) dataFiles[split] = strings(paths);
    }
    out.push({ name, isDefault: c.default === true, dataDir: typeof c.data_dir === "string" ? c.data_dir.replace(/^\.?\/+|\/+$/g, "") : null, dataFiles });
  }
  return out;
}

/** Split names and their synonyms, as `datasets` recognises them in file and folder names. */
const SPLIT_KEYWORDS: readonly (readonly string[])[] = [
  ["train", "training"],
  ["validation", "valid", "val", "dev"],
  ["test", "testing", "eval", "evaluation"],
];

const SEP = "[-._ 0-9]";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The words that name `split` in paths: its synonyms when it is a known split, else itself. */
function keywords(split: string): string[] {
  const lower = split.toLowerCase();
  return [...(SPLIT_KEYWORDS.find((k) => k.includes(lower)) ?? [lower])];
}

/**
 * Whether a path (relative to the dataset's folder) names one of `words` as a split: a folder
 * that is the word or has it between separators, or a file name that begins with the word or
 * has it between separators (`train-00000-of-00002.parquet`, `data/train/x.jsonl`, `test_x.parquet`).
 */
function namesSplit(path: string, words: readonly string[]): boolean {
  const segments = path.toLowerCase().split("/");
  const name = segments.pop()!;
  const alt = words.map(escape).join("|");
  const inFolder = new RegExp(`(^|${SEP})(${alt})(${SEP}|$)`);
  const inName = new RegExp(`(^|${SEP})(${alt})${SEP}`);
  return segments.some((s) => inFolder.test(s)) || inName.test(name);
}

export type DataFileChoice = { ok: true; files: string[]; how: string } | { ok: false; reason: string };

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The data files among `files` (under `dir`, when set) that the conventions give `split`. */
function byConvention(files: readonly string[], dir: string | null, split: string): string[] {
  const inside = dir === null ? [...files] : files.filter((f) => f.startsWith(`${dir}/`));
  const rel = (f: string) => (dir === null ? f : f.slice(dir.length + 1));
  const data = inside.filter(isDataFile);
  const named = data.filter((f) => namesSplit(rel(f), keywords(split)));
  if (named.length > 0) return named;
  const anySplit = data.some((f) => SPLIT_KEYWORDS.some((k) => namesSplit(rel(f), k)));
  return !anySplit && split.toLowerCase() === "train" ? data : [];
}

/**
 * The files of `config` and `split` among a repository's `files`, sorted by path:
 * (a) the card's `configs:` (the recipe's config, else `default`, else the only one) and that
 * split's `data_files` globs; (b) else the conventions: the folder named after the config (when
 * one is set), then the files whose folders or name name the split (with its synonyms); (c) when
 * no file names any split, every data file is `train`.
 */
export function chooseDataFiles(input: { files: readonly string[]; card: string | null; config: string | null; split: string }): DataFileChoice {
  const { files, config, split } = input;
  const configs = cardConfigs(input.card);
  if (configs.length > 0) {
    const chosen =
      config !== null ? configs.find((c) => c.name === config) : (configs.find((c) => c.isDefault) ?? configs.find((c) => c.name === "default") ?? (configs.length === 1 ? configs[0] : undefined));
    const names = configs.map((c) => c.name).join(", ");
    if (chosen === undefined) {
      return { ok: false, reason: config !== null ? `its card has no config ${config} (it has ${names})` : `its card has several configs (${names}) and none is the default` };
    }
    if (chosen.dataFiles === null) {
      const found = byConvention(files, chosen.dataDir, split);
      return found.length > 0 ? { ok: true, files: found.sort(byPath), how: `config ${chosen.name}${chosen.dataDir ? ` (folder ${chosen.dataDir})` : ""}` } : { ok: false, reason: `config ${chosen.name} has no data file for split ${split}` };
    }
    const globs = chosen.dataFiles[split];
    if (globs === undefined) return { ok: false, reason: `config ${chosen.name} has no split ${split} (it has ${Object.keys(chosen.dataFiles).join(", ") || "none"})` };
    const prefix = chosen.dataDir === null ? "" : `${chosen.dataDir}/`;
    const patterns = globs.map((g) => pathGlob(prefix + g.replace(/^\.?\/+/, "")));
    const found = files.filter((f) => isDataFile(f) && patterns.some((p) => p.test(f)));
    return found.length > 0
      ? { ok: true, files: found.sort(byPath), how: `config ${chosen.name}, data_files ${globs.join(", ")}` }
      : { ok: false, reason: `config ${chosen.name}'s data_files for split ${split} (${globs.join(", ")}) match no Parquet or JSON Lines file` };
  }
  if (config !== null && config !== "default") {
    const found = byConvention(files, config, split);
    if (found.length > 0) return { ok: true, files: found.sort(byPath), how: `folder ${config}` };
    return { ok: false, reason: files.some((f) => f.startsWith(`${config}/`)) ? `folder ${config} has no data file for split ${split}` : `its card declares no configs and it has no folder ${config}` };
  }
  const found = byConvention(files, null, split);
  return found.length > 0 ? { ok: true, files: found.sort(byPath), how: "file names" } : { ok: false, reason: `no Parquet or JSON Lines file is named for split ${split}` };
}
