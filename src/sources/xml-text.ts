const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", ndash: "–", mdash: "—", hellip: "…", rsquo: "’", lsquo: "‘", rdquo: "”", ldquo: "“" };

/** Decodes XML/HTML character references: named (the common ones), decimal and hex. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Text of an XML fragment: CDATA kept, tags dropped, entities decoded, whitespace collapsed. */
export function xmlText(fragment: string): string {
  const parts = fragment.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/);
  return parts
    .map((p) => (p.startsWith("<![CDATA[") ? p.slice(9, -3) : decodeEntities(p.replace(/<[^>]*>/g, ""))))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}
