/**
 * Decoding of PNG (fast-png) and JPEG (jpeg-js) files to 8-bit RGB, for the `folder` dataset.
 *
 * PNG: 8- and 16-bit greyscale, grey+alpha, RGB and RGBA, and indexed (palette) images. 16-bit values are
 * reduced to 8 bits by round(v / 257). Alpha is dropped (pixels keep their stored colour). 1/2/4-bit
 * greyscale is rejected. JPEG: baseline and progressive as jpeg-js supports them, with its YCbCr→RGB
 * transform.
 *
 * @module
 */
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import { UsageError } from "../runtime/errors.ts";

/** A decoded image: height × width × 3, row-major, 0..255. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Whether `bytes` start with a JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function fromPng(bytes: Uint8Array, name: string): RgbImage {
  const png = decodePng(bytes);
  const { width, height } = png;
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  if (png.palette) {
    const data = convertIndexedToRgb(png);
    const ch = data.length / n;
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) rgb[3 * i + k] = data[ch * i + k];
    return { width, height, rgb };
  }
  if (png.depth !== 8 && png.depth !== 16) {
    throw new UsageError(`folder: ${name}: ${png.depth}-bit PNG is not supported (use 8- or 16-bit images)`);
  }
  const ch = png.channels;
  const d = png.data;
  const to8 = png.depth === 16 ? (v: number) => Math.round(v / 257) : (v: number) => v;
  for (let i = 0; i < n; i++) {
    if (ch <= 2) {
      const g = to8(d[ch * i]);
      rgb[3 * i] = g;
      rgb[3 * i + 1] = g;
      rgb[3 * i + 2] = g;
    } else {
      for (let k = 0; k < 3; k++) rgb[3 * i + k] = to8(d[ch * i + k]);
    }
  }
  return { width, height, rgb };
}

function fromJpeg(bytes: Uint8Array): RgbImage {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  return { width: img.width, height: img.height, rgb: new Uint8Array(img.data) };
}

/** Decode a PNG or JPEG file's bytes (format sniffed from the content); a corrupt file is a UsageError. */
export function decodeImage(bytes: Uint8Array, name: string): RgbImage {
  let img: RgbImage;
  try {
    if (isPng(bytes)) img = fromPng(bytes, name);
    else if (isJpeg(bytes)) img = fromJpeg(bytes);
    else throw new Error("neither a PNG nor a JPEG file (bad signature)");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new UsageError(`folder: cannot decode ${name}: ${why}; the image is corrupt or not PNG/JPEG`);
  }
  if (!(img.width > 0 && img.height > 0) || img.rgb.length !== img.width * img.height * 3) {
    throw new UsageError(`folder: cannot decode ${name}: bad image size ${img.width}x${img.height}`);
  }
  return img;
}
