/**
 * NumPy `.npz` archives (a ZIP of `.npy` members, as written by np.savez / np.savez_compressed) and the
 * Fréchet statistics files in the pytorch-fid / TTUR layout: `mu` (d,) and `sigma` (d, d), float64.
 *
 * ZIP support is what numpy produces and needs no ZIP library: stored (method 0) and deflated (method 8,
 * inflated with node:zlib's inflateRawSync) members, ZIP64 extra fields (numpy writes members with
 * force_zip64) and ZIP64 end records, CRC-32 checked. The writer emits plain ZIP (no ZIP64), stored or
 * deflated, which numpy reads.
 *
 * @module
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { UsageError } from "../runtime/errors.ts";
import { atomicWriteFile } from "../runtime/atomic_write.ts";
import { formatNpy, type NpyArray, parseNpy } from "./npy.ts";
import type { GaussianStats } from "./gaussian_stats.ts";
import { requireFinite, requireFloat } from "./finite.ts";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309 / ZIP polynomial 0xEDB88320). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Raw members of a ZIP archive by name. */
export function unzip(bytes: Uint8Array, name = "zip"): Map<string, Uint8Array> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): never => {
    throw new UsageError(`${name}: not a valid .npz/.zip archive (${why})`);
  };
  if (bytes.length < 22) bad("too short");
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad("no end-of-central-directory record");
  let entries = v.getUint16(eocd + 10, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  if (entries === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || v.getUint32(loc, true) !== 0x07064b50) bad("ZIP64 locator missing");
    const z = Number(v.getBigUint64(loc + 8, true));
    if (z + 56 > bytes.length || v.getUint32(z, true) !== 0x06064b50) bad("ZIP64 end record missing");
    entries = Number(v.getBigUint64(z + 32, true));
    cdOffset = Number(v.getBigUint64(z + 48, true));
  }
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > bytes.length || v.getUint32(p, true) !== 0x02014b50) bad("broken central directory");
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    const member = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information (header id 0x0001): present fields in fixed order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = v.getUint16(x, true), len = v.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        const next = () => {
          const val = Number(v.getBigUint64(q, true));
          q += 8;
          return val;
        };
        if (size === 0xffffffff) size = next();
        if (compSize === 0xffffffff) compSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    if (localOffset + 30 > bytes.length || v.getUint32(localOffset, true) !== 0x04034b50) {
      bad(`local header of ${JSON.stringify(member)} missing`);
    }
    const dataStart = localOffset + 30 + v.getUint16(localOffset + 26, true) +
      v.getUint16(localOffset + 28, true);
    if (dataStart + compSize > bytes.length) bad(`member ${JSON.stringify(member)} is truncated`);
    const comp = bytes.subarray(dataStart, dataStart + compSize);
    let data: Uint8Array;
    if (method === 0) data = comp;
    else if (method === 8) {
      try {
        data = new Uint8Array(inflateRawSync(comp));
      } catch (err) {
        throw new UsageError(`${name}: member ${JSON.stringify(member)} does not inflate (${err})`);
      }
    } else {
      throw new UsageError(
        `${name}: member ${JSON.stringify(member)} uses ZIP compression method ${method}; ` +
          `allowed: 0 (stored, np.savez) or 8 (deflate, np.savez_compressed)`,
      );
    }
    if (data.length !== size) {
      bad(`member ${JSON.stringify(member)} has ${data.length} bytes, header says ${size}`);
    }
    if (crc32(data) !== crc) bad(`CRC-32 mismatch in ${JSON.stringify(member)}`);
    out.set(member, data);
  }
  return out;
}

/** Build a ZIP archive (stored or deflated members, no ZIP64). */
export function zip(members: [string, Uint8Array][], compress = false): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const nameBytes = enc.encode(name);
    const body = compress ? new Uint8Array(deflateRawSync(data)) : data;
    if (body.length >= 0xffffffff || data.length >= 0xffffffff || offset >= 0xffffffff) {
      throw new RangeError("zip: members over 4 GiB need ZIP64, which this writer does not produce");
    }
    const crc = crc32(data);
    const method = compress ? 8 : 0;
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(8, method, true);
    lv.setUint16(12, 0x21, true); // DOS date 1980-01-01 (deterministic output)
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const central = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(38, 0o100644 << 16, true); // external attributes: regular file, rw-r--r--
    cv.setUint32(42, offset, true);
    central.set(nameBytes, 46);
    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  }
  const cdSize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** The arrays of an .npz archive by key (member name without ".npy"). */
export function parseNpz(bytes: Uint8Array, name = "npz"): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const [member, data] of unzip(bytes, name)) {
    const key = member.endsWith(".npy") ? member.slice(0, -4) : member;
    out.set(key, parseNpy(data, `${name}:${member}`));
  }
  return out;
}

/** Serialise arrays as an .npz archive (np.savez layout; deflated like np.savez_compressed if asked). */
export function formatNpz(arrays: Record<string, NpyArray>, opts: { compress?: boolean } = {}): Uint8Array {
  return zip(Object.entries(arrays).map(([k, a]) => [`${k}.npy`, formatNpy(a)]), opts.compress ?? false);
}

/** Read an .npz file. */
export async function readNpz(path: string): Promise<Map<string, NpyArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${e instanceof Error ? e.message : e})`);
  }
  return parseNpz(bytes, path);
}

/** Write an .npz file atomically. */
export async function writeNpz(
  path: string,
  arrays: Record<string, NpyArray>,
  opts: { compress?: boolean } = {},
): Promise<void> {
  await atomicWriteFile(path, formatNpz(arrays, opts));
}

/**
 * Fréchet statistics from the arrays of an .npz file in the pytorch-fid layout (`mu` (d,), `sigma`
 * (d, d)); an optional 0-d or 1-element `n` gives the sample count (0 when absent). Throws a UsageError
 * for missing keys, wrong shapes, mismatched d or non-finite values.
 */
export function fidStatsFromArrays(arrays: Map<string, NpyArray>, name = "npz"): GaussianStats {
  const mu = arrays.get("mu"), sigma = arrays.get("sigma");
  if (!mu || !sigma) {
    throw new UsageError(
      `${name}: expected arrays "mu" and "sigma" (pytorch-fid layout); found: ${
        [...arrays.keys()].join(", ") || "none"
      }`,
    );
  }
  if (mu.shape.length !== 1 || mu.shape[0] < 1) {
    throw new UsageError(`${name}: "mu" must have shape (d,); got (${mu.shape.join(", ")})`);
  }
  requireFloat(mu, `${name}: "mu"`);
  requireFloat(sigma, `${name}: "sigma"`);
  const d = mu.shape[0];
  if (sigma.shape.length !== 2 || sigma.shape[0] !== sigma.shape[1]) {
    throw new UsageError(`${name}: "sigma" must be square (d, d); got (${sigma.shape.join(", ")})`);
  }
  if (sigma.shape[0] !== d) {
    throw new UsageError(
      `${name}: mismatched d: "mu" has d = ${d} but "sigma" is ${sigma.shape[0]} x ${sigma.shape[1]}`,
    );
  }
  const m = Float64Array.from(mu.data), s = Float64Array.from(sigma.data);
  requireFinite(m, d, `${name}: "mu"`);
  requireFinite(s, d, `${name}: "sigma"`);
  const nArr = arrays.get("n");
  const n = nArr && nArr.data.length === 1 ? nArr.data[0] : 0;
  if (nArr && (!Number.isInteger(n) || n < 2)) {
    throw new UsageError(`${name}: "n" must be the sample count, an integer >= 2; got ${n}`);
  }
  return { mu: m, sigma: s, n };
}

/** Read Fréchet statistics from a pytorch-fid-style .npz (see {@link fidStatsFromArrays}). */
export async function readFidStats(path: string): Promise<GaussianStats> {
  return fidStatsFromArrays(await readNpz(path), path);
}

/** Write Fréchet statistics as .npz (`mu`, `sigma` float64, plus `n` when known), readable by pytorch-fid. */
export async function writeFidStats(
  path: string,
  stats: GaussianStats,
  opts: { compress?: boolean } = {},
): Promise<void> {
  const d = stats.mu.length;
  const arrays: Record<string, NpyArray> = {
    mu: { dtype: "<f8", shape: [d], data: Float64Array.from(stats.mu) },
    sigma: { dtype: "<f8", shape: [d, d], data: Float64Array.from(stats.sigma) },
  };
  if (stats.n > 0) arrays.n = { dtype: "<f8", shape: [], data: Float64Array.of(stats.n) };
  await writeNpz(path, arrays, opts);
}
