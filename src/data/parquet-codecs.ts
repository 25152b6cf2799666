import * as zlib from "node:zlib";
import type { Compressors } from "hyparquet";
import { decompressLz4, decompressLz4Raw, decompressZstd } from "hyparquet-compressors";

/**
 * Parquet page codecs beyond hyparquet's own (uncompressed and snappy): gzip and brotli from
 * Node's zlib (native, faster than JavaScript), zstd (fzstd) and lz4 from hyparquet-compressors,
 * pure JavaScript, since Node 20's zlib has no zstd. A page that does not decompress fails with
 * its codec named. The same on the calling thread and on worker threads.
 */
export const PARQUET_CODECS: Compressors = {
  GZIP: named("GZIP", (input) => zlib.unzipSync(input)),
  BROTLI: named("BROTLI", (input) => zlib.brotliDecompressSync(input)),
  ZSTD: named("ZSTD", (input) => decompressZstd(input)),
  LZ4: named("LZ4", decompressLz4),
  LZ4_RAW: named("LZ4_RAW", decompressLz4Raw),
};

function named(codec: string, decode: (input: Uint8Array, outputLength: number) => Uint8Array): (input: Uint8Array, outputLength: number) => Uint8Array {
  return (input, outputLength) => {
    try {
      return decode(input, outputLength);
    } catch (error) {
      throw new Error(`cannot decompress a ${codec} page: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}
