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

/** Every registered dataset factory by id. */
export const DATASETS: ReadonlyMap<string, DatasetFactory> = new Map<string, DatasetFactory>([
  ...TOY2D_FACTORIES.map((f) => [f.id, f as unknown as DatasetFactory] as const),
  [digits8Factory.id, digits8Factory as unknown as DatasetFactory],
  [mnistFactory.id, mnistFactory as unknown as DatasetFactory],
  [fashionMnistFactory.id, fashionMnistFactory as unknown as DatasetFactory],
  [folderFactory.id, folderFactory as unknown as DatasetFactory],
]);

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
