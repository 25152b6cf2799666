/**
 * Kubernetes label selectors as the API server reads them: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x,y)`, joined by commas (commas inside parentheses belong to the set).
 */
export type Labels = Readonly<Record<string, string>>;

function split(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts.filter((p) => p !== "");
}

function matchOne(term: string, labels: Labels): boolean {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
  if (set) {
    const values = set[3]!.split(",").map((v) => v.trim());
    const has = set[1]! in labels && values.includes(labels[set[1]!]!);
    return set[2] === "in" ? has : !has;
  }
  const ne = /^([^!=]+)!=(.*)$/.exec(term);
  if (ne) return labels[ne[1]!.trim()] !== ne[2]!.trim();
  const eq = /^([^!=]+)==?(.*)$/.exec(term);
  if (eq) return labels[eq[1]!.trim()] === eq[2]!.trim();
  if (term.startsWith("!")) return !(term.slice(1).trim() in labels);
  return term in labels;
}

export function matchesSelector(selector: string | undefined, labels: Labels | undefined): boolean {
  if (selector === undefined || selector.trim() === "") return true;
  return split(selector).every((t) => matchOne(t, labels ?? {}));
}
