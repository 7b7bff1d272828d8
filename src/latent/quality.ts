/**
 * Reconstruction quality of an autoencoder, as recorded in its manifest and the README:
 *
 * - PSNR of decode(encode(x)) (posterior mean, decoded images clipped to [-1, 1]) on the held-out split:
 *   PSNR = 10 log10(peak² / MSE) with peak = 2 (the [-1, 1] range; the same value as on [0, 1] images with
 *   peak 1), per image and averaged ("psnr"), and from the MSE pooled over all images ("psnrPooled").
 * - Fréchet distance in the dataset's classifier feature space, with the real-vs-real floor protocol of
 *   src/metrics/floor.ts: for resample r the N training images of floorRealSet(dataset, N, r) against the
 *   fixed held-out reference (N_ref images, seed 0, as every run's reference) give the floor; their
 *   reconstructions against the same reference give the autoencoder's value. The two differ only by what
 *   the autoencoder does to those images, so "reconstructed above floor" is the distortion a latent model's
 *   samples inherit at best.
 * - The posterior's spread: the mean σ of q(z|x) over the latent values of the held-out split beside the
 *   standard deviation of the latent means (how much the posterior sample differs from its mean, relative
 *   to the latent scale).
 *
 * @module
 */
import type { Codec } from "./codec.ts";
import type { ImageDataset } from "../data/image_dataset.ts";
import type { FeatureSpace } from "../metrics/features/registry.ts";
import { prepareMetrics } from "../metrics/registry.ts";
import { FLOOR_SEED, floorRealSet, summarizeFloor } from "../metrics/floor.ts";
import { deriveSeed } from "../runtime/rng.ts";
import type { ReconstructionQuality } from "./weights.ts";
import { REFERENCE_SEED } from "../train/run.ts";

/** Per-image PSNR (mean over images) and the PSNR of the pooled MSE, for images in [-1, 1] (peak 2). */
export function psnr(a: Float32Array, b: Float32Array, n: number): { mean: number; pooled: number } {
  if (a.length !== b.length || n < 1 || a.length % n !== 0) {
    throw new RangeError(`psnr: ${a.length} and ${b.length} values for ${n} images`);
  }
  const per = a.length / n;
  let sum = 0, total = 0;
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let j = i * per; j < (i + 1) * per; j++) se += (a[j] - b[j]) ** 2;
    total += se;
    sum += 10 * Math.log10(4 / Math.max(se / per, 1e-20));
  }
  return { mean: sum / n, pooled: 10 * Math.log10(4 / Math.max(total / a.length, 1e-20)) };
}

/** Settings of the FD part of {@link measureQuality}. */
export interface QualityFdOptions {
  /** The dataset's feature space. */
  features: FeatureSpace;
  /** Images per resample (N). */
  n: number;
  /** Held-out reference images (seed 0, as runs use). */
  referenceN: number;
  /** Seeded resamples of the N images (src/metrics/floor.ts protocol). */
  resamples: number;
}

/** Measure the quality of `codec` on `dataset` (see the module doc). */
export async function measureQuality(
  codec: Codec,
  dataset: ImageDataset,
  backend: string,
  fd?: QualityFdOptions,
  onProgress?: (message: string) => void,
): Promise<ReconstructionQuality> {
  const held = dataset.heldOut;
  const rec = await codec.reconstruct(held.x, held.n);
  const p = psnr(held.x, rec, held.n);
  onProgress?.(`PSNR ${p.mean.toFixed(2)} dB on ${held.n} held-out images`);
  const { mean, sigma } = await codec.encode(held.x, held.n);
  let ms = 0, mm = 0;
  for (let i = 0; i < mean.length; i++) {
    ms += sigma[i];
    mm += mean[i];
  }
  ms /= mean.length;
  mm /= mean.length;
  let v = 0;
  for (let i = 0; i < mean.length; i++) v += (mean[i] - mm) ** 2;
  const out: ReconstructionQuality = {
    psnr: p.mean,
    psnrPooled: p.pooled,
    nHeldOut: held.n,
    posterior: { meanSigma: ms, latentStd: Math.sqrt(v / (mean.length - 1)) },
    backend,
  };
  if (!fd) return out;
  const real = dataset.reference(fd.referenceN, REFERENCE_SEED);
  const prepared = prepareMetrics(["fd"], await fd.features.extract(real, fd.referenceN), fd.features.dim, {
    featureSpace: fd.features.id,
    dataset: dataset.id,
  });
  const name = prepared.names[0];
  const floor: number[] = [], recon: number[] = [];
  for (let r = 0; r < fd.resamples; r++) {
    const x = floorRealSet(dataset, fd.n, r).x;
    const seed = deriveSeed(FLOOR_SEED, "floor:metrics", r);
    floor.push(prepared.evaluate(await fd.features.extract(x, fd.n), seed)[name]);
    const xr = await codec.reconstruct(x, fd.n);
    recon.push(prepared.evaluate(await fd.features.extract(xr, fd.n), seed)[name]);
    onProgress?.(
      `FD resample ${r + 1}/${fd.resamples}: real ${floor[r].toFixed(3)}, reconstructed ${
        recon[r].toFixed(3)
      }`,
    );
  }
  out.fd = {
    featureSpace: fd.features.id,
    n: fd.n,
    referenceN: fd.referenceN,
    resamples: fd.resamples,
    reconstructed: summarizeFloor(recon),
    floor: summarizeFloor(floor),
  };
  return out;
}
