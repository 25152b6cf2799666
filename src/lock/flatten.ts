/** A nested value as `path -> scalar` (`templates.jobs/train.sh.hbs`, `environment.requirements[2]`), for naming what differs. */
export function flatten(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.set(path, "[]");
      v.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      if (entries.length === 0) out.set(path, "{}");
      for (const [k, item] of entries) walk(item, path === "" ? k : `${path}.${k}`);
    } else out.set(path, v === undefined ? "null" : JSON.stringify(v));
  };
  walk(value, prefix);
  return out;
}

export interface Difference {
  path: string;
  before: string | null;
  after: string | null;
}

/** Every path whose value differs between two values, in the order of `a`, then the paths only `b` has. */
export function differences(a: unknown, b: unknown): Difference[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const out: Difference[] = [];
  for (const [path, v] of fa) if (fb.get(path) !== v) out.push({ path, before: v, after: fb.get(path) ?? null });
  for (const [path, v] of fb) if (!fa.has(path)) out.push({ path, before: null, after: v });
  return out;
}

/** `templates.jobs/train.sh.hbs: "sha256:1a2b…" in the lock, "sha256:3c4d…" now`. */
export function describeDifference(d: Difference, was = "in the lock", is = "now"): string {
  if (d.before === null) return `${d.path}: not ${was}, ${d.after} ${is}`;
  if (d.after === null) return `${d.path}: ${d.before} ${was}, gone ${is}`;
  return `${d.path}: ${d.before} ${was}, ${d.after} ${is}`;
}
