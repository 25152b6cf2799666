import { printableJson, printableJsonText } from "../printable.js";
import { textWriter, type Sink } from "./stdio.js";

/** Text is handed to the sink in pieces of about this many characters. */
const PIECE = 1 << 16;

function plainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== "object") return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A plain value, or plain containers of them: what JSON.stringify writes with no toJSON of the value's own. */
function plainValue(v: unknown): boolean {
  return v === null || typeof v !== "object" || plainContainer(v);
}

/** A plain object whose members, and the items of its lists, are plain: written piece by piece. */
function streamable(value: unknown): value is Record<string, unknown> {
  return plainContainer(value) && !Array.isArray(value) && Object.values(value).every((v) => (Array.isArray(v) ? v.every(plainValue) : plainValue(v)));
}

/**
 * Writes `printableJson(value) + "\n"`, the same text, a piece at a time: the members of the
 * top-level object, and the items of its lists, are stringified one by one. A plan of a large
 * sweep is megabytes of JSON; made whole, that text and its UTF-8 copy cost more than making it.
 * Anything but a plain object of plain values (a toJSON of its own, say) is written whole.
 * A piece always ends between two JSON tokens, never inside a character.
 */
export function writePrintableJson(sink: Sink, value: unknown): void {
  const write = textWriter(sink);
  if (!streamable(value)) {
    write(`${printableJson(value)}\n`);
    return;
  }
  let pieces: string[] = [];
  let size = 0;
  const put = (text: string) => {
    pieces.push(text);
    size += text.length;
    if (size >= PIECE) {
      write(pieces.join(""));
      pieces = [];
      size = 0;
    }
  };
  // printableJson of something `depth` levels down: its inner lines indented.
  const nested = (v: unknown, depth: number): string | undefined => {
    const text = JSON.stringify(v, null, 2);
    return text === undefined ? undefined : printableJsonText(text.replaceAll("\n", `\n${"  ".repeat(depth)}`));
  };
  let first = true;
  for (const k of Object.keys(value)) {
    const v = value[k];
    // Lists are written item by item; anything else whole, and left out when JSON leaves it out.
    const text = Array.isArray(v) && v.length > 0 ? null : nested(v, 1);
    if (text === undefined) continue;
    put(`${first ? "{" : ","}\n  ${printableJsonText(JSON.stringify(k))}: `);
    first = false;
    if (text !== null) {
      put(text);
      continue;
    }
    putItems(v as unknown[], put);
  }
  put(first ? "{}\n" : "\n}\n");
  if (size > 0) write(pieces.join(""));
}

// JSON.stringify({ a: items }, null, 2) around its items: they come out indented as the
// members of a top-level list are, with `,\n    ` between them.
const ITEMS_HEAD = '{\n  "a": [\n    ';
const ITEMS_TAIL = "\n  ]\n}";

/**
 * The items of a top-level member's list, `[\n    item,\n    item` without the closing bracket,
 * stringified a run of items at a time (as many as make about a piece), with no re-indenting.
 * An item JSON leaves out (undefined, a function) is `null`, as in any list.
 */
function putItems(list: unknown[], put: (text: string) => void): void {
  let run = 1;
  for (let j = 0; j < list.length; ) {
    const end = Math.min(list.length, j + run);
    const text = JSON.stringify({ a: list.slice(j, end) }, null, 2);
    const body = text.slice(ITEMS_HEAD.length, text.length - ITEMS_TAIL.length);
    put(`${j === 0 ? "[" : ","}\n    ${printableJsonText(body)}`);
    run = Math.max(1, Math.floor((PIECE * (end - j)) / Math.max(1, body.length)));
    j = end;
  }
  put("\n  ]");
}
