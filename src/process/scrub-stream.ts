import { StringDecoder } from "node:string_decoder";

const STARS = Buffer.from("***");

/**
 * Replaces secrets in bytes that arrive a piece at a time (a log being followed), and hands back
 * whole UTF-8 characters. The last (longest secret - 1) bytes wait for the next piece, so a secret
 * split between two pieces is still found; `end` lets them out.
 */
export class StreamScrubber {
  private readonly needles: Buffer[];
  private readonly keep: number;
  private carry = Buffer.alloc(0);
  private readonly decoder = new StringDecoder("utf8");

  constructor(secrets: readonly string[]) {
    this.needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s));
    this.keep = this.needles.length === 0 ? 0 : Math.max(...this.needles.map((n) => n.length)) - 1;
  }

  push(piece: Buffer): string {
    return this.scrub(this.carry.length === 0 ? piece : Buffer.concat([this.carry, piece]), false);
  }

  end(): string {
    return this.scrub(this.carry, true) + this.decoder.end();
  }

  private scrub(buf: Buffer, eof: boolean): string {
    // A match starting before `limit` lies wholly inside `buf`; later ones wait for more.
    const limit = eof ? buf.length : Math.max(0, buf.length - this.keep);
    const out: Buffer[] = [];
    let pos = 0;
    for (;;) {
      let at = -1;
      let len = 0;
      for (const needle of this.needles) {
        const j = buf.indexOf(needle, pos);
        if (j >= 0 && j < limit && (at < 0 || j < at || (j === at && needle.length > len))) (at = j), (len = needle.length);
      }
      if (at < 0) break;
      out.push(buf.subarray(pos, at), STARS);
      pos = at + len;
    }
    const cut = Math.max(pos, limit);
    out.push(buf.subarray(pos, cut));
    this.carry = Buffer.from(buf.subarray(cut));
    return this.decoder.write(Buffer.concat(out));
  }
}
