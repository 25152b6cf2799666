import { decodeEntities } from "./xml-text.js";

const DROP = ["script", "style", "head", "nav", "header", "footer", "noscript", "svg", "button", "form"];
const BLOCK = /<\/?(p|div|section|article|h[1-6]|li|ul|ol|table|tr|br|figure|figcaption|blockquote|pre|dt|dd)\b[^>]*>/gi;

/**
 * Readable text of an HTML page (arXiv's LaTeXML HTML in particular): scripts, styles and page
 * chrome dropped, math replaced by its `alttext` (the LaTeX source), blocks on their own lines.
 */
export function htmlToText(html: string): string {
  let s = html.replace(/<!--[\s\S]*?-->/g, "");
  for (const tag of DROP) s = s.replace(new RegExp(`<${tag}\\b[^>]*>[\\s\\S]*?</${tag}>`, "gi"), " ");
  s = s.replace(/<math\b[^>]*?alttext="([^"]*)"[^>]*>[\s\S]*?<\/math>/gi, (_m, alt: string) => ` ${decodeEntities(alt)} `);
  s = s.replace(/<math\b[\s\S]*?<\/math>/gi, " ");
  // Line breaks in the source are spaces; only block elements start lines.
  s = s.replace(/\s+/g, " ").replace(BLOCK, "\n").replace(/<(td|th)\b[^>]*>/gi, " | ");
  s = decodeEntities(s.replace(/<[^>]*>/g, ""));
  return s
    .split("\n")
    .map((line) => line.replace(/[ \t\f\v\r\u00a0]+/g, " ").trim())
    .filter((line, i, all) => line !== "" || (i > 0 && all[i - 1] !== ""))
    .join("\n")
    .trim();
}

/** At most `budget` characters, cut at a paragraph or word break near the end when one is close. */
export function truncateText(text: string, budget: number): { text: string; truncated: boolean } {
  if (text.length <= budget) return { text, truncated: false };
  const cut = text.slice(0, budget);
  const para = cut.lastIndexOf("\n");
  const word = cut.lastIndexOf(" ");
  const at = para > budget * 0.8 ? para : word > budget * 0.9 ? word : budget;
  return { text: cut.slice(0, at).trimEnd(), truncated: true };
}
