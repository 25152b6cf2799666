const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

const parsed = new Map<string, number | null>();
const MAX_PARSED = 1000;

/**
 * Seconds in a duration as the schema admits it: `90s`, `1h30m`, `2d`, or Slurm's
 * `MM:SS`, `HH:MM:SS`, `D-HH:MM[:SS]`. Returns null for anything else.
 */
export function parseDuration(text: string): number | null {
  // Normalizing, the rules and the plan parse the same few strings once per matrix trial.
  let seconds = parsed.get(text);
  if (seconds === undefined) {
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(text, (seconds = parse(text)));
  }
  return seconds;
}

function parse(text: string): number | null {
  const units = /^(?:[0-9]+(?:\.[0-9]+)?[smhd])+$/;
  if (units.test(text)) {
    let total = 0;
    for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)([smhd])/g)) total += Number(m[1]) * UNIT[m[2]!]!;
    return total;
  }
  const slurm = /^(?:([0-9]+)-)?([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$/.exec(text);
  if (slurm) {
    const [, days, a, b, c] = slurm;
    const d = Number(days ?? 0);
    // With a day part Slurm reads `D-HH:MM[:SS]`; without one, `HH:MM:SS` or `MM:SS`.
    if (days !== undefined) return d * 86400 + Number(a) * 3600 + Number(b) * 60 + Number(c ?? 0);
    if (c !== undefined) return Number(a) * 3600 + Number(b) * 60 + Number(c);
    return Number(a) * 60 + Number(b);
  }
  return null;
}

/** `2h30m`, `45m`, `90s`: short and exact enough for tables. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : ""].filter(Boolean);
  if (d === 0 && h === 0 && s % 60) parts.push(`${s % 60}s`);
  return parts.join("");
}

/** Slurm's `--time` format, `D-HH:MM:SS`, rounded up to the minute. */
export function formatSlurmTime(seconds: number): string {
  const total = Math.ceil(seconds / 60) * 60;
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d}-${pad(h)}:${pad(m)}:00`;
}

/**
 * A Slurm `--time` that a job of `seconds` may run for. Slurm counts whole minutes; rounding up
 * would let a job run past what the budget allows, so it rounds down (to at least one minute).
 */
export function slurmTimeWithin(seconds: number): string {
  return formatSlurmTime(Math.max(60, Math.floor(seconds / 60) * 60));
}
