import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import { readConcat, readFlat } from "./read.ts";

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`readConcat/readFlat on ${backend}: values in order, fresh copies, no leaked tensors`, async () => {
    await initBackend(backend);
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.scalar(-0.5);
    const c = tf.tensor1d([1e-30, 7, 8]);
    const before = tf.memory().numTensors;
    assert.deepEqual(Array.from(await readConcat([a, b, c])), [1, 2, 3, 4, -0.5, Math.fround(1e-30), 7, 8]);
    const [fa, fb, fc] = await readFlat([a, b, c]);
    assert.deepEqual([Array.from(fa), Array.from(fb), Array.from(fc)], [[1, 2, 3, 4], [-0.5], [
      Math.fround(1e-30),
      7,
      8,
    ]]);
    // A single tensor is read through a reshape that shares its storage: the result must be a copy.
    const single = await readConcat([a]);
    single[0] = 99;
    fa[1] = 99;
    assert.deepEqual(Array.from(await a.data()), [1, 2, 3, 4]);
    assert.equal(tf.memory().numTensors, before, "no tensors left behind");
    assert.deepEqual(await readFlat([]), []);
    assert.equal((await readConcat([])).length, 0);
    await assert.rejects(() => readConcat([tf.tensor1d([1], "int32")]), /float32 tensors only, got int32/);
    tf.dispose([a, b, c]);
  });
}
