/**
 * Quoting for every target a template writes to. Templates never paste a value raw: each
 * interpolation goes through one of these (see `lintTemplate`), so a recipe string such as
 * `'; rm -rf ~ #` or `$(touch /tmp/pwned)` stays an inert string in every rendered file.
 */

export class QuoteError extends Error {}

function present(value: unknown, what: string): void {
  if (value === undefined || value === null) throw new QuoteError(`${what}: value is missing`);
}

/**
 * A float PyYAML (YAML 1.1) reads back as a float: it needs a decimal point in the mantissa
 * and a signed exponent (`2.0e-05`; `2e-5` would be read as a string).
 */
export function yamlNumber(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  let s = String(n);
  const e = s.indexOf("e");
  if (e === -1) return s;
  let mantissa = s.slice(0, e);
  let exponent = s.slice(e + 1);
  if (!mantissa.includes(".")) mantissa += ".0";
  if (exponent[0] !== "-" && exponent[0] !== "+") exponent = `+${exponent}`;
  s = `${mantissa}e${exponent}`;
  return s;
}

/** A double-quoted YAML string that every YAML 1.1 and 1.2 parser reads back unchanged. */
export function yamlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    // Non-printable characters, line separators and BOM: escaped, since YAML forbids or folds them raw.
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) {
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** Any JSON-like value as a YAML flow value: strings always quoted, so `no` and `on` stay strings. */
export function yamlValue(value: unknown): string {
  present(value === undefined ? undefined : 0, "yaml");
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return yamlNumber(value);
  if (typeof value === "string") return yamlString(value);
  if (Array.isArray(value)) return `[${value.map(yamlValue).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${yamlString(k)}: ${yamlValue(v)}`).join(", ")}}`;
  }
  throw new QuoteError(`yaml: cannot write a ${typeof value}`);
}

/** A mapping key: bare when it is a plain identifier, quoted otherwise. */
export function yamlKey(key: unknown): string {
  present(key, "yamlKey");
  const s = String(key);
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !/^(y|n|yes|no|on|off|true|false|null)$/i.test(s) ? s : yamlString(s);
}

/** One shell word: single-quoted, with embedded quotes closed, escaped and reopened. */
export function shellWord(value: unknown): string {
  present(value, "sh");
  if (typeof value === "object") throw new QuoteError("sh: expects a string or number, not a list or mapping");
  const s = String(value);
  if (s.includes("\0")) throw new QuoteError("sh: a NUL byte cannot appear in a shell word");
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A value inside a harness's `key=value,key=value` argument (lm-eval's and lighteval's
 * `model_args`), quoted for the shell. A `,` or `=` in it would add keys of its own
 * (`models/x,trust_remote_code=True`), so it is refused, not escaped: neither harness unescapes.
 */
export function keyValueWord(value: unknown): string {
  present(value, "kv");
  if (typeof value === "object") throw new QuoteError("kv: expects a string or number, not a list or mapping");
  const s = String(value);
  if (/[,=]/.test(s)) throw new QuoteError(`kv: ${JSON.stringify(s)} contains \`,\` or \`=\`, which would add keys to the harness's key=value list; rename it`);
  return shellWord(s);
}

/** An integer, checked: safe anywhere, including `#SBATCH` lines that no shell reads. */
export function integer(value: unknown): string {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new QuoteError(`int: ${JSON.stringify(value)} is not an integer`);
  return String(value);
}

/**
 * A value on a `#SBATCH` line. sbatch reads those lines itself, not through a shell, so quoting
 * does not help: only a conservative character set is allowed (the schema says the same).
 */
export function slurmValue(value: unknown): string {
  present(value, "slurm");
  const s = String(value);
  if (!/^[A-Za-z0-9_.,:@%/+=*&|()[\]#-]+$/.test(s)) throw new QuoteError(`slurm: ${JSON.stringify(s)} has characters sbatch options cannot carry`);
  return s;
}
