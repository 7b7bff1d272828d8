/**
 * The one policy for numbers that reach a metric, in files and in library calls alike: feature matrices
 * and statistics are float32 or float64 (an integer .npy is refused: it is almost always labels or
 * indices passed by mistake, and silently converted it gives meaningless distances), and every value is
 * finite. A violation is a UsageError (exit 2 in the CLI) naming the file or argument, the row and the
 * column of the first bad value.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import type { NpyArray } from "./npy.ts";

const DTYPE_NAMES: Record<string, string> = {
  "<i1": "int8",
  "|i1": "int8",
  "<u1": "uint8",
  "|u1": "uint8",
  "<i2": "int16",
  "<u2": "uint16",
  "<i4": "int32",
  "<u4": "uint32",
  "<i8": "int64",
  "<u8": "uint64",
  "<f2": "float16",
  "|b1": "bool",
};

/** Refuse an array that was not stored as float32/float64 (see the module doc). */
export function requireFloat(a: NpyArray, name: string): void {
  const stored = a.stored ?? a.dtype;
  if (stored === "<f4" || stored === "<f8") return;
  const human = DTYPE_NAMES[stored] ? ` (${DTYPE_NAMES[stored]})` : "";
  throw new UsageError(
    `${name}: dtype ${JSON.stringify(stored)}${human} is not accepted for features or statistics; allowed: ` +
      `float32 ("<f4") or float64 ("<f8"); convert with a.astype(np.float32)`,
  );
}

/** Throw at the first non-finite value of a row-major n×d matrix, naming `name`, its row and column. */
export function requireFinite(data: ArrayLike<number>, d: number, name: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / d);
      throw new UsageError(
        `${name}: row ${row}, column ${i - row * d} is ${v}; allowed: finite numbers only`,
      );
    }
  }
}
