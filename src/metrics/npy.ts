/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0, as specified in numpy/lib/format.py): read and
 * write little-endian float32/float64 arrays in C order, so statistics and features can be exchanged with
 * numpy, pytorch-fid and clean-fid. Reading also accepts little-endian int32/int64/uint8 (converted to
 * float64, with the stored dtype in `stored`) for counts, labels and indices; features, statistics and
 * affinity matrices must be floats (src/metrics/finite.ts).
 *
 * Layout: magic "\x93NUMPY", major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3), an ASCII
 * (v3: UTF-8) Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, d), }` padded with
 * spaces and a newline so the data start at a multiple of 64 bytes, then the raw data.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { atomicWriteFile } from "../runtime/atomic_write.ts";

/** A dense numeric array read from or written to a .npy file. */
export interface NpyArray {
  /** numpy dtype descriptor of the data as returned: "<f4" or "<f8". */
  dtype: "<f4" | "<f8";
  /**
   * The dtype stored in the file when it was not a float (e.g. "<i8", converted to float64 on read);
   * feature and statistics loaders refuse such arrays (src/metrics/finite.ts).
   */
  stored?: string;
  /** Shape; [] for a 0-d scalar. */
  shape: number[];
  /** Values in C (row-major) order. */
  data: Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** dtypes accepted on read, with their byte size and converter. */
const READ_DTYPES: Record<string, { size: number; float: "<f4" | "<f8" }> = {
  "<f4": { size: 4, float: "<f4" },
  "<f8": { size: 8, float: "<f8" },
  "<i4": { size: 4, float: "<f8" },
  "<i8": { size: 8, float: "<f8" },
  "|u1": { size: 1, float: "<f8" },
  "<u1": { size: 1, float: "<f8" },
  "|i1": { size: 1, float: "<f8" },
};

/**
 * Parse a .npy file. `name` labels errors (e.g. the path). Throws a UsageError for a wrong magic string,
 * an unsupported version or dtype (big-endian, complex, object, ...), Fortran order, or a truncated file.
 */
export function parseNpy(bytes: Uint8Array, name = "npy"): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new UsageError(`${name}: not a .npy file (missing the "\\x93NUMPY" magic string)`);
  }
  const major = bytes[6], minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new UsageError(`${name}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new UsageError(`${name}: .npy format version ${major}.${minor}; allowed: 1.0, 2.0, 3.0`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new UsageError(`${name}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, dataStart),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UsageError(`${name}: malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  const dt = READ_DTYPES[descr];
  if (!dt) {
    throw new UsageError(
      `${name}: dtype ${JSON.stringify(descr)} is not supported; allowed: little-endian float32 ("<f4") ` +
        `or float64 ("<f8") (also read: <i4, <i8, |u1)`,
    );
  }
  if (fortran === "True") {
    throw new UsageError(
      `${name}: Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)`,
    );
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    const v = Number(s.replace(/L$/, ""));
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new UsageError(`${name}: bad shape entry ${JSON.stringify(s)}`);
    }
    return v;
  });
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * dt.size;
  if (bytes.length - dataStart < need) {
    throw new UsageError(
      `${name}: truncated data: shape (${shape.join(", ")}) of ${descr} needs ${need} bytes, ` +
        `the file has ${bytes.length - dataStart}`,
    );
  }
  const raw = bytes.slice(dataStart, dataStart + need); // aligned copy
  let data: Float32Array | Float64Array;
  switch (descr) {
    case "<f4":
      data = new Float32Array(raw.buffer, 0, count);
      break;
    case "<f8":
      data = new Float64Array(raw.buffer, 0, count);
      break;
    case "<i4":
      data = Float64Array.from(new Int32Array(raw.buffer, 0, count));
      break;
    case "<i8":
      data = Float64Array.from(new BigInt64Array(raw.buffer, 0, count), (v) => Number(v));
      break;
    case "|i1":
      data = Float64Array.from(new Int8Array(raw.buffer, 0, count));
      break;
    default:
      data = Float64Array.from(raw);
  }
  return descr === "<f4" || descr === "<f8"
    ? { dtype: dt.float, shape, data }
    : { dtype: dt.float, stored: descr, shape, data };
}

/** Serialise an array as a .npy file (version 1.0 unless the header needs 2.0), C order, little endian. */
export function formatNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new RangeError(`formatNpy: ${array.data.length} values for shape (${array.shape.join(", ")})`);
  }
  const want = array.data instanceof Float32Array ? "<f4" : "<f8";
  if (array.dtype !== want) throw new RangeError(`formatNpy: dtype ${array.dtype} but data is ${want}`);
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let dict = `{'descr': '${array.dtype}', 'fortran_order': False, 'shape': ${shape}, }`;
  let major = 1, prefix = 10;
  if (dict.length + 1 + prefix > 65535) {
    major = 2;
    prefix = 12;
  }
  const total = prefix + dict.length + 1;
  dict += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const header = new TextEncoder().encode(dict);
  const out = new Uint8Array(prefix + header.length + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(
    new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength),
    prefix + header.length,
  );
  return out;
}

/** Read a .npy file from disk (see {@link parseNpy}). */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${e instanceof Error ? e.message : e})`);
  }
  return parseNpy(bytes, path);
}

/** Write a .npy file atomically (temp file + rename). */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await atomicWriteFile(path, formatNpy(array));
}

/** Shorthand for a float array of a given shape. */
export function npyArray(data: Float32Array | Float64Array, shape: number[]): NpyArray {
  return { dtype: data instanceof Float32Array ? "<f4" : "<f8", shape, data };
}

/**
 * View a 2-D array as an N×d feature matrix (a 1-D array is N×1). Throws a UsageError naming `name` for
 * other ranks or N < minRows.
 */
export function asMatrix(
  a: NpyArray,
  name: string,
  minRows = 1,
): { n: number; d: number; data: Float32Array | Float64Array } {
  let n: number, d: number;
  if (a.shape.length === 2) [n, d] = a.shape;
  else if (a.shape.length === 1) [n, d] = [a.shape[0], 1];
  else {
    throw new UsageError(`${name}: expected an N x d feature matrix; got shape (${a.shape.join(", ")})`);
  }
  if (n < minRows) throw new UsageError(`${name}: has N = ${n} rows; at least ${minRows} are needed`);
  if (d < 1) throw new UsageError(`${name}: has d = 0 feature columns`);
  return { n, d, data: a.data };
}
