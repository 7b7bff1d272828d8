import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { UsageError } from "../runtime/errors.ts";
import { loadDigits8 } from "../data/digits8.ts";
import { type AutoencoderArch, autoencoderInitialWeights } from "./autoencoder.ts";
import { saveAutoencoder } from "./weights.ts";
import { loadCodec } from "./codec.ts";
import { inverseStd, loadLatentSpace } from "./latent_data.ts";
import { runTraining } from "../train/run.ts";
import type { RunConfig } from "../train/types.ts";
import { affinityCommand } from "../cli/affinity.ts";
import { capture } from "../cli/testing.ts";

await initBackend("wasm");

/** An (untrained) autoencoder for the 8x8 digits: 8x8x1 -> 4x4x2. */
const ARCH8: AutoencoderArch = {
  input: [8, 8, 1],
  channels: 4,
  channelMult: [1, 2],
  numResBlocks: 1,
  zChannels: 2,
  groups: 2,
};

async function tinyAutoencoder(dir: string, arch = ARCH8, seed = 0) {
  return await saveAutoencoder(dir, {
    id: "tiny8",
    dataset: { id: "digits8", options: {} },
    arch,
    training: {
      seed,
      steps: 0,
      batchSize: 1,
      lr: 0,
      beta1: 0,
      beta2: 0,
      klWeight: 0,
      trainImages: 0,
      backend: "wasm",
      seconds: 0,
      command: "test",
    },
  }, autoencoderInitialWeights(arch, seed));
}

Deno.test("inverseStd: 1 / sample standard deviation (divisor n - 1, as torch.std)", () => {
  // [1, 2, 3, 4]: mean 2.5, Σ(x - m)² = 5, s² = 5/3.
  assert.ok(Math.abs(inverseStd(Float32Array.from([1, 2, 3, 4])) - 1 / Math.sqrt(5 / 3)) < 1e-12);
  assert.throws(() => inverseStd(Float32Array.from([2, 2, 2])), /zero spread/);
});

Deno.test("latent space: scale factor = 1 / std of the training latents; splits, reference, decode, cache", async () => {
  const tmp = await Deno.makeTempDir();
  const manifest = await tinyAutoencoder(`${tmp}/ae`);
  const images = await loadDigits8();
  const opts = { file: "fixtures/data/digits8/digits.csv.gz" };
  const space = await loadLatentSpace({ autoencoder: `${tmp}/ae` }, images, opts, `${tmp}/cache`);
  assert.deepEqual(space.data.dataShape, [4, 4, 2]);
  assert.equal(space.data.kind, "latent");
  assert.equal(space.data.nTrain, 1500);
  assert.equal(space.weightsHash, manifest.weightsHash);
  // Oracle: the posterior means of the training split from the codec, std by E[x²] − E[x]² (another formula).
  const codec = await loadCodec(`${tmp}/ae`);
  const { mean } = await codec.encode(images.train, images.nTrain);
  let s1 = 0, s2 = 0;
  for (const v of mean) {
    s1 += v;
    s2 += v * v;
  }
  const N = mean.length;
  const sd = Math.sqrt((s2 - (s1 * s1) / N) / (N - 1));
  assert.ok(Math.abs(space.scaleFactor - 1 / sd) < 1e-6 * (1 / sd), `${space.scaleFactor} vs ${1 / sd}`);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(space.data.train[i] - space.scaleFactor * mean[i]) < 1e-5);
  // The reference latents are the latents of the image reference, in the same order.
  const ref = space.data.reference(10, 0);
  const refImg = (await codec.encode(images.reference(10, 0), 10)).mean;
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ref[i] - space.scaleFactor * refImg[i]) < 1e-5);
  // decode(z) = D(z / s), clipped.
  const z = space.data.train.subarray(0, 3 * 32);
  const dec = await space.decode(z, 3);
  const direct = await codec.decode(Float32Array.from(z, (v) => v / space.scaleFactor), 3);
  for (let i = 0; i < dec.length; i++) assert.ok(Math.abs(dec[i] - direct[i]) < 1e-5);
  // A second load reads the cache: the same bits.
  const again = await loadLatentSpace({ autoencoder: `${tmp}/ae` }, images, opts, `${tmp}/cache`);
  assert.deepEqual(again.data.train, space.data.train);
  assert.equal(again.scaleFactor, space.scaleFactor);
  // Weights that changed since planning, and a shape mismatch, are errors.
  await assert.rejects(
    loadLatentSpace({ autoencoder: `${tmp}/ae`, weightsHash: "sha256:00" }, images, opts, `${tmp}/cache`),
    (e) => e instanceof UsageError && /plan the suite again/.test(e.message),
  );
  await tinyAutoencoder(`${tmp}/ae28`, { ...ARCH8, input: [28, 28, 1], channelMult: [1, 1, 1] });
  await assert.rejects(
    loadLatentSpace({ autoencoder: `${tmp}/ae28` }, images, opts, `${tmp}/cache`),
    /encodes 28x28x1 images; dataset digits8 has 8x8x1/,
  );
  for (const s of [space, again]) s.dispose();
  codec.dispose();
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("latent run: trains on latents, decodes before the metrics; the same floors as the pixel run", async () => {
  const tmp = await Deno.makeTempDir();
  await tinyAutoencoder(`${tmp}/ae`);
  const config = (latent: boolean, shape: "latent" | "pixel"): RunConfig => ({
    suite: "test",
    dataset: { id: "digits8", options: {} },
    model: {
      id: "unet",
      options: {
        channels: 8,
        channelMult: shape === "latent" ? [1] : [1, 2],
        groups: 4,
        midAttention: false,
      },
    },
    diffusion: { schedule: "linear", T: 100 },
    clustering: { objective: "none", k: 1, sampler: "uniform" },
    method: { id: "vanilla", options: {} },
    seed: 0,
    train: { steps: 6, batchSize: 10, lr: 1e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.9 },
    eval: {
      at: [6],
      samples: 40,
      referenceSamples: 60,
      sampler: { kind: "ddim", steps: 5, eta: 0 },
      metrics: ["fd"],
      useEma: true,
      floorResamples: 2,
      intervalLoss: { intervals: [[0, 49], [50, 99]], n: 20, draws: 1, seed: 0 },
    },
    ...(latent ? { latent: { autoencoder: `${tmp}/ae` } } : {}),
    backend: "wasm",
  });
  const lat = await runTraining(config(true, "latent"), {
    cacheDir: `${tmp}/cache`,
    checkpointDir: `${tmp}/ck`,
  });
  assert.equal(lat.status, "ok", lat.error);
  assert.deepEqual(lat.latent?.latentShape, [4, 4, 2]);
  assert.ok(lat.latent!.scaleFactor > 0);
  assert.ok(Number.isFinite(lat.final["fd-digits8-cnn"]), JSON.stringify(lat.final));
  assert.equal(lat.curve[0].intervalLoss?.length, 2);
  const pix = await runTraining(config(false, "pixel"), { cacheDir: `${tmp}/cache` });
  assert.equal(pix.status, "ok", pix.error);
  assert.deepEqual(lat.floors, pix.floors);
  assert.equal(pix.latent, undefined);
  // The checkpoint records the latent space; `cli affinity` measures it on the latents it was trained on.
  const meta = JSON.parse(await Deno.readTextFile(`${tmp}/ck/step-6/model.json`));
  assert.deepEqual(meta.latent, {
    autoencoder: `${tmp}/ae`,
    weightsHash: lat.latent!.weightsHash,
    scaleFactor: lat.latent!.scaleFactor,
  });
  assert.deepEqual(meta.dataShape, [4, 4, 2]);
  Deno.env.set("ANTBENCH_CACHE_DIR", `${tmp}/cache`);
  try {
    const { code, out } = await capture(() =>
      affinityCommand.run([
        "--checkpoint",
        `${tmp}/ck/step-6`,
        "--subset",
        "30",
        "--grid",
        "50",
        "--out",
        `${tmp}/aff`,
        "--backend",
        "wasm",
        "--json",
      ])
    );
    assert.equal(code, 0);
    assert.equal(JSON.parse(out[0]).grid, 3); // t = 0, 50, 99
  } finally {
    Deno.env.delete("ANTBENCH_CACHE_DIR");
  }
  await Deno.remove(tmp, { recursive: true });
});
