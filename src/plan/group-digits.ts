/**
 * `1843200` -> `1,843,200`: what `n.toLocaleString("en-US")` prints for an integer, without
 * loading ICU's locale data, which costs `intern plan` more than the rest of its formatting.
 */
export function groupDigits(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) >= 1e21 || Object.is(n, -0)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? `-${digits}` : digits;
}
