import assert from "node:assert/strict";
import { mlpFactory } from "./mlp.ts";
import { unetFactory } from "./unet.ts";
import type { UnetOptions } from "./unet.ts";
import { measureFootprint } from "./testing_footprint.ts";
import { epsilonLossHost } from "../diffusion/loss.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { initBackend } from "../runtime/backend.ts";

await initBackend("wasm");

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

Deno.test("mlp footprint: activation counts by hand (hidden 10, depth 2, timeDim 8, 2-D data)", () => {
  // Training, ReLU: per layer y, step(y), dy·step(y) and y's gradient = 4·2·10 = 80; x_t, noise,
  // prediction and its gradient 4·2, emb(t) 8; loss, weight, gradient 3. Total 99.
  // Inference: the first layer's x W_x, emb W_t and their sum 3·10 (more than the two outputs), emb 8,
  // x_t and the prediction 2·2, t 1 = 43. Dense outputs: 10 + 10 + 2.
  const o = { ...mlpFactory.defaults, hidden: 10, depth: 2, timeDim: 8 };
  assert.deepEqual(mlpFactory.footprint!(o, [2]), {
    params: 242,
    activations: 99,
    inference: 43,
    denseOutputs: 22,
    largestParam: 100,
  });
  // SiLU: 10 per layer and unit (y, z, six derivative terms, the zeros for z, y's gradient); inference:
  // the last layer's z and σ(z) besides its output and the first layer's: (2 + 2)·10 + 13.
  const silu = mlpFactory.footprint!({ ...o, activation: "silu" }, [2]);
  assert.equal(silu.activations, 10 * 2 * 10 + 8 + 8 + 3);
  assert.equal(silu.inference, 40 + 13);
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

Deno.test("footprints: activation counts agree with the measured peaks of real passes (per sample)", () => {
  // Per sample = the growth of the peak from 4 to 12 samples, so the parameter-sized terms cancel:
  // inference = one forward without a tape (everything allocated, scratch included); training = the
  // vanilla step's gradient (tf.variableGrads of the mean ε-loss; distinct tensor data), whose peak is the
  // end of the backward pass.
  const schedule = makeSchedule("linear", 100);
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
    [unetFactory, { channels: 8, channelMult: [1, 2], numResBlocks: 2, midAttention: false }, [8, 8, 1]],
  ];
  for (const [f, o, shape] of cases) {
    const opts = { ...f.defaults, ...o } as never;
    const m = f.build(opts, { dataShape: shape, T: 100, initSeed: 1 });
    const measured = measureFootprint(m, shape, (x0, noise, t) => epsilonLossHost(m, schedule, x0, noise, t));
    const { inference, activations: training } = measured;
    const fp = f.footprint!(opts, shape);
    const label = `${f.id} ${JSON.stringify(o)}`;
    assert.ok(
      Math.abs(fp.inference / inference - 1) < 0.01,
      `${label}: inference ${fp.inference} vs ${inference}`,
    );
    assert.ok(
      Math.abs(fp.activations / training - 1) < 0.02,
      `${label}: training ${fp.activations} vs ${training}`,
    );
    // What does not grow with the batch: the gradients (P) during training, nothing during inference.
    assert.ok(Math.abs(measured.trainingConstant / fp.params - 1) < 0.05, `${label}: gradients`);
    assert.ok(
      Math.abs(measured.inferenceConstantBytes) < 0.01 * 4 * 4 * inference,
      `${label}: inference constant`,
    );
    m.dispose();
  }
});
