/**
 * Loader shared by the IDX image datasets (`mnist`, `fashion-mnist`): reads the four canonical files
 * (train/t10k images and labels, optionally gzipped), verifies each uncompressed file's MD5 against the
 * published table, parses the IDX headers, and builds an {@link ImageDataset} with the test split as the
 * held-out reference set. Images are 28x28x1, 0 = background, optionally padded with 2 background pixels per
 * side to 32x32 (the power-of-two size U-Nets with several levels need).
 *
 * @module
 */
import { ImageDataset } from "./image_dataset.ts";
import { gunzipData, readDataFile, resolveDataPath, verifyMd5 } from "./files.ts";
import { parseIdx } from "./idx.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import type { Provenance } from "./dataset.ts";

/** Options of the IDX datasets. */
export interface IdxDatasetOptions {
  /** Directory holding the four files (relative to the repository root unless absolute). */
  dir: string;
  /** 28 = the original images, 32 = padded with 2 background pixels on each side. */
  size: 28 | 32;
  /** Use only the first `trainLimit` training images (all 60000 by default). */
  trainLimit: number;
  [key: string]: unknown;
}

/** One of the four files of an IDX dataset. */
export interface IdxFileSpec {
  name: string;
  /** MD5 of the uncompressed file. */
  md5: string;
}

/** Description of an IDX dataset. */
export interface IdxDatasetSpec {
  id: string;
  gzipped: boolean;
  files: {
    trainImages: IdxFileSpec;
    trainLabels: IdxFileSpec;
    testImages: IdxFileSpec;
    testLabels: IdxFileSpec;
  };
  installHint: string;
  featureSpace: string;
  source: string;
  license: string;
}

/** Validate IDX dataset options. */
export function validateIdxOptions(o: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(o)) {
    if (!["dir", "size", "trainLimit"].includes(key)) {
      problems.push(badValue(key, o[key], "one of the options dir, size, trainLimit"));
    }
  }
  if (typeof o.dir !== "string" || o.dir === "") problems.push(badValue("dir", o.dir, "a directory path"));
  if (o.size !== 28 && o.size !== 32) problems.push(badValue("size", o.size, "28 | 32"));
  const l = o.trainLimit;
  if (!(typeof l === "number" && Number.isInteger(l) && l >= 1 && l <= 60000)) {
    problems.push(badValue("trainLimit", l, "an integer in [1, 60000]"));
  }
  return problems;
}

async function readIdx(
  spec: IdxDatasetSpec,
  dir: string,
  file: IdxFileSpec,
  rank: number,
): Promise<{ dims: number[]; data: Uint8Array }> {
  const path = `${dir}/${file.name}`;
  let bytes = await readDataFile(path, spec.id, spec.installHint);
  if (spec.gzipped) bytes = gunzipData(bytes, path, spec.id, spec.installHint);
  verifyMd5(bytes, file.md5, path + (spec.gzipped ? " (uncompressed)" : ""), spec.id, spec.installHint);
  return parseIdx(bytes, rank, path);
}

/** Load an IDX dataset described by `spec` with the given options. */
export async function loadIdxDataset(
  spec: IdxDatasetSpec,
  options: IdxDatasetOptions,
): Promise<ImageDataset> {
  const dir = resolveDataPath(options.dir).replace(/\/$/, "");
  const f = spec.files;
  const trainX = await readIdx(spec, dir, f.trainImages, 3);
  const trainY = await readIdx(spec, dir, f.trainLabels, 1);
  const testX = await readIdx(spec, dir, f.testImages, 3);
  const testY = await readIdx(spec, dir, f.testLabels, 1);
  for (const [x, y] of [[trainX, trainY], [testX, testY]]) {
    if (x.dims[1] !== 28 || x.dims[2] !== 28 || x.dims[0] !== y.dims[0]) {
      throw new UsageError(
        `${spec.id}: unexpected IDX shapes in ${dir}: images [${x.dims.join(", ")}], labels [${
          y.dims.join(", ")
        }]`,
      );
    }
  }
  const nTrain = Math.min(options.trainLimit, trainX.dims[0]);
  const provenance: Provenance = {
    source: spec.source,
    license: spec.license,
    checksum: Object.values(f).map((s) => `${s.name}:md5:${s.md5}`).join(" "),
  };
  return new ImageDataset({
    id: spec.id,
    height: 28,
    width: 28,
    channels: 1,
    maxValue: 255,
    pad: options.size === 32 ? 2 : 0,
    train: trainX.data.subarray(0, nTrain * 784),
    trainLabels: trainY.data.slice(0, nTrain),
    heldOut: testX.data,
    heldOutLabels: testY.data.slice(),
    featureSpace: spec.featureSpace,
    provenance,
  });
}
