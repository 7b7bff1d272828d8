import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { UsageError } from "../runtime/errors.ts";
import { getDatasetFactory } from "../data/registry.ts";
import type { ImageDataset } from "../data/image_dataset.ts";
import { loadCodec } from "./codec.ts";
import { psnr } from "./quality.ts";
import { AUTOENCODER_RECIPES } from "./train.ts";
import { autoencoderDir, autoencoderProblem } from "./registry.ts";

await initBackend("wasm");

/** Measured on the committed weights (README): every held-out PSNR bound below sits under that value. */
const MIN_PSNR_DB = 22;

Deno.test("psnr: peak-to-peak 2 on [-1, 1] images; per-image mean and pooled", () => {
  // One image off by 0.2 everywhere: MSE 0.04 → 10 log10(4 / 0.04) = 20 dB; one exact (capped at 1e-20).
  const a = new Float32Array(8), b = Float32Array.from([0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0]);
  const p = psnr(a, b, 2);
  assert.ok(Math.abs(p.pooled - 10 * Math.log10(4 / 0.02)) < 1e-4);
  assert.ok(Math.abs(p.mean - (20 + 10 * Math.log10(4 / 1e-20)) / 2) < 1e-4);
});

Deno.test("committed mnist-kl-f4: hash-verified, 28x28x1 -> 7x7x4, decode(encode(x)) PSNR on held-out digits", async () => {
  const codec = await loadCodec("mnist-kl-f4");
  assert.deepEqual(codec.latentShape, [7, 7, 4]);
  assert.deepEqual(codec.manifest.arch, AUTOENCODER_RECIPES.get("mnist-kl-f4")!.arch);
  const q = codec.manifest.quality!;
  assert.equal(q.nHeldOut, 10000);
  const f = getDatasetFactory("mnist");
  const ds = await f.load({ ...f.defaults as Record<string, unknown>, trainLimit: 100 }, {
    cacheDir: ".cache",
  }) as ImageDataset;
  const n = 500, x = ds.heldOut.x.subarray(0, n * 784);
  const p = psnr(x, await codec.reconstruct(x, n), n);
  assert.ok(p.mean > MIN_PSNR_DB, `PSNR ${p.mean} dB on the first ${n} test digits`);
  // The first 500 test digits are not far from the recorded whole-split value.
  assert.ok(Math.abs(p.mean - q.psnr) < 1, `${p.mean} vs recorded ${q.psnr}`);
  // Reconstruction only adds distortion: the reconstructed images sit above the floor of the same images.
  assert.ok(q.fd!.reconstructed.mean > q.fd!.floor.mean);
  codec.dispose();
  // Validation: the suite-level check accepts MNIST 28x28 and names the shapes otherwise.
  assert.equal(autoencoderProblem("mnist-kl-f4", [28, 28, 1]), null);
  assert.match(
    autoencoderProblem("mnist-kl-f4", [32, 32, 1])!,
    /encodes 28x28x1 images; the dataset's are 32x32x1/,
  );
  assert.equal(autoencoderProblem("ffhq-kl-f4", [256, 256, 3]), null); // a recipe, validated by its architecture
  assert.match(autoencoderDir("ffhq-kl-f4"), /^data\/autoencoders\/ffhq-kl-f4$/);
  assert.throws(
    () => autoencoderDir("nope"),
    (e) => e instanceof UsageError && /allowed: mnist-kl-f4, ffhq-kl-f4/.test(e.message),
  );
});
