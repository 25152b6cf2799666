import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FEATURE_PACKAGES } from "../../src/recipe/derive.js";
import { ENVS_DIR, ensurePythonEnv } from "./python-env.js";

/** lm-eval's dependencies that pip's index on the test machines has (its requirements, less the ones listed below). */
const AVAILABLE = ["sacrebleu", "scikit-learn", "dill", "more-itertools", "jinja2", "numpy", "typing-extensions", "tqdm"];

/**
 * lm-eval 0.4.13's requirements that pip's index on the test machines lacks (`pip install
 * lm-eval==0.4.13` stops at the first: "No matching distribution found for evaluate>=0.4.0").
 * A multiple-choice log-likelihood task imports none of them; the CLI imports pytablewriter to
 * print its summary table once results are saved, so test/support/python/pytablewriter stands in.
 */
export const LM_EVAL_MISSING_FROM_INDEX = ["evaluate", "pytablewriter", "rouge-score", "sqlitedict", "word2number"] as const;

const SHIMS = fileURLToPath(new URL("./python", import.meta.url));

/**
 * A job environment with lm-eval for the tests: the suite's TRL stack (intern's own provisioning)
 * seen through a `.pth` file, lm-eval itself at the version intern pins, installed without its
 * dependencies, and the dependencies the index has. Made once into test/.envs; returns its python.
 */
export async function ensureLmEvalEnv(): Promise<string> {
  const base = await ensurePythonEnv();
  const pin = FEATURE_PACKAGES["lm-eval"].pin.replace("[hf]", "");
  const id = createHash("sha256").update([base, pin, "bin-links", ...AVAILABLE, readFileSync(join(SHIMS, "pytablewriter", "__init__.py"), "utf8")].join("\n")).digest("hex").slice(0, 12);
  const dir = join(ENVS_DIR, `lm-eval-${id}`);
  const python = join(dir, "bin", "python");
  if (existsSync(join(dir, ".ready"))) return python;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(ENVS_DIR, { recursive: true });
  const env = { ...process.env, PIP_RETRIES: "0", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  execFileSync("python3", ["-m", "venv", dir], { env });
  const site = (py: string) => execFileSync(py, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8" }).trim();
  writeFileSync(join(site(python), "intern-test-base.pth"), `${site(base)}\n${SHIMS}\n`);
  const pip = (args: string[]) => execFileSync(python, ["-m", "pip", "install", "--no-input", "-q", ...args], { env, stdio: ["ignore", "ignore", "pipe"], timeout: 900_000 });
  pip(["--no-deps", pin]);
  pip(AVAILABLE);
  // The TRL stack's commands (`accelerate`, `trl`), which jobs find on this environment's PATH.
  const baseBin = join(base, "..");
  for (const name of readdirSync(baseBin)) if (!existsSync(join(dir, "bin", name))) symlinkSync(join(baseBin, name), join(dir, "bin", name));
  writeFileSync(join(dir, ".ready"), `${new Date().toISOString()}\n`);
  return python;
}
