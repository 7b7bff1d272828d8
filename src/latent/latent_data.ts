/**
 * The latent space of a latent-diffusion run (Rombach et al. 2022, §3.2; official
 * `ldm/models/diffusion/ddpm.py` LatentDiffusion): the image dataset's training and held-out splits encoded
 * once by the run's autoencoder, scaled by the latent scale factor, and the decoder that turns sampled
 * latents back into images before every metric.
 *
 * - Encoding: the posterior mean μ(x) of every image (the mode of q(z|x)). LDM draws z ~ q(z|x) per batch;
 *   with the KL weight of 1e-6 the committed autoencoders' posterior σ is small against the spread of the
 *   latents (recorded in each manifest's `quality.posterior`: mean σ beside the std of the means), so the
 *   mode is used, which makes the latents a fixed, cacheable dataset.
 * - Scale factor s = 1 / std(z) over every value of the training latents (LDM's `scale_by_std`:
 *   `1. / z.flatten().std()`, there from the first batch only; here from the whole split, so it does not
 *   depend on a batch), computed once per (weights, dataset options) and recorded in the run's result.
 *   The denoiser trains on s·z; samples are divided by s, decoded and clipped to [-1, 1] (LDM does not clip
 *   latents while sampling: `clip_denoised=False`, so neither does antbench).
 * - Cache: `<cacheDir>/latents/<sha256>/` (train.bin, heldout.bin, meta.json), keyed by the autoencoder's
 *   weights hash, the dataset id and resolved options and the antbench version; a damaged entry is
 *   re-encoded.
 *
 * Metrics, floors and the reference set stay those of the image dataset: a latent run is measured in the
 * same feature space as a pixel run of the same data.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { ImageDataset } from "../data/image_dataset.ts";
import type { LatentConfig } from "../train/types.ts";
import { type Codec, loadCodec } from "./codec.ts";
import { canonicalJson, sha256Hex } from "../suite/content_id.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { UsageError } from "../runtime/errors.ts";

/** Cache format tag. */
export const LATENT_CACHE_FORMAT = "antbench.latents/1";

/** A run's latent space. */
export interface LatentSpace {
  /** The autoencoder reference of the config. */
  readonly autoencoder: string;
  /** "sha256:<hex>" of the autoencoder's weights. */
  readonly weightsHash: string;
  /** [h, w, zChannels]. */
  readonly latentShape: readonly number[];
  /** s = 1 / std of the training latents. */
  readonly scaleFactor: number;
  /** The image dataset (metrics, floors and the reference set come from it). */
  readonly images: Dataset;
  /** The training data of the denoiser: the scaled latents (kind "latent"). */
  readonly data: Dataset;
  /** n sampled (scaled) latents → images in [-1, 1]. */
  decode(z: Float32Array, n: number): Promise<Float32Array>;
  /** Release the autoencoder. */
  dispose(): void;
}

/** 1 / (standard deviation of all values), divisor N − 1 as torch's `std()`; float64 accumulation. */
export function inverseStd(values: Float32Array): number {
  const n = values.length;
  if (n < 2) throw new RangeError(`inverseStd: ${n} values`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  if (!(sd > 0)) throw new RangeError("inverseStd: the latents have zero spread");
  return 1 / sd;
}

/** A Dataset over scaled latents, aligned with the image dataset's splits. */
class LatentDataset implements Dataset {
  readonly kind = "latent" as const;
  readonly id: string;
  readonly dataShape: readonly number[];
  readonly train: Float32Array;
  readonly nTrain: number;
  readonly trainLabels?: Uint8Array;
  readonly featureSpace: string;
  readonly provenance: Dataset["provenance"];
  constructor(
    readonly images: ImageDataset,
    autoencoder: string,
    shape: readonly number[],
    train: Float32Array,
    readonly heldOut: Float32Array,
  ) {
    this.id = `${images.id}@${autoencoder}`;
    this.dataShape = [...shape];
    this.train = train;
    this.nTrain = images.nTrain;
    this.trainLabels = images.trainLabels;
    this.featureSpace = images.featureSpace;
    this.provenance = {
      ...images.provenance,
      source: `${images.provenance.source}, encoded by autoencoder ${autoencoder}`,
    };
  }
  /** The latents of `images.reference(n, seed)`, in the same order. */
  reference(n: number, seed: number): Float32Array {
    const idx = this.images.referenceIndices(n, seed);
    const per = this.dataShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * per);
    for (let i = 0; i < n; i++) out.set(this.heldOut.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
    return out;
  }
}

async function readCached(dir: string, key: string, sizes: { train: number; heldOut: number }) {
  try {
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
    if (meta.format !== LATENT_CACHE_FORMAT || meta.key !== key) return null;
    const train = new Float32Array((await Deno.readFile(`${dir}/train.bin`)).slice().buffer);
    const heldOut = new Float32Array((await Deno.readFile(`${dir}/heldout.bin`)).slice().buffer);
    if (train.length !== sizes.train || heldOut.length !== sizes.heldOut) return null;
    return { train, heldOut, scaleFactor: meta.scaleFactor as number };
  } catch {
    return null;
  }
}

/**
 * The latent space of `config` over the loaded image dataset (`datasetOptions`: its resolved options, for
 * the cache key): load the autoencoder (hash-verified, and checked against `config.weightsHash` when the
 * config has one), encode both splits (or read them from the cache), scale.
 */
export async function loadLatentSpace(
  config: LatentConfig,
  images: Dataset,
  datasetOptions: Record<string, unknown>,
  cacheDir = ".cache",
): Promise<LatentSpace> {
  if (images.kind !== "image" || !(images as ImageDataset).heldOut) {
    throw new UsageError(
      `latent: dataset ${images.id} is not an image dataset; latent diffusion needs images`,
    );
  }
  const img = images as ImageDataset;
  const codec: Codec = await loadCodec(config.autoencoder);
  try {
    if (config.weightsHash !== undefined && codec.weightsHash !== config.weightsHash) {
      throw new UsageError(
        `latent: autoencoder ${JSON.stringify(config.autoencoder)} has weights ${codec.weightsHash} now, ` +
          `${config.weightsHash} in the run config; plan the suite again so the run gets the id of the new weights`,
      );
    }
    if (codec.arch.input.join("x") !== img.dataShape.join("x")) {
      throw new UsageError(
        `latent: autoencoder ${JSON.stringify(config.autoencoder)} encodes ${codec.arch.input.join("x")} ` +
          `images; dataset ${img.id} has ${img.dataShape.join("x")}`,
      );
    }
    const per = codec.latentShape.reduce((a, b) => a * b, 1);
    const key = await sha256Hex(canonicalJson({
      format: LATENT_CACHE_FORMAT,
      weightsHash: codec.weightsHash,
      dataset: { id: img.id, options: datasetOptions },
      antbench: ANTBENCH_VERSION,
    }));
    const dir = `${cacheDir}/latents/${key}`;
    let cached: { train: Float32Array; heldOut: Float32Array; scaleFactor: number } | null = await readCached(
      dir,
      key,
      { train: img.nTrain * per, heldOut: img.heldOut.n * per },
    );
    if (!cached) {
      const train = (await codec.encode(img.train, img.nTrain)).mean;
      const heldOut = (await codec.encode(img.heldOut.x, img.heldOut.n)).mean;
      const scaleFactor = inverseStd(train);
      for (const a of [train, heldOut]) for (let i = 0; i < a.length; i++) a[i] *= scaleFactor;
      await Deno.mkdir(dir, { recursive: true });
      await atomicWriteFile(`${dir}/train.bin`, new Uint8Array(train.buffer));
      await atomicWriteFile(`${dir}/heldout.bin`, new Uint8Array(heldOut.buffer));
      await atomicWriteJson(`${dir}/meta.json`, {
        format: LATENT_CACHE_FORMAT,
        key,
        autoencoder: config.autoencoder,
        weightsHash: codec.weightsHash,
        dataset: { id: img.id, options: datasetOptions },
        latentShape: codec.latentShape,
        scaleFactor,
      });
      cached = { train, heldOut, scaleFactor };
    }
    const { scaleFactor } = cached;
    const data = new LatentDataset(img, config.autoencoder, codec.latentShape, cached.train, cached.heldOut);
    return {
      autoencoder: config.autoencoder,
      weightsHash: codec.weightsHash,
      latentShape: [...codec.latentShape],
      scaleFactor,
      images: img,
      data,
      async decode(z, n) {
        const unscaled = new Float32Array(z.length);
        for (let i = 0; i < z.length; i++) unscaled[i] = z[i] / scaleFactor;
        return await codec.decode(unscaled, n);
      },
      dispose: () => codec.dispose(),
    };
  } catch (e) {
    codec.dispose();
    throw e;
  }
}
