/**
 * Storage of an autoencoder: a directory with `model.json` (format "antbench.autoencoder/1": id, the
 * dataset it was trained for, architecture, latent shape, variable manifest, SHA-256 of the weights,
 * training provenance and measured reconstruction quality) and `weights.bin` (the variables as
 * little-endian float32, concatenated in manifest order). The committed ones live under
 * fixtures/autoencoders/<id>/; a user supplies another (e.g. one trained on a GPU for 256x256 faces) as a
 * directory in the same format, named by its path. Loading verifies the hash, the variable manifest
 * against the architecture and the byte count, so a tampered or truncated file is an error, never a
 * silently different latent space.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { packWeights, sha256 } from "../metrics/features/weights.ts";
import {
  type AeVariableSpec,
  type AutoencoderArch,
  autoencoderArchProblems,
  autoencoderVariableSpecs,
  latentShape,
} from "./autoencoder.ts";
import type { AutoencoderRecipe } from "./train.ts";

/** Manifest format tag. */
export const AUTOENCODER_FORMAT = "antbench.autoencoder/1";

/** Reconstruction quality recorded in the manifest (src/latent/quality.ts). */
export interface ReconstructionQuality {
  /** Mean per-image PSNR (dB, images in [-1, 1] → peak-to-peak 2) of decode(encode(x)) on the held-out split. */
  psnr: number;
  /** PSNR of the pooled mean squared error over the same images. */
  psnrPooled: number;
  /** Images of the held-out split measured. */
  nHeldOut: number;
  /** Fréchet distance of reconstructions vs the real images in the dataset's feature space, with its floor. */
  fd?: {
    featureSpace: string;
    n: number;
    referenceN: number;
    resamples: number;
    /** FD of N reconstructed training images against the held-out reference, over the resamples. */
    reconstructed: { mean: number; sd: number; lo: number; hi: number };
    /** The same N training images themselves (the real-vs-real floor, src/metrics/floor.ts protocol). */
    floor: { mean: number; sd: number; lo: number; hi: number };
  };
  /** Posterior spread: mean posterior σ over latent values, and the std of the latent means. */
  posterior: { meanSigma: number; latentStd: number };
  /** tfjs backend of the measurement. */
  backend: string;
}

/** model.json of a stored autoencoder. */
export interface AutoencoderManifest {
  /** {@link AUTOENCODER_FORMAT}. */
  format: typeof AUTOENCODER_FORMAT;
  /** Autoencoder id. */
  id: string;
  /** The dataset (id and options) it was trained on; its images have shape `arch.input`. */
  dataset: { id: string; options: Record<string, unknown> };
  /** The architecture. */
  arch: AutoencoderArch;
  /** [h, w, zChannels]. */
  latentShape: [number, number, number];
  /** Scalar parameters. */
  paramCount: number;
  /** Name and shape of every variable, in weights.bin order. */
  variables: AeVariableSpec[];
  /** "sha256:<hex>" of weights.bin. */
  weightsHash: string;
  /** The recipe's settings and where and how it was trained. */
  training: Omit<AutoencoderRecipe, "id" | "dataset" | "arch"> & {
    trainImages: number;
    backend: string;
    seconds: number;
    command: string;
  };
  /** Measured reconstruction quality (absent until measured). */
  quality?: ReconstructionQuality;
}

/** Write model.json and weights.bin into `dir`; returns the manifest written. */
export async function saveAutoencoder(
  dir: string,
  manifest: Omit<AutoencoderManifest, "weightsHash" | "variables" | "format" | "latentShape" | "paramCount">,
  values: Float32Array[],
): Promise<AutoencoderManifest> {
  const bytes = packWeights(values);
  const variables = autoencoderVariableSpecs(manifest.arch);
  const full: AutoencoderManifest = {
    format: AUTOENCODER_FORMAT,
    id: manifest.id,
    dataset: manifest.dataset,
    arch: manifest.arch,
    latentShape: latentShape(manifest.arch),
    paramCount: values.reduce((s, v) => s + v.length, 0),
    variables,
    weightsHash: await sha256(bytes),
    training: manifest.training,
    ...(manifest.quality ? { quality: manifest.quality } : {}),
  };
  await atomicWriteFile(`${dir}/weights.bin`, bytes);
  await atomicWriteJson(`${dir}/model.json`, full);
  return full;
}

/** Rewrite only model.json (e.g. with measured quality); the weights and their hash are unchanged. */
export async function writeAutoencoderManifest(dir: string, manifest: AutoencoderManifest): Promise<void> {
  await atomicWriteJson(`${dir}/model.json`, manifest);
}

/** Read model.json only (no hash check): for validation before any training. */
export function readAutoencoderManifestSync(dir: string): AutoencoderManifest {
  let manifest: AutoencoderManifest;
  try {
    manifest = JSON.parse(Deno.readTextFileSync(`${dir}/model.json`));
  } catch (e) {
    throw new UsageError(
      `autoencoder ${dir}: cannot read model.json (${e instanceof Error ? e.message : e})`,
    );
  }
  checkManifest(dir, manifest);
  return manifest;
}

function checkManifest(dir: string, manifest: AutoencoderManifest): void {
  if (manifest?.format !== AUTOENCODER_FORMAT) {
    throw new UsageError(
      `${dir}/model.json: format ${JSON.stringify(manifest?.format)}; expected ${AUTOENCODER_FORMAT}`,
    );
  }
  const problems = autoencoderArchProblems(manifest.arch);
  if (problems.length > 0) throw new UsageError(`${dir}/model.json: ${problems.join("; ")}`);
  if (JSON.stringify(autoencoderVariableSpecs(manifest.arch)) !== JSON.stringify(manifest.variables)) {
    throw new UsageError(`${dir}/model.json: the variable manifest does not match the architecture`);
  }
}

/** Read and verify a stored autoencoder. Throws a UsageError naming the file on any mismatch. */
export async function loadAutoencoder(
  dir: string,
): Promise<{ manifest: AutoencoderManifest; values: Float32Array[] }> {
  let manifest: AutoencoderManifest;
  let bytes: Uint8Array;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    bytes = await Deno.readFile(`${dir}/weights.bin`);
  } catch (e) {
    throw new UsageError(
      `autoencoder ${dir}: cannot read model.json/weights.bin (${e instanceof Error ? e.message : e})`,
    );
  }
  checkManifest(dir, manifest);
  const hash = await sha256(bytes);
  if (hash !== manifest.weightsHash) {
    throw new UsageError(
      `${dir}/weights.bin: content hash ${hash} does not match the manifest's ${manifest.weightsHash}`,
    );
  }
  const total = manifest.variables.reduce((s, v) => s + v.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== total * 4) {
    throw new UsageError(`${dir}/weights.bin: ${bytes.length} bytes; the manifest needs ${total * 4}`);
  }
  const all = new Float32Array(bytes.slice().buffer);
  const values: Float32Array[] = [];
  let o = 0;
  for (const v of manifest.variables) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    values.push(all.slice(o, o + size));
    o += size;
  }
  return { manifest, values };
}
