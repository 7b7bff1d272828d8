/**
 * `folder`: any directory of PNG/JPEG images (searched recursively; e.g. FFHQ thumbnails or a resized
 * FFHQ/CelebA-HQ export a user has), preprocessed deterministically and cached.
 *
 * Preprocessing of each image (files in byte-wise sorted order of their relative paths):
 *   1. decode to 8-bit RGB (src/data/image_decode.ts; alpha dropped, 16-bit rounded to 8);
 *   2. `crop: "center"` cuts the centred square (offsets rounded down), `"stretch"` keeps the whole image;
 *   3. resample to resolution × resolution with the area (box / pixel-coverage) filter of src/data/resize.ts,
 *      rounded to 8 bits;
 *   4. `channels: 1` converts to grey with ITU-R BT.601 luma round(0.299 R + 0.587 G + 0.114 B).
 * The 8-bit result of every image is cached in `<cacheDir>/folder/<key>.bin`, where the key hashes the
 * options and each file's (path, size, mtime); the cache header records the SHA-256 of every source file,
 * and a damaged cache file is rebuilt. Pixels map to x / 255 · 2 - 1.
 *
 * Split: an image is held out when the first 32 bits of SHA-256(relative path), divided by 2^32, fall below
 * `heldOutFraction`, so the split is stable when images are added. With `heldOutFraction: 0` the reference
 * set is the training set itself (the FFHQ/CelebA-HQ convention of FID against the training images).
 *
 * @module
 */
import type { DatasetFactory, DatasetLoadContext } from "./dataset.ts";
import { ImageDataset } from "./image_dataset.ts";
import { decodeImage } from "./image_decode.ts";
import { areaResize, centerSquare } from "./resize.ts";
import { sha256Hex } from "./checksum.ts";
import { resolveDataPath } from "./files.ts";
import { atomicWriteFile } from "../runtime/atomic_write.ts";
import { badValue, unknownOptionProblems, UsageError } from "../runtime/errors.ts";

/** Options of the folder dataset. */
export interface FolderOptions {
  /** Directory of images (relative to the repository root unless absolute). Required. */
  dir: string;
  /** Output size (square). */
  resolution: number;
  /** Image channels: 1 (greyscale) or 3 (RGB). */
  channels: 1 | 3;
  /** How non-square images are made square: a centre crop or a stretch. */
  crop: "center" | "stretch";
  /** Use only the first `limit` images in sorted order (0 = all). */
  limit: number;
  /** Fraction of images held out as the reference set (0 = reference is the training set). */
  heldOutFraction: number;
  /** Feature space id the metrics use for this data. */
  featureSpace: string;
  /** Further options are rejected by validation. */
  [key: string]: unknown;
}

const DEFAULTS: FolderOptions = {
  dir: "",
  resolution: 32,
  channels: 3,
  crop: "center",
  limit: 0,
  heldOutFraction: 0.1,
  featureSpace: "data",
};

const CACHE_VERSION = 1;
const EXTENSIONS = /\.(png|jpe?g)$/i;
const HINT = "Put PNG/JPEG images (e.g. FFHQ thumbnails) in a directory and pass it as the dir option.";

/** List image files under `dir` recursively, as sorted relative paths. */
export async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const abs = rel === "" ? dir : `${dir}/${rel}`;
    for await (const e of Deno.readDir(abs)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(r);
      else if (e.isFile && EXTENSIONS.test(e.name)) out.push(r);
    }
  };
  try {
    await walk("");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`folder: directory ${dir} does not exist. ${HINT}`);
    }
    if (e instanceof Deno.errors.NotADirectory) {
      throw new UsageError(`folder: ${dir} is not a directory. ${HINT}`);
    }
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`folder: no permission to read ${dir} (run with --allow-read covering it)`);
    }
    throw e;
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether the image at relative path `rel` is held out (SHA-256 of the path against the fraction). */
export function isHeldOut(rel: string, fraction: number): boolean {
  return parseInt(sha256Hex(rel).slice(0, 8), 16) / 2 ** 32 < fraction;
}

/** Preprocess one decoded image per the options; returns resolution² × channels bytes. */
export function preprocessImage(
  img: { width: number; height: number; rgb: Uint8Array },
  o: Pick<FolderOptions, "resolution" | "channels" | "crop">,
): Uint8Array {
  const [y0, x0, side] = o.crop === "center" ? centerSquare(img.height, img.width) : [0, 0, 0];
  const window = o.crop === "center"
    ? { y0, x0, height: side, width: side }
    : { y0: 0, x0: 0, height: img.height, width: img.width };
  const rgb = areaResize(img.rgb, img.height, img.width, 3, o.resolution, o.resolution, window);
  if (o.channels === 3) return rgb;
  const n = o.resolution * o.resolution;
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    grey[i] = Math.floor(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2] + 0.5 + 1e-9);
  }
  return grey;
}

interface CacheHeader {
  version: number;
  files: string[];
  fileSha256: string[];
  per: number;
  payloadSha256: string;
}

async function readCache(
  path: string,
  files: string[],
  per: number,
): Promise<{ header: CacheHeader; px: Uint8Array } | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const nl = bytes.indexOf(10);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl))) as CacheHeader;
    const px = bytes.subarray(nl + 1);
    if (
      header.version !== CACHE_VERSION || header.per !== per ||
      header.files.join("\n") !== files.join("\n") ||
      px.length !== per * files.length || sha256Hex(px) !== header.payloadSha256
    ) throw new Error("header does not match");
    return { header, px };
  } catch (e) {
    console.error(
      `folder: ignoring damaged cache file ${path} (${e instanceof Error ? e.message : e}); rebuilding`,
    );
    return null;
  }
}

async function buildCache(dir: string, files: string[], o: FolderOptions, path: string) {
  const per = o.resolution * o.resolution * o.channels;
  const px = new Uint8Array(per * files.length);
  const fileSha256: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const bytes = await Deno.readFile(`${dir}/${files[i]}`);
    fileSha256.push(sha256Hex(bytes));
    px.set(preprocessImage(decodeImage(bytes, `${dir}/${files[i]}`), o), i * per);
  }
  const header: CacheHeader = {
    version: CACHE_VERSION,
    files,
    fileSha256,
    per,
    payloadSha256: sha256Hex(px),
  };
  const head = new TextEncoder().encode(JSON.stringify(header) + "\n");
  const out = new Uint8Array(head.length + px.length);
  out.set(head);
  out.set(px, head.length);
  await atomicWriteFile(path, out);
  return { header, px };
}

/** Load (building or reusing the cache) a folder dataset. */
export async function loadFolder(o: FolderOptions, ctx: DatasetLoadContext): Promise<ImageDataset> {
  const dir = resolveDataPath(o.dir).replace(/\/$/, "");
  let files = await listImages(dir);
  if (o.limit > 0) files = files.slice(0, o.limit);
  if (files.length === 0) throw new UsageError(`folder: no .png/.jpg/.jpeg images under ${dir}. ${HINT}`);
  const stats = [];
  for (const f of files) {
    const s = await Deno.stat(`${dir}/${f}`);
    stats.push([f, s.size, s.mtime?.getTime() ?? 0]);
  }
  const key = sha256Hex(JSON.stringify({
    v: CACHE_VERSION,
    dir,
    resolution: o.resolution,
    channels: o.channels,
    crop: o.crop,
    stats,
  })).slice(0, 32);
  const per = o.resolution * o.resolution * o.channels;
  const cachePath = `${ctx.cacheDir}/folder/${key}.bin`;
  const { header, px } = (await readCache(cachePath, files, per)) ??
    (await buildCache(dir, files, o, cachePath));
  const held = files.map((f) => isHeldOut(f, o.heldOutFraction));
  const nHeld = held.filter((h) => h).length;
  if (files.length - nHeld === 0) {
    throw new UsageError(
      badValue("heldOutFraction", o.heldOutFraction, "a value that leaves training images"),
    );
  }
  const train = new Uint8Array((files.length - nHeld) * per);
  const heldOut = new Uint8Array(nHeld * per);
  let a = 0, b = 0;
  for (let i = 0; i < files.length; i++) {
    const img = px.subarray(i * per, (i + 1) * per);
    if (held[i]) heldOut.set(img, per * b++);
    else train.set(img, per * a++);
  }
  const checksum = "sha256:" + sha256Hex(files.map((f, i) => `${f}\t${header.fileSha256[i]}\n`).join(""));
  return new ImageDataset({
    id: "folder",
    height: o.resolution,
    width: o.resolution,
    channels: o.channels,
    maxValue: 255,
    pad: 0,
    train,
    heldOut: nHeld > 0 ? heldOut : train,
    featureSpace: o.featureSpace,
    provenance: {
      source: `${files.length} images under ${dir} (${o.crop} crop, area filter to ${o.resolution}px)`,
      license:
        "as licensed by the images' owner (e.g. FFHQ: CC BY-NC-SA 4.0 collection, images under their own licenses)",
      checksum,
    },
  });
}

/** The "folder" dataset factory. */
export const folderFactory: DatasetFactory<FolderOptions> = {
  id: "folder",
  description: "a directory of PNG/JPEG images, centre-cropped and area-resized, cached as 8-bit tensors",
  defaults: DEFAULTS,
  dataShape: (o) => [o.resolution, o.resolution, o.channels],
  validate(o) {
    const problems: string[] = unknownOptionProblems(o, DEFAULTS);
    if (typeof o.dir !== "string" || o.dir === "") {
      problems.push(badValue("dir", o.dir, "a directory of PNG/JPEG images"));
    }
    const r = o.resolution;
    if (!(typeof r === "number" && Number.isInteger(r) && r >= 4 && r <= 1024)) {
      problems.push(badValue("resolution", r, "an integer in [4, 1024]"));
    }
    if (o.channels !== 1 && o.channels !== 3) problems.push(badValue("channels", o.channels, "1 | 3"));
    if (o.crop !== "center" && o.crop !== "stretch") {
      problems.push(badValue("crop", o.crop, `"center" | "stretch"`));
    }
    const l = o.limit;
    if (!(typeof l === "number" && Number.isInteger(l) && l >= 0)) {
      problems.push(badValue("limit", l, "an integer >= 0 (0 = all)"));
    }
    const f = o.heldOutFraction;
    if (!(typeof f === "number" && f >= 0 && f <= 0.5)) {
      problems.push(badValue("heldOutFraction", f, "a number in [0, 0.5]"));
    }
    if (typeof o.featureSpace !== "string" || o.featureSpace === "") {
      problems.push(badValue("featureSpace", o.featureSpace, "a feature space id"));
    }
    return problems;
  },
  load: loadFolder,
};
