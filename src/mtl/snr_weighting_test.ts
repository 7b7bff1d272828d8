import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import { minSnrFactory, minSnrWeight, p2Factory, p2Weight } from "./snr_weighting.ts";
import { hostGrads, linearProblem, perSampleGrads, relErr } from "./testing.ts";
import { resolveMethodOptions } from "./registry.ts";

await tf.setBackend("cpu");

Deno.test("minsnr / p2: hand-computed weights", () => {
  assert.equal(minSnrWeight(10, 5), 0.5);
  assert.equal(minSnrWeight(2, 5), 1);
  assert.equal(minSnrWeight(0, 5), 1); // zero terminal SNR guard
  assert.equal(minSnrWeight(1000), 0.005);
  assert.equal(p2Weight(3, 0.5, 1), 0.5);
  assert.equal(p2Weight(3, 1, 1), 0.25);
  assert.equal(p2Weight(3, 0), 1);
});

for (
  const [factory, weight] of [
    [minSnrFactory, (snr: number) => Math.min(snr, 5) / snr],
    [p2Factory, (snr: number) => 1 / Math.sqrt(1 + snr)],
  ] as const
) {
  Deno.test(`${factory.id}: tfjs gradient = mean_b w(t_b) grad L_b with SNR from alphaBar`, async () => {
    const cluster = Int32Array.from([0, 0, 1, 1, 1, 2, 2, 3]);
    const p = linearProblem(4, 3, cluster, 4, { T: 100 });
    const opts = resolveMethodOptions(factory.id, factory.id === "p2" ? { gamma: 0.5 } : {});
    assert.deepEqual(opts.problems, []);
    const m = factory.create(opts.options as never, { k: 4, schedule: p.batch.schedule, runSeed: 0 });
    const { loss, grad } = perSampleGrads(p);
    const ab = p.batch.schedule.alphaBar;
    const B = loss.length;
    const expected = new Float64Array(4);
    for (let b = 0; b < B; b++) {
      const t = p.t[b];
      const w = weight(ab[t] / (1 - ab[t]));
      grad[b].forEach((v, j) => (expected[j] += (w * v) / B));
    }
    const res = await m.step(p.batch, p.variables, 0);
    assert.ok(relErr(hostGrads(res.grads), expected) < 1e-5);
    // The reported loss is the plain mean.
    const plain = loss.reduce((s, v) => s + v, 0) / B;
    assert.ok(Math.abs(res.loss.dataSync()[0] - plain) < 1e-5 * Math.max(1, plain));
    tf.dispose([...res.grads, res.loss]);
    p.dispose();
  });
}
