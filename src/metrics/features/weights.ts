/**
 * Storage of a feature classifier under fixtures/features/<id>/: `model.json` (architecture, variable
 * manifest, weights hash, recorded accuracy, training provenance) and `weights.bin` (the variables as
 * little-endian float32, concatenated in manifest order). The loader verifies the SHA-256 of weights.bin
 * against the manifest, so a tampered or truncated file is an error, not silently different metrics.
 *
 * @module
 */
import { UsageError } from "../../runtime/errors.ts";
import { atomicWriteFile, atomicWriteJson } from "../../runtime/atomic_write.ts";
import { type CnnArch, type VariableSpec, variableSpecs } from "./cnn.ts";

/** Manifest format tag. */
export const FEATURES_FORMAT = "antbench.features/1";

/** model.json of a stored feature classifier. */
export interface FeatureModelManifest {
  format: typeof FEATURES_FORMAT;
  id: string;
  dataset: string;
  arch: CnnArch;
  /** Feature dimension (= arch.hidden). */
  dim: number;
  variables: VariableSpec[];
  /** "sha256:<hex>" of weights.bin. */
  weightsHash: string;
  /** Accuracy on the dataset's held-out split (the test split for MNIST / Fashion-MNIST). */
  accuracy: { heldOut: number; nHeldOut: number; firstSlice: { n: number; accuracy: number } };
  training: {
    seed: number;
    epochs: number;
    batchSize: number;
    lr: number;
    trainImages: number;
    backend: string;
    seconds: number;
    command: string;
  };
}

/** SHA-256 of bytes as "sha256:<hex>". */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return "sha256:" + [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Concatenate variables as little-endian float32 bytes. */
export function packWeights(values: Float32Array[]): Uint8Array {
  const total = values.reduce((s, v) => s + v.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const v of values) {
    out.set(v, o);
    o += v.length;
  }
  return new Uint8Array(out.buffer);
}

/** Write model.json and weights.bin into `dir`; returns the manifest written. */
export async function saveFeatureModel(
  dir: string,
  manifest: Omit<FeatureModelManifest, "weightsHash" | "variables" | "format">,
  values: Float32Array[],
): Promise<FeatureModelManifest> {
  const bytes = packWeights(values);
  const full: FeatureModelManifest = {
    format: FEATURES_FORMAT,
    ...manifest,
    variables: variableSpecs(manifest.arch),
    weightsHash: await sha256(bytes),
  };
  await atomicWriteFile(`${dir}/weights.bin`, bytes);
  await atomicWriteJson(`${dir}/model.json`, full);
  return full;
}

/** Read and verify a stored feature classifier. Throws a UsageError naming the file on any mismatch. */
export async function loadFeatureModel(
  dir: string,
): Promise<{ manifest: FeatureModelManifest; values: Float32Array[] }> {
  let manifest: FeatureModelManifest;
  let bytes: Uint8Array;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    bytes = await Deno.readFile(`${dir}/weights.bin`);
  } catch (e) {
    throw new UsageError(
      `feature model ${dir}: cannot read model.json/weights.bin (${e instanceof Error ? e.message : e})`,
    );
  }
  if (manifest.format !== FEATURES_FORMAT) {
    throw new UsageError(
      `${dir}/model.json: format ${JSON.stringify(manifest.format)}; expected ${FEATURES_FORMAT}`,
    );
  }
  const hash = await sha256(bytes);
  if (hash !== manifest.weightsHash) {
    throw new UsageError(
      `${dir}/weights.bin: content hash ${hash} does not match the manifest's ${manifest.weightsHash}`,
    );
  }
  const specs = variableSpecs(manifest.arch);
  if (JSON.stringify(specs) !== JSON.stringify(manifest.variables)) {
    throw new UsageError(`${dir}/model.json: the variable manifest does not match the architecture`);
  }
  const total = specs.reduce((s, v) => s + v.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== total * 4) {
    throw new UsageError(`${dir}/weights.bin: ${bytes.length} bytes; the manifest needs ${total * 4}`);
  }
  const all = new Float32Array(bytes.slice().buffer);
  const values: Float32Array[] = [];
  let o = 0;
  for (const v of specs) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    values.push(all.slice(o, o + size));
    o += size;
  }
  return { manifest, values };
}
