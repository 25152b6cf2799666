/**
 * The one way text reaches the HTML report. Everything from a recipe, a dataset, a paper, a model
 * or an LLM is text: `html` escapes every value it interpolates, so markup exists only in the
 * template literals of this folder. A value that is already `Html` (another `html` result) is
 * kept as it is; lists are joined; null, undefined and false print nothing.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text as HTML text or attribute value (quoted with `"` or `'`). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function piece(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === null || value === undefined || value === false) return "";
  return esc(String(value));
}

/** A template of markup: each `${value}` is escaped unless it is `Html`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/**
 * A link to a page of the Hub (or arXiv) made from an id: each path segment is percent-encoded,
 * so an id can neither leave the host nor carry a scheme of its own.
 */
export function hubUrl(kind: "datasets" | "papers" | "models", id: string, tail: readonly string[] = []): string {
  const path = [...id.split("/"), ...tail].map((p) => encodeURIComponent(p)).join("/");
  return `https://huggingface.co/${kind}/${path}`;
}
