import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../runtime/backend.ts";
import { avgPool2x, concatChannels, upsample2x } from "./resample.ts";
import { channelSum } from "./segments.ts";
import { Rng } from "../../runtime/rng.ts";

const rng = new Rng(17);
const r = (shape: number[]) =>
  tf.tensor4d(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape as [number, number, number, number]);

/** Value and input gradients of Σ probe · f(inputs). */
function vg(f: (...a: tf.Tensor4D[]) => tf.Tensor, inputs: tf.Tensor4D[], probe: tf.Tensor) {
  return tf.tidy(() => ({
    y: Array.from(f(...inputs).dataSync()),
    grads: tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(probe, f(...(a as tf.Tensor4D[])))))(inputs)
      .map((g) => Array.from(g.dataSync())),
  }));
}

function close(a: number[], b: number[], what: string) {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - b[i]) <= 1e-6 * (1 + Math.abs(b[i])), `${what}[${i}]: ${x} vs ${b[i]}`)
  );
}

Deno.test("upsample2x / avgPool2x: hand values (1 sample, 2x2 and 4x4, 1 channel)", async () => {
  await initBackend("wasm");
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  assert.deepEqual(Array.from(upsample2x(x).dataSync()), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  const y = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
  // Windows {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}.
  assert.deepEqual(Array.from(avgPool2x(y).dataSync()), [2.5, 4.5, 10.5, 12.5]);
  tf.dispose([x, y]);
});

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`resampling layers (${backend}) equal the tfjs ops they replace, values and gradients`, async () => {
    await initBackend(backend);
    const x = r([2, 3, 4, 5]);
    close(
      vg(upsample2x, [x], r([2, 6, 8, 5])).y,
      vg((a) => tf.image.resizeNearestNeighbor(a, [6, 8]), [x], r([2, 6, 8, 5])).y,
      "up y",
    );
    const pu = r([2, 6, 8, 5]);
    const [gu, wu] = [vg(upsample2x, [x], pu), vg((a) => tf.image.resizeNearestNeighbor(a, [6, 8]), [x], pu)];
    close(gu.grads[0], wu.grads[0], "up dx");
    for (const shape of [[2, 4, 6, 3], [1, 5, 3, 2]]) {
      const z = r(shape), pp = r([shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]]);
      const [gp, wp] = [vg(avgPool2x, [z], pp), vg((a) => tf.avgPool(a, 2, 2, "valid"), [z], pp)];
      close(gp.y, wp.y, `pool y ${shape}`);
      close(gp.grads[0], wp.grads[0], `pool dx ${shape}`);
    }
    const a = r([2, 3, 2, 3]), b = r([2, 3, 2, 4]), pc = r([2, 3, 2, 7]);
    const [gc, wc] = [vg(concatChannels, [a, b], pc), vg((p, q) => tf.concat([p, q], 3), [a, b], pc)];
    close(gc.y, wc.y, "concat y");
    gc.grads.forEach((g, i) => close(g, wc.grads[i], `concat d${i}`));
    const s = r([3, 2, 2, 4]);
    close(Array.from(channelSum(s).dataSync()), Array.from(tf.sum(s, [0, 1, 2]).dataSync()), "channelSum");
    assert.throws(() => concatChannels(a, r([2, 3, 3, 1])), /differ outside the channels/);
  });
}
