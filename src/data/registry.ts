/**
 * Registry of datasets, keyed by stable id.
 *
 * @module
 */
import type { DatasetFactory } from "./dataset.ts";
import { TOY2D_FACTORIES } from "./toy2d.ts";
import { digits8Factory } from "./digits8.ts";
import { mnistFactory } from "./mnist.ts";
import { fashionMnistFactory } from "./fashion_mnist.ts";
import { folderFactory } from "./folder.ts";
import { UsageError } from "../runtime/errors.ts";
import { registryMap } from "../runtime/registry.ts";

/** Ids of the registered datasets, in registry order. */
export const DATASET_IDS = [
  "swissroll",
  "gaussians8",
  "moons",
  "checkerboard",
  "digits8",
  "mnist",
  "fashion-mnist",
  "folder",
] as const;

/** A registered dataset id. */
export type DatasetId = typeof DATASET_IDS[number];

/** Every registered dataset factory by id. */
export const DATASETS: ReadonlyMap<string, DatasetFactory> = registryMap("dataset", DATASET_IDS, [
  ...TOY2D_FACTORIES,
  digits8Factory,
  mnistFactory,
  fashionMnistFactory,
  folderFactory,
] as unknown as DatasetFactory[]);

/** The factory for `id`, or a UsageError listing the allowed ids. */
export function getDatasetFactory(id: string, field = "dataset"): DatasetFactory {
  const f = DATASETS.get(id);
  if (!f) {
    throw new UsageError(
      `${field}: unknown dataset ${JSON.stringify(id)}; allowed: ${[...DATASETS.keys()].join(", ")}`,
    );
  }
  return f;
}
