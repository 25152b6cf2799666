/**
 * The data of a YAML document written the plain way recipes are: block mappings and sequences,
 * one-line plain and quoted scalars, one-line flow sequences of scalars, `|` and `>` block
 * scalars, comments; printable ASCII only. For anything else (anchors, tags, flow mappings,
 * multi-line flow or plain scalars, tabs, CR, documents markers, duplicate keys, a syntax error)
 * it returns null, and the caller parses with the yaml library, which also says what is wrong.
 *
 * Why: the yaml library builds a full document (every node with its position) and is slow
 * until V8 has warmed up to it; on a command's first and only parse of a recipe that is the
 * largest part of what `intern validate` adds to Node's start-up. The document is only needed to
 * point at a line, so it is made when a message needs one (see parse.ts).
 *
 * Same data as `parseDocument(text, { version: "1.2", strict: true, uniqueKeys: true }).toJS()`
 * for every document it accepts: plain scalars resolve with the YAML 1.2 core schema's tests,
 * in the yaml library's order (test/recipe/plain-yaml.test.ts compares the two).
 */
export function parsePlainYaml(text: string): Record<string, unknown> | null {
  if (!PRINTABLE.test(text) || !text.endsWith("\n")) return null;
  const lines = text.split("\n");
  lines.pop();
  const parser = new Parser(lines);
  try {
    const first = parser.peek();
    if (first === -1 || indentOf(lines[first]!) !== 0 || isSeqEntry(lines[first]!, 0)) return null;
    const data = parser.map(0);
    return parser.peek() === -1 ? data : null;
  } catch (error) {
    if (error === UNSUPPORTED) return null;
    throw error;
  }
}

/** Printable ASCII and newlines: no tabs, CR, control characters or anything the yaml library escapes or folds differently. */
const PRINTABLE = /^[\x20-\x7e\n]*$/;
/** Thrown inside the parser for anything outside the plain subset; never escapes parsePlainYaml. */
const UNSUPPORTED = Symbol("unsupported");
/** A mapping key: a plain scalar of these characters, followed by `:` and a space or the line's end. */
const ENTRY = /^([A-Za-z0-9_][A-Za-z0-9_.\/-]*):(?: +(.*))?$/;
/** What a plain scalar may not start with here: YAML's indicators, and `-` before a space. */
const INDICATOR = /^(?:[[\]{}#&*!|>'"%@`,?:]|-(?: |$))/;

// The YAML 1.2 core schema's plain scalar tags, in the yaml library's order (yaml/dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

function resolvePlain(s: string): unknown {
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === "t" || s[0] === "T";
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === "nan" ? NaN : s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** Whether the line is `- ...` (or a bare `-`) at `indent`. */
function isSeqEntry(line: string, indent: number): boolean {
  return line[indent] === "-" && (line.length === indent + 1 || line[indent + 1] === " ");
}

/** Blank lines and lines holding only a comment carry nothing in block context. */
function isBlank(line: string): boolean {
  const t = line.trimStart();
  return t === "" || t[0] === "#";
}

class Parser {
  private i = 0;

  constructor(private readonly lines: string[]) {}

  /** The index of the next line that carries something, or -1 at the end. */
  peek(): number {
    while (this.i < this.lines.length && isBlank(this.lines[this.i]!)) this.i++;
    return this.i < this.lines.length ? this.i : -1;
  }

  /** A block mapping whose keys start at column `indent`. */
  map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let at = this.peek(); at !== -1; at = this.peek()) {
      const line = this.lines[at]!;
      const ind = indentOf(line);
      if (ind < indent) break;
      if (ind > indent || isSeqEntry(line, ind)) throw UNSUPPORTED;
      const m = ENTRY.exec(line.slice(ind));
      if (!m) throw UNSUPPORTED;
      const key = m[1]!;
      // A key the core schema reads as something else than a string, or one JS objects treat apart.
      if (key.length > 1000 || resolvePlain(key) !== key || key === "__proto__" || Object.hasOwn(out, key)) throw UNSUPPORTED;
      this.i = at + 1;
      out[key] = this.value(m[2] ?? "", indent);
    }
    return out;
  }

  /** A block sequence whose dashes are at column `indent`. */
  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let at = this.peek(); at !== -1; at = this.peek()) {
      const line = this.lines[at]!;
      const ind = indentOf(line);
      if (ind < indent || (ind === indent && !isSeqEntry(line, ind))) break;
      if (ind > indent) throw UNSUPPORTED;
      const rest = line.slice(ind + 1);
      const content = rest.trimStart();
      if (content === "" || content[0] === "#") {
        this.i = at + 1;
        out.push(this.nested(indent, false));
        continue;
      }
      const col = ind + 1 + (rest.length - content.length);
      if (ENTRY.test(content)) {
        // `- key: value`: a mapping whose keys start where this one does.
        this.lines[at] = " ".repeat(col) + content;
        out.push(this.map(col));
        continue;
      }
      if (isSeqEntry(content, 0)) throw UNSUPPORTED;
      this.i = at + 1;
      out.push(this.value(content, indent));
    }
    return out;
  }

  /** What follows a key or a dash with nothing after it on its line. */
  private nested(indent: number, underKey: boolean): unknown {
    const at = this.peek();
    if (at === -1) return null;
    const line = this.lines[at]!;
    const ind = indentOf(line);
    if (ind > indent) return isSeqEntry(line, ind) ? this.seq(ind) : this.map(ind);
    // A key's sequence may start at the key's own column.
    if (underKey && ind === indent && isSeqEntry(line, ind)) return this.seq(ind);
    return null;
  }

  /** The value after `key: ` or `- ` on a line of the node at column `indent`. */
  private value(text: string, indent: number): unknown {
    const c = text[0];
    if (text === "" || c === "#") return this.nested(indent, true);
    if (c === '"' || c === "'") {
      const { value, end } = quoted(text, 0);
      if (!isEnd(text, end)) throw UNSUPPORTED;
      return value;
    }
    if (c === "[") return flowSeq(text);
    if (c === "|" || c === ">") return this.blockScalar(text, indent);
    return plain(text);
  }

  /** `|`, `|-`, `>` or `>-` and the lines below it, more indented than `indent`. */
  private blockScalar(header: string, indent: number): string {
    const h = header.trimEnd();
    if (h !== "|" && h !== "|-" && h !== ">" && h !== ">-") throw UNSUPPORTED;
    const body: string[] = [];
    let contentIndent = -1;
    let j = this.i;
    for (; j < this.lines.length; j++) {
      const line = this.lines[j]!;
      if (line === "") break;
      const ind = indentOf(line);
      if (ind === line.length) throw UNSUPPORTED;
      if (contentIndent === -1) {
        if (ind <= indent) break;
        contentIndent = ind;
      } else if (ind < contentIndent) break;
      body.push(line.slice(contentIndent));
    }
    if (body.length === 0) throw UNSUPPORTED;
    // What ends the scalar: empty lines, then the next node less indented (or the end).
    let k = j;
    while (k < this.lines.length && this.lines[k] === "") k++;
    if (k < this.lines.length && indentOf(this.lines[k]!) >= contentIndent) throw UNSUPPORTED;
    this.i = j;
    const keep = h.length === 1 ? "\n" : "";
    if (h[0] === "|") return body.join("\n") + keep;
    // Folded: only lines at one indentation with no trailing spaces, joined by single spaces.
    if (body.some((l) => l[0] === " " || l.endsWith(" "))) throw UNSUPPORTED;
    return body.join(" ") + keep;
  }
}

/** Nothing but spaces, or spaces and a comment, from `end` on. */
function isEnd(text: string, end: number): boolean {
  const rest = text.slice(end);
  const t = rest.trimStart();
  return t === "" || (t[0] === "#" && t.length < rest.length);
}

/** A one-line quoted scalar starting at `start`: its value and the index after its closing quote. */
function quoted(text: string, start: number): { value: string; end: number } {
  const q = text[start];
  let out = "";
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (q === "'") {
      if (ch !== "'") out += ch;
      else if (text[i + 1] === "'") (out += "'"), i++;
      else return { value: out, end: i + 1 };
      continue;
    }
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = text[++i];
    if (e === "\\" || e === '"' || e === "/") out += e;
    else if (e === "n") out += "\n";
    else if (e === "t") out += "\t";
    else throw UNSUPPORTED;
  }
  throw UNSUPPORTED;
}

/** A one-line plain scalar, its comment cut off. */
function plain(text: string): unknown {
  if (INDICATOR.test(text)) throw UNSUPPORTED;
  const hash = text.indexOf(" #");
  const s = (hash === -1 ? text : text.slice(0, hash)).trimEnd();
  if (s.includes(": ") || s.endsWith(":")) throw UNSUPPORTED;
  return resolvePlain(s);
}

/** `[a, "b", 3]` on one line: scalars only, no trailing comma. */
function flowSeq(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 1;
  const skip = () => {
    while (text[i] === " ") i++;
  };
  skip();
  if (text[i] === "]") {
    if (!isEnd(text, i + 1)) throw UNSUPPORTED;
    return out;
  }
  for (;;) {
    skip();
    const c = text[i];
    if (c === '"' || c === "'") {
      const q = quoted(text, i);
      out.push(q.value);
      i = q.end;
    } else {
      let j = i;
      while (j < text.length && !",[]{}#".includes(text[j]!)) j++;
      const item = text.slice(i, j).trimEnd();
      if (item === "" || INDICATOR.test(item) || item.includes(": ") || item.endsWith(":")) throw UNSUPPORTED;
      out.push(resolvePlain(item));
      i = j;
    }
    skip();
    if (text[i] === ",") {
      i++;
      skip();
      if (text[i] === "]") throw UNSUPPORTED;
      continue;
    }
    if (text[i] === "]" && isEnd(text, i + 1)) return out;
    throw UNSUPPORTED;
  }
}
