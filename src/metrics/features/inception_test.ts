import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../runtime/backend.ts";
import { inceptionPreprocess, loadInceptionExtractor } from "./inception.ts";
import { rngFor } from "../../runtime/rng.ts";
import { UsageError } from "../../runtime/errors.ts";

const FIX = new URL("../../../fixtures/features/", import.meta.url).pathname;
// W and b of fixtures/features/make_tiny_inception.py.
const W = [[-0.5, -0.4, -0.3, -0.2], [-0.1, 0, 0.1, 0.2], [0.3, 0.4, 0.5, 0.6]];
const B = [0.5, -0.25, 0, 1];

/**
 * Independent oracle: PyTorch's bilinear resize with align_corners=False (source index
 * (dst + 0.5)·in/out − 0.5 clamped at 0, neighbours i0 and min(i0 + 1, in − 1)) of one h×w channel.
 */
function resizeOracle(img: number[], h: number, w: number, size: number): Float64Array {
  const out = new Float64Array(size * size);
  const src = (dst: number, n: number) => {
    const r = Math.max((dst + 0.5) * (n / size) - 0.5, 0);
    const i0 = Math.floor(r);
    return [i0, Math.min(i0 + 1, n - 1), r - i0];
  };
  for (let y = 0; y < size; y++) {
    const [y0, y1, ly] = src(y, h);
    for (let x = 0; x < size; x++) {
      const [x0, x1, lx] = src(x, w);
      const top = img[y0 * w + x0] * (1 - lx) + img[y0 * w + x1] * lx;
      const bot = img[y1 * w + x0] * (1 - lx) + img[y1 * w + x1] * lx;
      out[y * size + x] = top * (1 - ly) + bot * ly;
    }
  }
  return out;
}

function expectedFeatures(img: number[], h: number, w: number, bias: boolean): number[] {
  const r = resizeOracle(img, h, w, 299);
  const mean = r.reduce((a, b) => a + b, 0) / r.length; // the same for the 3 replicated channels
  return [0, 1, 2, 3].map((j) => mean * (W[0][j] + W[1][j] + W[2][j]) + (bias ? B[j] : 0));
}

Deno.test("inception preprocessing: 299x299 half-pixel bilinear, grayscale replicated, matches a hand oracle", async () => {
  await initBackend("wasm");
  const rng = rngFor(1, "test");
  const img = Array.from({ length: 7 * 5 }, () => 2 * rng.uniform() - 1);
  const t = tf.tensor4d(img, [1, 7, 5, 1]);
  const pre = inceptionPreprocess(t, 299);
  assert.deepEqual(pre.shape, [1, 299, 299, 3]);
  const got = pre.dataSync();
  const want = resizeOracle(img, 7, 5, 299);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[i * 3 + c] - want[i]));
  }
  assert.ok(worst < 1e-5, `max abs error ${worst}`);
  tf.dispose([t, pre]);
});

for (const kind of ["graph", "layers"] as const) {
  Deno.test(`inception extractor: loads a tiny tfjs ${kind} model and applies the preprocessing`, async () => {
    await initBackend("wasm");
    const ex = await loadInceptionExtractor(`${FIX}tiny_inception_${kind}/model.json`, { batchSize: 2 });
    assert.equal(ex.id, "inception");
    assert.equal(ex.dim, 4);
    assert.match(ex.weightsHash, /^sha256:[0-9a-f]{64}$/);
    const rng = rngFor(2, "test");
    const n = 3, h = 8;
    const images = Float32Array.from({ length: n * h * h }, () => 2 * rng.uniform() - 1);
    const feats = await ex.extract(images, n);
    assert.equal(feats.length, n * 4);
    for (let i = 0; i < n; i++) {
      const want = expectedFeatures([...images.subarray(i * 64, (i + 1) * 64)], h, h, kind === "layers");
      for (let j = 0; j < 4; j++) assert.ok(Math.abs(feats[i * 4 + j] - want[j]) < 1e-5, `${kind} ${i},${j}`);
    }
    // RGB input at the native size skips the resize.
    const rgb = new Float32Array(299 * 299 * 3).fill(0.5);
    const f2 = await ex.extract(rgb, 1, [299, 299, 3]);
    const want2 = [0, 1, 2, 3].map((j) =>
      0.5 * (W[0][j] + W[1][j] + W[2][j]) + (kind === "layers" ? B[j] : 0)
    );
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(f2[j] - want2[j]) < 1e-5);
    ex.dispose();
  });
}

Deno.test("inception extractor: a missing model is a UsageError naming the path", async () => {
  await assert.rejects(
    loadInceptionExtractor(`${FIX}nope/model.json`),
    (e) => e instanceof UsageError && /nope\/model\.json/.test(e.message),
  );
});
