/** Left-aligned columns, two spaces apart; numbers the caller formats. */
export function table(header: string[], rows: string[][]): string {
  // A loop, not Math.max(...rows): a plan of a large sweep has more rows than a call has room for arguments.
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? "").length), h.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
