import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { stringify } from "yaml";
import { InternError, type Diagnostic } from "../errors.js";
import { schemaDiagnostics, type SchemaCheck } from "../recipe/check-schema.js";
import { parseYamlFile, type DocumentKind } from "../recipe/parse.js";
import { diagnosticAt } from "../recipe/source.js";
import { validate } from "./generated/lock-validator.js";
import type { Lock } from "./types.js";

const HEADER = "# intern lock file: what this recipe's last run resolved and decided. Commit it with the recipe\n# (and the transcripts in the .lock.d folder beside it); `intern apply --locked` and `intern audit` rerun it.\n";

export { lockPathFor } from "./lock-path.js";

/** `recipes/a.lock.yaml` -> `recipes/a.lock.d`: the transcripts the lock names. */
export function lockDirFor(lockPath: string): string {
  return join(dirname(lockPath), `${basename(lockPath).replace(/\.lock\.ya?ml$/i, "").replace(/\.ya?ml$/i, "")}.lock.d`);
}

/** Where `apply --locked` finds an agentic stage's recorded transcript. */
export function lockedTranscript(lockDir: string, stageId: string): string {
  return join(lockDir, "transcripts", `${stageId}.jsonl`);
}

/** Where an audit finds an evaluation's recorded per-item results. */
export function lockedItems(lockDir: string, stageId: string): string {
  return join(lockDir, "items", `${stageId}.json`);
}

/** The per-item results file an evaluation stage's outputs name (`items.file`), if any. */
export function itemsFileOf(outputs: Record<string, unknown> | undefined): string | null {
  const file = (outputs?.items as { file?: unknown } | undefined)?.file;
  return typeof file === "string" ? file : null;
}

/** The lock as YAML: fixed key order, no line wrapping, so equal locks are equal bytes. */
export function serializeLock(lock: Lock): string {
  return HEADER + stringify(lock, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

const REWRITE_HINT = "a lock is written by `intern apply`: restore it from git, or apply the recipe again to write a new one";

function lockInvalid(file: string, diagnostics: Diagnostic[]): InternError {
  const errors = diagnostics.length;
  return new InternError("INTERN_LOCK_INVALID", `${file}: ${errors} error${errors === 1 ? "" : "s"}`, { diagnostics, hint: REWRITE_HINT });
}

const LOCK_FILE: DocumentKind = { noun: "lock file", codePrefix: "INTERN_LOCK", keys: "lock_version, intern, recipe, ...", emptyHint: REWRITE_HINT, invalid: lockInvalid };
const LOCK_SCHEMA: SchemaCheck = { validate, code: "INTERN_LOCK_INVALID", subject: "lock", pickAlternative: true };

/**
 * Reads a lock and checks it against schema/lock.schema.json before anything uses it: a lock
 * edited by hand, truncated or from elsewhere gives located errors (`FILE:LINE:COL`), never a
 * crash further on. `shown` is the path messages give (as the user wrote it).
 */
export function readLock(path: string, shown = path): Lock {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new InternError("INTERN_LOCK_MISSING", `there is no lock file ${shown}`, { hint: "a successful `intern apply` of the recipe writes it beside the recipe" });
  }
  const { source, data } = parseYamlFile(shown, bytes, LOCK_FILE);
  const version = (data as { lock_version?: unknown }).lock_version;
  if (version !== 1) {
    const what = version === undefined ? "it has no lock_version" : `its lock_version is ${JSON.stringify(version)}`;
    throw lockInvalid(shown, [diagnosticAt(source, ["lock_version"], "INTERN_LOCK_INVALID", `not an intern lock file of this version: ${what}, not 1`, { hint: "see schema/lock.schema.json; `intern apply` writes a new lock" })]);
  }
  const problems = schemaDiagnostics(source, data, LOCK_SCHEMA);
  if (problems.length > 0) throw lockInvalid(shown, problems.map((d) => (d.hint === undefined ? { ...d, hint: REWRITE_HINT } : d)));
  return data as Lock;
}

/**
 * Writes the lock and copies the files it names into `<recipe>.lock.d/`: the transcripts
 * (`transcripts/`, so a clean checkout can replay them) and the evaluations' per-item results
 * (`items/`, so an audit can count the items that flipped). Files of stages the lock no longer
 * names are removed.
 */
export function writeLock(lockPath: string, lock: Lock, files: { transcripts: Readonly<Record<string, string>>; items: Readonly<Record<string, string>> }): void {
  const dir = lockDirFor(lockPath);
  const copy = (folder: string, named: Readonly<Record<string, string>>, target: (dir: string, stage: string) => string) => {
    rmSync(join(dir, folder), { recursive: true, force: true });
    for (const [stage, file] of Object.entries(named)) {
      if (!existsSync(file)) continue;
      mkdirSync(join(dir, folder), { recursive: true });
      copyFileSync(file, target(dir, stage));
    }
  };
  copy("transcripts", files.transcripts, lockedTranscript);
  copy("items", files.items, lockedItems);
  writeFileSync(lockPath, serializeLock(lock));
}
