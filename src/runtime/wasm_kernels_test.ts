/**
 * The wasm kernel patches against an independent implementation: tfjs's cpu backend (plain JS kernels).
 * Every case computes forward values and gradients on both backends from the same seeded inputs.
 * Tolerance: max |wasm − cpu| ≤ 1e-4 · max(1, max |cpu|) per output (float32 sums in a different order).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import { rngFor } from "./rng.ts";
import { setWasmKernelOptions, WASM_PATCHED_KERNELS, wasmKernelsPatched } from "./wasm_kernels.ts";

await initBackend("wasm");

const TOL = 1e-4;

type Fn = (inputs: tf.Tensor[]) => tf.Tensor[];

/** Values of `f(inputs)` and of the gradient of Σ f(inputs)·probe w.r.t. every float input. */
function evaluate(f: Fn, data: { shape: number[]; values: Float32Array | Int32Array }[]): Float32Array[] {
  return tf.tidy(() => {
    const xs = data.map((d) =>
      d.values instanceof Int32Array ? tf.tensor(d.values, d.shape, "int32") : tf.tensor(d.values, d.shape)
    );
    const outs = f(xs);
    const floatIdx = xs.map((x, i) => (x.dtype === "float32" ? i : -1)).filter((i) => i >= 0);
    // A fixed, non-constant cotangent so every output element matters.
    const scalar = (ys: tf.Tensor[]) =>
      ys.reduce((acc, y) => {
        const probe = tf.reshape(tf.sin(tf.range(0, y.size, 1, "float32")), y.shape);
        return tf.add(acc, tf.sum(tf.mul(y, probe)));
      }, tf.scalar(0));
    const grads = tf.grads((...ins: tf.Tensor[]) => {
      const all = [...xs];
      floatIdx.forEach((k, j) => (all[k] = ins[j]));
      return scalar(f(all));
    })(floatIdx.map((k) => xs[k]));
    return [...outs, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

async function compare(name: string, f: Fn, data: { shape: number[]; values: Float32Array | Int32Array }[]) {
  await tf.setBackend("cpu");
  const ref = evaluate(f, data);
  await tf.setBackend("wasm");
  const got = evaluate(f, data);
  assert.equal(got.length, ref.length, name);
  for (let i = 0; i < ref.length; i++) {
    assert.equal(got[i].length, ref[i].length, `${name}: output ${i} size`);
    let scale = 1, err = 0;
    for (let j = 0; j < ref[i].length; j++) {
      scale = Math.max(scale, Math.abs(ref[i][j]));
      err = Math.max(err, Math.abs(got[i][j] - ref[i][j]));
    }
    assert.ok(err <= TOL * scale, `${name}: output ${i} max error ${err} > ${TOL} * ${scale}`);
  }
}

let seedPart = 0;
function normal(shape: number[]): { shape: number[]; values: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: rngFor(7, "wasm-kernels-test", seedPart++).normalArray(n) };
}

Deno.test("wasm patches are registered", () => {
  assert.ok(wasmKernelsPatched());
  for (const k of WASM_PATCHED_KERNELS) assert.ok(tf.getKernel(k, "wasm"), k);
});

Deno.test("Identity shares the buffer: a clone outlives its source and both read the same values", () => {
  const a = tf.tensor1d([1, 2, 3]);
  const before = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const b = tf.clone(a);
  assert.equal((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), before, "no new buffer");
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  // A variable assigned from a clone and then reassigned keeps the clone intact.
  const v = tf.variable(b);
  v.assign(tf.tensor1d([7, 8, 9]));
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  tf.dispose([b, v]);
});

Deno.test("conv2d: dx and dW match cpu for strides, paddings and kernel sizes", async () => {
  const cases: [string, number[], number[], [number, number], "same" | "valid" | number[][]][] = [
    ["3x3 s1 same", [2, 7, 7, 3], [3, 3, 3, 4], [1, 1], "same"],
    ["3x3 s1 valid", [2, 6, 5, 2], [3, 3, 2, 3], [1, 1], "valid"],
    ["3x3 s2 same", [2, 8, 8, 3], [3, 3, 3, 4], [2, 2], "same"],
    ["3x3 s2 valid (crop)", [1, 8, 9, 2], [3, 3, 2, 3], [2, 2], "valid"],
    ["2x2 s2 valid", [2, 6, 6, 3], [2, 2, 3, 5], [2, 2], "valid"],
    ["1x1 s1 valid", [3, 5, 4, 6], [1, 1, 6, 2], [1, 1], "valid"],
    ["5x5 s1 explicit", [1, 7, 6, 2], [5, 5, 2, 3], [1, 1], [[0, 0], [1, 2], [2, 1], [0, 0]]],
    ["3x3 s(1,2) same", [2, 5, 9, 2], [3, 3, 2, 2], [1, 2], "same"],
    ["4x4 s3 same", [1, 10, 11, 2], [4, 4, 2, 3], [3, 3], "same"],
  ];
  for (const [name, xs, ws, strides, pad] of cases) {
    await compare(
      `conv2d ${name}`,
      ([x, w]) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad as "same")],
      [normal(xs), normal(ws)],
    );
  }
});

Deno.test("conv2d dW, stride 1: the single-matmul im2col path matches cpu too", async () => {
  const prev = setWasmKernelOptions({ im2colMaxFloats: 1 << 24 });
  try {
    await compare(
      "conv2d 3x3 s1 same, im2col",
      ([x, w]) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same")],
      [normal([2, 6, 5, 3]), normal([3, 3, 3, 4])],
    );
    await compare(
      "conv2d 2x3 s1 valid, im2col",
      ([x, w]) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "valid")],
      [normal([1, 5, 6, 2]), normal([2, 3, 2, 3])],
    );
  } finally {
    setWasmKernelOptions(prev);
  }
});

Deno.test("matMul: all transpose combinations, batched and broadcast, plus fused matMul", async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    await compare(
      `matMul ${ta}/${tb}`,
      ([a, b]) => [tf.matMul(a, b, ta, tb)],
      [normal(ta ? [5, 4] : [4, 5]), normal(tb ? [3, 5] : [5, 3])],
    );
    await compare(
      `batched matMul ${ta}/${tb}`,
      ([a, b]) => [tf.matMul(a, b, ta, tb)],
      // Same batch on both sides: tfjs 4.22's BatchMatMul gradient does not reduce broadcast batch axes.
      [normal(ta ? [3, 6, 4] : [3, 4, 6]), normal(tb ? [3, 2, 6] : [3, 6, 2])],
    );
  }
  // Large enough per batch item (40·30·30 ≥ 32768) for the loop of 2-D calls; rank 4 batch [2, 3].
  await compare(
    "batched matMul loop",
    ([a, b]) => [tf.matMul(a, b, false, true)],
    [normal([2, 3, 40, 30]), normal([2, 3, 30, 30])],
  );
  await compare(
    "fused matMul transposeB + bias + relu",
    ([a, b, bias]) => [tf.fused.matMul({ a, b, transposeB: true, bias, activation: "relu" })],
    [normal([7, 5]), normal([4, 5]), normal([4])],
  );
});

Deno.test("depthwise conv2d: dx and dW match cpu (multiplier 1 and 2, stride 1 and 2)", async () => {
  const cases: [string, number[], number[], [number, number], "same" | "valid", number][] = [
    ["m1 s1 same", [2, 6, 6, 3], [3, 3, 3, 1], [1, 1], "same", 1],
    ["m2 s2 valid", [1, 7, 8, 2], [3, 3, 2, 2], [2, 2], "valid", 1],
  ];
  for (const [name, xs, ws, strides, pad, dil] of cases) {
    await compare(
      `depthwise ${name}`,
      ([x, w]) => [tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, "NHWC", dil)],
      [normal(xs), normal(ws)],
    );
  }
});

Deno.test("gather gradient (UnsortedSegmentSum) with repeated indices matches cpu", async () => {
  const idx = { shape: [7], values: new Int32Array([4, 0, 4, 2, 4, 1, 0]) };
  await compare("gather axis 0", ([x, i]) => [tf.gather(x, i)], [normal([5, 3]), idx]);
  await compare("gather axis 1", ([x, i]) => [tf.gather(x, i, 1)], [normal([2, 5, 3]), idx]);
  await compare(
    "unsortedSegmentSum",
    ([x, i]) => [tf.unsortedSegmentSum(x, i as tf.Tensor1D, 6)],
    [normal([7, 4]), idx],
  );
});

Deno.test("slice, split and concat gradients match cpu", async () => {
  await compare(
    "concat axis 3",
    ([a, b]) => [tf.concat([a, b], 3)],
    [normal([2, 4, 3, 5]), normal([2, 4, 3, 7])],
  );
  await compare("concat axis 1", ([a, b]) => [tf.concat([a, b], 1)], [normal([2, 3, 4]), normal([2, 5, 4])]);
  await compare("split axis 2", ([a]) => tf.split(a, [1, 4, 2], 2), [normal([3, 2, 7, 2])]);
  await compare(
    "slice 4-D inner",
    ([a]) => [tf.slice(a, [1, 0, 2, 1], [1, 3, 2, 3])],
    [normal([2, 3, 5, 4])],
  );
  await compare("slice 2-D long rows", ([a]) => [tf.slice(a, [1, 3], [2, 100])], [normal([4, 120])]);
  await compare("slice 5-D", ([a]) => [tf.slice(a, [0, 1, 0, 1, 0], [2, 1, 2, 2, 3])], [
    normal([2, 2, 3, 3, 3]),
  ]);
  await compare("slice contiguous", ([a]) => [tf.slice(a, [1, 0], [2, 6])], [normal([4, 6])]);
});

/** The ops of a small U-Net block with attention: conv, GroupNorm (moments), SiLU, pool, upsample, concat. */
function unetBlock([x, w1, w2, wq, g]: tf.Tensor[]): tf.Tensor[] {
  const h1 = tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, "same"); // [2,8,8,4]
  const grouped = tf.reshape(h1, [2, 8, 8, 2, 2]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normed = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-5))), [2, 8, 8, 4]);
  const act = tf.mul(tf.mul(normed, g), tf.sigmoid(tf.mul(normed, g)));
  const down = tf.avgPool(act as tf.Tensor4D, 2, 2, "valid"); // [2,4,4,4]
  const tokens = tf.reshape(down, [2, 16, 4]);
  // 2-D projection: tfjs 4.22 cannot differentiate a matMul that broadcasts a batch axis.
  const q = tf.reshape(tf.matMul(tf.reshape(tokens, [32, 4]), wq), [2, 16, 4]);
  const att = tf.softmax(tf.div(tf.matMul(q, tokens, false, true), 2));
  const mixed = tf.reshape(tf.add(tokens, tf.matMul(att, tokens)), [2, 4, 4, 4]);
  const up = tf.image.resizeNearestNeighbor(mixed as tf.Tensor4D, [8, 8]);
  const cat = tf.concat([up, act], 3);
  return [tf.conv2d(cat as tf.Tensor4D, w2 as tf.Tensor4D, 1, "same")];
}

function unetInputs() {
  seedPart = 1000;
  return [normal([2, 8, 8, 1]), normal([3, 3, 1, 4]), normal([3, 3, 8, 2]), normal([4, 4]), normal([4])];
}

Deno.test("U-Net ops (conv, GroupNorm, SiLU, avgPool, resize, concat, attention) train on wasm like on cpu", async () => {
  await compare("unet block", unetBlock, unetInputs());
});

Deno.test("wasm: the same gradient computation is bit-identical twice", async () => {
  await tf.setBackend("wasm");
  const a = evaluate(unetBlock, unetInputs());
  const b = evaluate(unetBlock, unetInputs());
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(new Uint32Array(a[i].buffer), new Uint32Array(b[i].buffer), `output ${i}`);
  }
});

Deno.test("resizeNearestNeighbor gradient: 2× upsampling gives 2×2 block sums (batch 2) on wasm and cpu", async () => {
  // Hand-derived oracle: each input pixel is copied to a 2×2 block, so its gradient is the block's sum.
  const dyVals = Float32Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => i);
  const expected: number[] = [];
  for (let b = 0; b < 2; b++) {
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 2; c++) {
        for (let k = 0; k < 3; k++) {
          let s = 0;
          for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
            s += dyVals[((b * 4 + 2 * r + dr) * 4 + 2 * c + dc) * 3 + k];
          }
          expected.push(s);
        }
      }
    }
  }
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    const g = tf.tidy(() => {
      const dy = tf.tensor(dyVals, [2, 4, 4, 3]);
      return tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 4]), dy))
      )(
        tf.zeros([2, 2, 2, 3]),
      ).dataSync();
    });
    assert.deepEqual(Array.from(g), expected, backend);
  }
});

Deno.test("resizeNearestNeighbor gradient equals the forward map applied to basis images (3→5, half-pixel)", async () => {
  // Brute force through the forward kernel only: d/dx_i Σ resize(x)·dy = Σ resize(e_i)·dy.
  const dyVals = rngFor(7, "resize-grad").normalArray(5 * 7);
  for (const [align, half] of [[false, true], [true, false], [false, false]]) {
    for (const backend of ["cpu", "wasm"]) {
      await tf.setBackend(backend);
      const [got, brute] = tf.tidy(() => {
        const dy = tf.tensor(dyVals, [1, 5, 7, 1]);
        const f = (x: tf.Tensor) =>
          tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [5, 7], align, half), dy));
        const g = tf.grad(f)(tf.zeros([1, 3, 4, 1])).dataSync();
        const b = Array.from(
          { length: 12 },
          (_, i) => f(tf.reshape(tf.oneHot(tf.tensor1d([i], "int32"), 12), [1, 3, 4, 1])).dataSync()[0],
        );
        return [Array.from(g), b];
      });
      for (let i = 0; i < 12; i++) {
        assert.ok(Math.abs(got[i] - brute[i]) < 1e-5, `${backend} ${align}/${half} [${i}]`);
      }
    }
  }
});
