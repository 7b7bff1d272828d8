import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { mlpFactory } from "./mlp.ts";
import { unetFactory } from "./unet.ts";
import type { UnetOptions } from "./unet.ts";

await tf.setBackend("cpu");

Deno.test("mlp footprint: the parameter count equals the built model's (defaults: 37,762)", () => {
  for (
    const [o, d] of [
      [{}, 2],
      [{ hidden: 64, depth: 1, timeDim: 8 }, 2],
      [{ hidden: 33, depth: 5, timeDim: 16, activation: "silu" }, 3],
    ] as const
  ) {
    const opts = { ...mlpFactory.defaults, ...o };
    const m = mlpFactory.build(opts, { dataShape: [d], T: 100, initSeed: 1 });
    assert.equal(mlpFactory.footprint!(opts, [d]).params, m.paramCount());
    m.dispose();
  }
  assert.equal(mlpFactory.footprint!(mlpFactory.defaults, [2]).params, 37_762);
});

Deno.test("mlp footprint: activations count the forward's op outputs (hand count for hidden 10, depth 2)", () => {
  // embedding 2.5·8 = 20; layer 1: 2 matmuls + 2 adds + relu = 50; layer 2: matmul + add + relu = 30;
  // output: matmul + add = 4 (d = 2). Total 104.
  const o = { ...mlpFactory.defaults, hidden: 10, depth: 2, timeDim: 8 };
  assert.equal(mlpFactory.footprint!(o, [2]).activations, 104);
  assert.deepEqual(mlpFactory.shapeProblems!(o, [8, 8, 1]).length, 1);
  assert.deepEqual(mlpFactory.shapeProblems!(o, [2]), []);
});

Deno.test("unet footprint: the parameter count equals the built model's across options", () => {
  const cases: [Partial<UnetOptions>, number[]][] = [
    [{}, [8, 8, 1]],
    [{ channels: 8, channelMult: [1, 2], attentionResolutions: [4], attentionHeads: 2 }, [8, 8, 3]],
    [{ channels: 8, channelMult: [1, 1, 2], numResBlocks: 2, scaleShiftNorm: false, resample: "pool" }, [
      16,
      16,
      1,
    ]],
    [{ channels: 4, channelMult: [1], midAttention: false, groups: 2 }, [4, 4, 1]],
  ];
  for (const [o, shape] of cases) {
    const opts = { ...unetFactory.defaults, ...o } as UnetOptions;
    assert.deepEqual(unetFactory.shapeProblems!(opts, shape), []);
    const m = unetFactory.build(opts, { dataShape: shape, T: 100, initSeed: 1 });
    assert.equal(unetFactory.footprint!(opts, shape).params, m.paramCount(), JSON.stringify(o));
    m.dispose();
  }
  assert.equal(unetFactory.shapeProblems!(unetFactory.defaults, [2]).length, 1);
});

Deno.test("footprints: activations agree with tf.profile's op outputs of a real forward pass (within 3%)", async () => {
  // Every kernel's new output bytes, without views (Reshape) and scope entries that repeat their kernels.
  const cases: [typeof mlpFactory | typeof unetFactory, Record<string, unknown>, number[]][] = [
    [mlpFactory, {}, [2]],
    [mlpFactory, { hidden: 64, depth: 4, activation: "silu" }, [2]],
    [unetFactory, {}, [8, 8, 1]],
    [unetFactory, { channels: 8, channelMult: [1, 2], attentionResolutions: [4], attentionHeads: 2 }, [
      8,
      8,
      3,
    ]],
    [unetFactory, { channels: 8, channelMult: [1, 1, 2], scaleShiftNorm: false, resample: "pool" }, [
      16,
      16,
      1,
    ]],
  ];
  const B = 2;
  for (const [f, o, shape] of cases) {
    const opts = { ...f.defaults, ...o } as never;
    const m = f.build(opts, { dataShape: shape, T: 100, initSeed: 1 });
    const x = tf.randomNormal([B, ...shape]);
    const t = tf.tensor1d([1, 2]);
    const prof = await tf.profile(() => m.apply(x, t));
    const measured = prof.kernels
      .filter((k) => !["Reshape", "fusedConv2d__op", "unnamed scope"].includes(k.name))
      .reduce((s, k) => s + k.bytesAdded, 0) / 4 / B;
    const est = f.footprint!(opts, shape).activations;
    assert.ok(Math.abs(est / measured - 1) < 0.03, `${f.id} ${JSON.stringify(o)}: ${est} vs ${measured}`);
    tf.dispose([x, t]);
    m.dispose();
  }
});
