/**
 * Reader of the IDX format of LeCun's MNIST files (also used by Fashion-MNIST).
 *
 * Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only type these datasets
 * use), the number of dimensions D, then D uint32 sizes, then prod(sizes) values row-major. Images are
 * `00 00 08 03 | count | rows | cols | pixels` (magic 2051), labels `00 00 08 01 | count | labels` (2049).
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";

/** A parsed IDX array of unsigned bytes. */
export interface IdxArray {
  dims: number[];
  /** The values (a view into the file bytes, not a copy). */
  data: Uint8Array;
}

/**
 * Parse an unsigned-byte IDX file with `rank` dimensions. `name` (the file path) goes into error messages.
 * Throws UsageError on a wrong magic number, a truncated file or trailing bytes.
 */
export function parseIdx(bytes: Uint8Array, rank: number, name: string): IdxArray {
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw new UsageError(
      `${name}: truncated IDX file (${bytes.length} bytes, the header alone is ${header})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expected = 0x0800 + rank;
  if (magic !== expected) {
    throw new UsageError(
      `${name}: not an unsigned-byte IDX file of rank ${rank} (magic 0x${
        magic.toString(16).padStart(8, "0")
      }, ` +
        `expected 0x${expected.toString(16).padStart(8, "0")}); is it still gzipped or a different file?`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const n = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + n) {
    const what = bytes.length < header + n ? "truncated" : "has trailing bytes";
    throw new UsageError(
      `${name}: ${what}: header says [${dims.join(", ")}] = ${n} values (${header + n} bytes), ` +
        `file has ${bytes.length} bytes`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}
