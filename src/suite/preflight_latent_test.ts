import assert from "node:assert/strict";
import { resolveSuite } from "./validate.ts";
import { planRuns } from "./expand.ts";
import { defaultRegistries } from "./registries.ts";
import { EMBEDDED_SUITES } from "../../benchmarks/mod.ts";
import { preflight } from "./preflight.ts";
import { estimateRunMemory } from "./memory.ts";
import { autoencoderLatentShape } from "../latent/registry.ts";

Deno.test("preflight of a latent suite sizes the denoiser on the autoencoder's latents, not the images", async () => {
  const reg = defaultRegistries();
  const suite = resolveSuite(EMBEDDED_SUITES["mnist-latent"], reg);
  // mnist-kl-f4: 28x28x1 images -> 7x7x4 latents (4x downsampling, 4 latent channels).
  assert.deepEqual(autoencoderLatentShape("mnist-kl-f4"), [7, 7, 4]);
  assert.equal(autoencoderLatentShape("no-such-autoencoder"), null);
  const runs = await planRuns(suite, reg);
  const machine = { bytes: 16 * 2 ** 30, source: "physical memory" };
  const pre = await preflight(suite, runs, { backend: "wasm", jobs: 2, machine });
  for (const r of runs) {
    const got = pre.estimates.get(r.id)!;
    const latent = estimateRunMemory(r.config, { dataShape: [7, 7, 4], nTrain: 60000 })!;
    const images = estimateRunMemory(r.config, { dataShape: [28, 28, 1], nTrain: 60000 })!;
    assert.equal(got.wasmBytes, latent.wasmBytes);
    // Sized on the images, the suite's 48-channel U-Net with attention at 28x28 would not fit the heap.
    assert.ok(images.wasmBytes > 4 * 2 ** 30 && latent.wasmBytes < 2 ** 30);
  }
});
