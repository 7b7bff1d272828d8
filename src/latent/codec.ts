/**
 * A loaded, frozen autoencoder (./autoencoder.ts) with host-array encode/decode in batches: what latent
 * training (./latent_data.ts), the quality measurement (./quality.ts) and the CLI use.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type AutoencoderArch, decodeLatents, encodePosterior, latentShape } from "./autoencoder.ts";
import { type AutoencoderManifest, loadAutoencoder } from "./weights.ts";
import { autoencoderDir } from "./registry.ts";
import { readConcat } from "../runtime/read.ts";

/** Images per forward batch. */
const BATCH = 250;

/** A frozen autoencoder on the active tfjs backend. */
export interface Codec {
  /** The architecture. */
  readonly arch: AutoencoderArch;
  /** [h, w, zChannels]. */
  readonly latentShape: readonly [number, number, number];
  /** "sha256:<hex>" of the weights. */
  readonly weightsHash: string;
  /** The verified manifest. */
  readonly manifest: AutoencoderManifest;
  /** Posterior mean and standard deviation of n images (each flat [n · h · w · zChannels]). */
  encode(images: Float32Array, n: number): Promise<{ mean: Float32Array; sigma: Float32Array }>;
  /** Images of n latents, clipped to [-1, 1] (flat [n · H · W · C]). */
  decode(z: Float32Array, n: number): Promise<Float32Array>;
  /** decode(posterior mean of x), clipped to [-1, 1]. */
  reconstruct(images: Float32Array, n: number): Promise<Float32Array>;
  /** Release the weights. */
  dispose(): void;
}

/** A codec from a manifest and its weights (storage order). */
export function makeCodec(manifest: AutoencoderManifest, values: Float32Array[]): Codec {
  const arch = manifest.arch;
  const vars = values.map((v, i) => tf.keep(tf.tensor(v, manifest.variables[i].shape, "float32")));
  const zs = latentShape(arch);
  const per = arch.input[0] * arch.input[1] * arch.input[2];
  const zPer = zs[0] * zs[1] * zs[2];
  const check = (x: Float32Array, n: number, size: number, what: string) => {
    if (!Number.isInteger(n) || n < 0 || x.length !== n * size) {
      throw new RangeError(`autoencoder ${manifest.id}: ${x.length} values are not ${n} ${what} of ${size}`);
    }
  };
  const encode = async (images: Float32Array, n: number) => {
    check(images, n, per, `${arch.input.join("x")} images`);
    const mean = new Float32Array(n * zPer), sigma = new Float32Array(n * zPer);
    for (let s = 0; s < n; s += BATCH) {
      const b = Math.min(BATCH, n - s);
      const out = tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(s * per, (s + b) * per), [b, ...arch.input]);
        const p = encodePosterior(arch, vars, x);
        return [p.mean, tf.exp(tf.mul(0.5, p.logvar))];
      });
      try {
        const flat = await readConcat(out);
        mean.set(flat.subarray(0, b * zPer), s * zPer);
        sigma.set(flat.subarray(b * zPer), s * zPer);
      } finally {
        tf.dispose(out);
      }
    }
    return { mean, sigma };
  };
  const decode = async (z: Float32Array, n: number) => {
    check(z, n, zPer, `${zs.join("x")} latents`);
    const out = new Float32Array(n * per);
    for (let s = 0; s < n; s += BATCH) {
      const b = Math.min(BATCH, n - s);
      const y = tf.tidy(() =>
        tf.clipByValue(
          decodeLatents(arch, vars, tf.tensor4d(z.subarray(s * zPer, (s + b) * zPer), [b, ...zs])),
          -1,
          1,
        )
      );
      try {
        out.set(await readConcat([y]), s * per);
      } finally {
        y.dispose();
      }
    }
    return out;
  };
  return {
    arch,
    latentShape: zs,
    weightsHash: manifest.weightsHash,
    manifest,
    encode,
    decode,
    async reconstruct(images, n) {
      return await decode((await encode(images, n)).mean, n);
    },
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}

/** Load (hash-verified) the autoencoder `ref` names (an id or a directory; see ./registry.ts). */
export async function loadCodec(ref: string, field = "latent"): Promise<Codec> {
  const { manifest, values } = await loadAutoencoder(autoencoderDir(ref, field));
  return makeCodec(manifest, values);
}
