/**
 * `fashion-mnist`: Zalando's Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; 60,000 train / 10,000 test, 28x28
 * grey clothing images, MIT license) from Debian's `dataset-fashion-mnist` package, which installs the
 * gzipped IDX files under /usr/share/datasets/fashion-mnist. Debian recompressed the files, so the MD5s
 * checked are those of the uncompressed files (the canonical ones). The test split is the held-out
 * reference set. Pixels map to x / 255 · 2 - 1; `size: 32` pads 2 background pixels per side. Metrics use
 * the "fashion-mnist-cnn" feature space.
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

/** The files of Fashion-MNIST and the MD5s of their uncompressed contents. */
export const FASHION_MNIST_SPEC: IdxDatasetSpec = {
  id: "fashion-mnist",
  gzipped: true,
  files: {
    trainImages: { name: "train-images-idx3-ubyte.gz", md5: "f4a8712d7a061bf5bd6d2ca38dc4d50a" },
    trainLabels: { name: "train-labels-idx1-ubyte.gz", md5: "9018921c3c673c538a1fc5bad174d6f9" },
    testImages: { name: "t10k-images-idx3-ubyte.gz", md5: "8181f5470baa50b63fa0f6fddb340f0a" },
    testLabels: { name: "t10k-labels-idx1-ubyte.gz", md5: "15d484375f8d13e6eb1aabb0c3f46965" },
  },
  installHint: "Install it with `sudo apt-get install dataset-fashion-mnist` (scripts/setup.sh does this), " +
    "or pass the directory of the four .gz files as the dir option.",
  featureSpace: "fashion-mnist-cnn",
  source: "Fashion-MNIST (Zalando Research), Debian package dataset-fashion-mnist 0.0~git20200523.55506a9-1",
  license: "MIT (Expat), Copyright 2017 Zalando SE",
};

/** The "fashion-mnist" dataset factory. */
export const fashionMnistFactory: DatasetFactory<IdxDatasetOptions> = {
  id: "fashion-mnist",
  description: "Fashion-MNIST clothing images, 60k train / 10k test (held out), 28x28 or padded to 32x32",
  defaults: { dir: "/usr/share/datasets/fashion-mnist", size: 28, trainLimit: 60000 },
  dataShape: (o) => [o.size, o.size, 1],
  validate: validateIdxOptions,
  load: (options) => loadIdxDataset(FASHION_MNIST_SPEC, options),
};
