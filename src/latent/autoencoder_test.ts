import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { rngFor } from "../runtime/rng.ts";
import {
  type AutoencoderArch,
  autoencoderArchProblems,
  autoencoderInitialWeights,
  autoencoderParamCount,
  autoencoderVariableSpecs,
  decodeLatents,
  encodePosterior,
  encoderVariableCount,
  klToStandardNormal,
  latentShape,
} from "./autoencoder.ts";
import { AUTOENCODER_RECIPES, trainAutoencoder } from "./train.ts";
import { makeCodec } from "./codec.ts";
import { AUTOENCODER_FORMAT, type AutoencoderManifest } from "./weights.ts";

await initBackend("wasm");

/** A tiny architecture whose parameters are counted by hand below. */
const TINY: AutoencoderArch = {
  input: [4, 4, 1],
  channels: 2,
  channelMult: [1, 2],
  numResBlocks: 1,
  zChannels: 1,
  groups: 1,
};

Deno.test("autoencoder: hand-counted parameters, latent shape and variable order", () => {
  // Encoder: in 3·3·1·2+2 = 20; down0 res 2→2: GN 4 + conv 38 + GN 4 + conv 38 = 84; resample 38;
  // down1 res 2→4: GN 4 + conv 76 + GN 8 + conv 148 + skip 12 = 248; mid res 4: 8+148+8+148 = 312;
  // out GN 8 + conv 3·3·4·2+2 = 74 → 784.
  // Decoder: in 3·3·1·4+4 = 40; mid 312; up1 res 4→4 312; resample 148; up0 res 4→2: 8 + 74 + 4 + 38 + 10 = 134;
  // out GN 4 + conv 3·3·2·1+1 = 19 → 969.
  assert.equal(autoencoderParamCount(TINY), 784 + 969);
  assert.deepEqual(latentShape(TINY), [2, 2, 1]);
  const specs = autoencoderVariableSpecs(TINY);
  const n = encoderVariableCount(TINY);
  assert.ok(specs.slice(0, n).every((s) => s.name.startsWith("enc.")));
  assert.ok(specs.slice(n).every((s) => s.name.startsWith("dec.")));
  assert.equal(new Set(specs.map((s) => s.name)).size, specs.length);
  // The committed 28x28 recipe: 28x28x1 -> 7x7x4 (f = 4), well under 1 MB of float32.
  const arch = AUTOENCODER_RECIPES.get("mnist-kl-f4")!.arch;
  assert.deepEqual(latentShape(arch), [7, 7, 4]);
  assert.ok(autoencoderParamCount(arch) * 4 < 1_000_000);
  assert.deepEqual(autoencoderArchProblems(arch), []);
  assert.match(autoencoderArchProblems({ ...arch, channelMult: [1, 2, 2, 2] }).join(), /channelMult/);
  assert.match(autoencoderArchProblems({ ...arch, groups: 5 }).join(), /groups/);
});

Deno.test("autoencoder: encode/decode shapes; KL against the closed form", () => {
  const vars = autoencoderInitialWeights(TINY, 3).map((v, i) =>
    tf.tensor(v, autoencoderVariableSpecs(TINY)[i].shape)
  );
  const x = tf.tensor4d(rngFor(1, "test").normalArray(3 * 16), [3, 4, 4, 1]);
  const { mean, logvar } = encodePosterior(TINY, vars, x);
  assert.deepEqual(mean.shape, [3, 2, 2, 1]);
  assert.deepEqual(logvar.shape, [3, 2, 2, 1]);
  const y = decodeLatents(TINY, vars, mean);
  assert.deepEqual(y.shape, [3, 4, 4, 1]);
  // KL(N(μ, σ²) ‖ N(0, 1)) = ½ (μ² + σ² − 1 − log σ²) per value: μ = 1, σ² = e gives ½ (1 + e − 1 − 1) = (e − 1)/2.
  const mu = tf.ones([2, 2, 2, 1]) as tf.Tensor4D, lv = tf.ones([2, 2, 2, 1]) as tf.Tensor4D;
  const kl = klToStandardNormal(mu, lv).arraySync();
  for (const v of kl) assert.ok(Math.abs(v - 4 * (Math.E - 1) / 2) < 1e-5, String(v));
  assert.deepEqual(klToStandardNormal(tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])).arraySync(), [0]);
  tf.dispose([...vars, x, mean, logvar, y, mu, lv]);
});

Deno.test("autoencoder: training is deterministic (same recipe twice: identical bits) and moves the weights", async () => {
  const recipe = {
    ...AUTOENCODER_RECIPES.get("mnist-kl-f4")!,
    arch: TINY,
    steps: 4,
    batchSize: 8,
    id: "tiny",
  };
  const rng = rngFor(7, "images");
  const images = Float32Array.from({ length: 40 * 16 }, () => 2 * rng.uniform() - 1);
  const a = await trainAutoencoder(recipe, images, 40);
  const b = await trainAutoencoder(recipe, images, 40);
  assert.deepEqual(a, b);
  const init = autoencoderInitialWeights(TINY, recipe.seed);
  assert.notDeepEqual(a, init);
  const c = await trainAutoencoder({ ...recipe, seed: 1 }, images, 40);
  assert.notDeepEqual(a, c);
});

Deno.test("codec: batched encode/decode matches one pass; decoded images are clipped to [-1, 1]", async () => {
  const values = autoencoderInitialWeights(TINY, 5);
  const manifest = {
    format: AUTOENCODER_FORMAT,
    id: "tiny",
    arch: TINY,
    variables: autoencoderVariableSpecs(TINY),
    weightsHash: "sha256:none",
  } as unknown as AutoencoderManifest;
  const codec = makeCodec(manifest, values);
  const rng = rngFor(2, "codec");
  const n = 300; // more than one batch of 250
  const x = Float32Array.from({ length: n * 16 }, () => 2 * rng.uniform() - 1);
  const { mean, sigma } = await codec.encode(x, n);
  assert.equal(mean.length, n * 4);
  assert.ok(sigma.every((s) => s > 0));
  const vars = values.map((v, i) => tf.tensor(v, manifest.variables[i].shape));
  const one = encodePosterior(TINY, vars, tf.tensor4d(x, [n, 4, 4, 1]));
  const direct = one.mean.dataSync();
  for (let i = 0; i < mean.length; i++) assert.ok(Math.abs(mean[i] - direct[i]) < 1e-5);
  const big = Float32Array.from({ length: n * 4 }, (_, i) => (i % 2 ? 50 : -50));
  const img = await codec.decode(big, n);
  assert.ok(img.every((v) => v >= -1 && v <= 1));
  await assert.rejects(codec.decode(big, n + 1), /values are not/);
  tf.dispose([...vars, one.mean, one.logvar]);
  codec.dispose();
});
