/**
 * `digits8`: the 1797 scikit-learn 8x8 handwritten digits (the test set of the UCI "Optical Recognition of
 * Handwritten Digits" data, Alpaydin & Kaynak 1998), committed under fixtures/data/digits8/ with its
 * provenance and license (fixtures/data/digits8/README.md).
 *
 * Pixels are integers 0..16 (on-pixel counts of 4x4 blocks) mapped to [-1, 1] by x / 16 · 2 - 1; shape
 * [8, 8, 1]. Fixed split: rows 0..1499 train, rows 1500..1796 (297 images) held out for the metrics.
 * The gzip file's MD5 is verified on every load. Metrics use the "digits8-cnn" feature space.
 *
 * @module
 */
import type { DatasetFactory } from "./dataset.ts";
import { ImageDataset } from "./image_dataset.ts";
import { gunzipData, readDataFile, resolveDataPath, verifyMd5 } from "./files.ts";
import { badValue, UsageError } from "../runtime/errors.ts";

/** Options of digits8. */
export interface Digits8Options {
  /** The digits.csv.gz file (relative to the repository root unless absolute). */
  file: string;
  [key: string]: unknown;
}

/** MD5 of sklearn 1.2.1's digits.csv.gz (57,512 bytes). */
export const DIGITS8_MD5 = "ca09b38354112f159cd554f69e213828";
/** Number of rows and of training rows. */
export const DIGITS8_ROWS = 1797;
export const DIGITS8_TRAIN_ROWS = 1500;

const DEFAULT_FILE = "fixtures/data/digits8/digits.csv.gz";
const HINT =
  "It is committed in the repository (git checkout -- fixtures/data/digits8/digits.csv.gz restores it); " +
  "its origin is Debian's python3-sklearn: apt-get download python3-sklearn && dpkg-deb -x python3-sklearn_*.deb x " +
  "(file x/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz).";

/** Parse the CSV text: 64 pixels (0..16) and a label (0..9) per line. */
export function parseDigitsCsv(text: string, path: string): { pixels: Uint8Array; labels: Uint8Array } {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length !== DIGITS8_ROWS) {
    throw new UsageError(
      `digits8: ${path} has ${lines.length} rows, expected ${DIGITS8_ROWS}; the file is corrupt`,
    );
  }
  const pixels = new Uint8Array(DIGITS8_ROWS * 64);
  const labels = new Uint8Array(DIGITS8_ROWS);
  for (let r = 0; r < lines.length; r++) {
    const cells = lines[r].split(",");
    if (cells.length !== 65) {
      throw new UsageError(`digits8: ${path} line ${r + 1} has ${cells.length} values, expected 65`);
    }
    for (let j = 0; j < 65; j++) {
      const v = Number(cells[j]);
      const max = j < 64 ? 16 : 9;
      if (!/^\d+$/.test(cells[j]) || v > max) {
        throw new UsageError(
          `digits8: ${path} line ${r + 1} column ${j + 1}: ${
            JSON.stringify(cells[j])
          } is not an integer in [0, ${max}]`,
        );
      }
      if (j < 64) pixels[r * 64 + j] = v;
      else labels[r] = v;
    }
  }
  return { pixels, labels };
}

/** The "digits8" dataset factory. */
export const digits8Factory: DatasetFactory<Digits8Options> = {
  id: "digits8",
  description: "1797 sklearn 8x8 handwritten digits (UCI optdigits test set), 1500 train / 297 held out",
  defaults: { file: DEFAULT_FILE },
  dataShape: () => [8, 8, 1],
  validate(o) {
    const problems: string[] = [];
    for (const key of Object.keys(o)) {
      if (key !== "file") problems.push(badValue(key, o[key], "the option file"));
    }
    if (typeof o.file !== "string" || o.file === "") problems.push(badValue("file", o.file, "a path string"));
    return problems;
  },
  load: (options) => loadDigits8(options),
};

/** Load digits8 (the typed form of the factory's load, exposing the held-out labels). */
export async function loadDigits8(options: Digits8Options = { file: DEFAULT_FILE }): Promise<ImageDataset> {
  const path = resolveDataPath(options.file);
  const gz = await readDataFile(path, "digits8", HINT);
  verifyMd5(gz, DIGITS8_MD5, path, "digits8", HINT);
  const text = new TextDecoder().decode(gunzipData(gz, path, "digits8", HINT));
  const { pixels, labels } = parseDigitsCsv(text, path);
  const cut = DIGITS8_TRAIN_ROWS;
  return new ImageDataset({
    id: "digits8",
    height: 8,
    width: 8,
    channels: 1,
    maxValue: 16,
    pad: 0,
    train: pixels.subarray(0, cut * 64),
    trainLabels: labels.subarray(0, cut),
    heldOut: pixels.subarray(cut * 64),
    heldOutLabels: labels.subarray(cut),
    featureSpace: "digits8-cnn",
    provenance: {
      source: "scikit-learn 1.2.1 digits.csv.gz (Debian python3-sklearn 1.2.1+dfsg-1); " +
        "UCI Optical Recognition of Handwritten Digits, test set (Alpaydin & Kaynak 1998)",
      license: "BSD-3-Clause (scikit-learn distribution); UCI data set CC BY 4.0",
      checksum: `md5:${DIGITS8_MD5}`,
    },
  });
}
