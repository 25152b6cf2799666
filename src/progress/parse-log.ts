/**
 * Reads what TRL and transformers write into a job's log: tqdm bars, redrawn after a carriage
 * return (` 45%|████▌     | 9/20 [00:03<00:04,  2.61it/s]`), and the trainer's logging dicts on
 * lines of their own (`{'loss': '0.84', 'grad_norm': '1.2', 'learning_rate': '2e-05', 'epoch':
 * '0.5'}`: transformers 5 writes each float as a string with four significant digits, earlier
 * versions as a bare float). Pure: bytes in, observations out.
 */

/** A bar's state as one of its redraws shows it. */
export interface BarReading {
  type: "bar";
  /** The bar's description (`Tokenizing train dataset`); empty for the trainer's own bars. */
  desc: string;
  n: number;
  total: number;
  elapsedSeconds: number | null;
  etaSeconds: number | null;
  /** Iterations a second; null before the bar has measured one (`?it/s`). */
  rate: number | null;
}

/** A logging dict's numbers (strings that hold a number count; `nan`, `True` and text do not). */
export interface DictReading {
  type: "dict";
  values: Record<string, number>;
}

/** What one segment of the log said, and where in the log it ended (bytes, separator included). */
export type Observation = (BarReading | DictReading) & { offset: number };

// Cursor moves a nested bar writes (`\x1b[A`) and any other CSI sequence.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const BAR = /^(?:(.*?): ?)?\s*(\d{1,3})%\|[^|]*\|\s*([\d.]+[kMGTPEZY]?)\/([\d.]+[kMGTPEZY]?)\s*\[([^<\]]*)<([^,\]]*),\s*([^,\]]*)[^\]]*\]\s*$/;
const SCALE: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Z: 1e21, Y: 1e24 };
/** A dict is a trainer's when it has one of these keys (or an `eval_` one): not any JSON a job prints. */
const TRAINER_KEYS = new Set(["loss", "learning_rate", "grad_norm", "epoch", "train_loss", "train_runtime"]);
const ENTRY = /(['"])([^'"]+)\1\s*:\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^,}]+)/g;
/** A line without a line break that long is no bar or dict: it is dropped rather than held. */
const MAX_PENDING = 1 << 20;
/** Longer segments are not read as a bar or a dict (a bar is about 100 characters, a dict a few hundred). */
const MAX_SEGMENT = 16 * 1024;

function count(text: string): number {
  const m = /^([\d.]+)([kMGTPEZY]?)$/.exec(text);
  return m ? Number(m[1]) * (SCALE[m[2]!] ?? 1) : NaN;
}

/** tqdm's intervals: `MM:SS` or `H:MM:SS`, `?` when unknown. */
export function parseInterval(text: string): number | null {
  const parts = text.trim().split(":");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) return null;
  return parts.reduce((s, p) => s * 60 + Number(p), 0);
}

/** `2.61it/s`, `4919.46 examples/s`, `1.14s/it`, `?it/s`: iterations a second, or null. */
function parseRate(text: string): number | null {
  const slow = /^([\d.]+)\s*s\/\S+$/.exec(text.trim());
  if (slow) return Number(slow[1]) > 0 ? 1 / Number(slow[1]) : null;
  const fast = /^([\d.]+[kMGTPEZY]?)\s*[^/]*\/s$/.exec(text.trim());
  const rate = fast ? count(fast[1]!) : NaN;
  return Number.isFinite(rate) ? rate : null;
}

/** One redraw of a tqdm bar with a total, or null. */
export function parseBar(segment: string): BarReading | null {
  const m = BAR.exec(segment);
  if (!m) return null;
  const n = count(m[3]!);
  const total = count(m[4]!);
  if (!Number.isFinite(n) || !Number.isFinite(total) || total <= 0) return null;
  return { type: "bar", desc: (m[1] ?? "").trim(), n, total, elapsedSeconds: parseInterval(m[5]!), etaSeconds: parseInterval(m[6]!), rate: parseRate(m[7]!) };
}

/** A trainer's logging dict on a line of its own (Python's repr or JSON), or null. */
export function parseLogDict(segment: string): DictReading | null {
  const line = segment.trim();
  if (!line.startsWith("{") || !line.endsWith("}")) return null;
  const values: Record<string, number> = {};
  let trainer = false;
  for (const m of line.matchAll(ENTRY)) {
    const key = m[2]!;
    let raw = m[3]!.trim();
    if (raw.startsWith("'") || raw.startsWith('"')) raw = raw.slice(1, -1).trim();
    if (TRAINER_KEYS.has(key) || key.startsWith("eval_")) trainer = true;
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) continue;
    const value = Number(raw);
    if (Number.isFinite(value)) values[key] = value;
  }
  return trainer && Object.keys(values).length > 0 ? { type: "dict", values } : null;
}

/**
 * Reads a log as it grows, a chunk at a time: splits it at carriage returns and line breaks, and
 * keeps a partial last segment for the next chunk. A bar is redrawn without a line break, so the
 * last segment is also read as a bar when it is a whole one (a redraw cut short does not parse).
 */
export class LogParser {
  private pending: Buffer = Buffer.alloc(0);
  /** Log offset of `pending`'s first byte. */
  private start: number;
  /** The partial last segment already reported as a bar, so it is not reported twice. */
  private reportedTail = "";

  constructor(offset = 0) {
    this.start = offset;
  }

  /** The log's bytes read so far, up to the last separator. */
  get offset(): number {
    return this.start;
  }

  push(chunk: Buffer): Observation[] {
    const out: Observation[] = [];
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let from = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b !== 10 && b !== 13) continue;
      const text = buf.subarray(from, i).toString("utf8");
      // The first segment is the last chunk's tail, now whole: read unless it was reported as it stood.
      if (from > 0 || text !== this.reportedTail) this.read(text, this.start + i + 1, out);
      this.reportedTail = "";
      from = i + 1;
    }
    this.start += from;
    this.pending = Buffer.from(buf.subarray(from));
    if (this.pending.length > MAX_PENDING) {
      this.start += this.pending.length;
      this.pending = Buffer.alloc(0);
      this.reportedTail = "";
    }
    const tail = this.pending.length <= MAX_SEGMENT ? this.pending.toString("utf8") : "";
    if (tail !== this.reportedTail) {
      const bar = parseBar(tail.replace(ANSI, ""));
      if (bar) {
        out.push({ ...bar, offset: this.start });
        this.reportedTail = tail;
      }
    }
    return out;
  }

  private read(raw: string, offset: number, out: Observation[]): void {
    if (raw.length > MAX_SEGMENT) return;
    const text = raw.replace(ANSI, "");
    if (text.trim() === "") return;
    const seen = parseBar(text) ?? parseLogDict(text);
    if (seen) out.push({ ...seen, offset });
  }
}
