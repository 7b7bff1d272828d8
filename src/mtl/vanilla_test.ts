import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import { vanillaFactory } from "./vanilla.ts";
import { getMethodFactory, METHODS, resolveMethodOptions } from "./registry.ts";
import { hostGrads, linearProblem, perSampleGrads, relErr } from "./testing.ts";
import { UsageError } from "../runtime/errors.ts";

await tf.setBackend("cpu");

Deno.test("vanilla: gradient equals the closed-form mean of per-sample gradients", async () => {
  const p = linearProblem(1, 3, Int32Array.from([0, 0, 1, 1, 2, 2, 2]), 3);
  const m = vanillaFactory.create({}, { k: 3, schedule: p.batch.schedule, runSeed: 1 });
  const res = await m.step(p.batch, p.variables, 0);
  const { loss, grad } = perSampleGrads(p);
  const B = loss.length;
  const mean = new Float64Array(4);
  for (const g of grad) for (let j = 0; j < 4; j++) mean[j] += g[j] / B;
  assert.ok(relErr(hostGrads(res.grads), mean) < 1e-5);
  assert.ok(Math.abs(res.loss.dataSync()[0] - loss.reduce((a, b) => a + b) / B) < 1e-5);
  tf.dispose([...res.grads, res.loss]);
  p.dispose();
});

Deno.test("registry: unknown id lists allowed ids; options merge over defaults", () => {
  assert.ok(METHODS.has("vanilla"));
  assert.throws(() => getMethodFactory("nope"), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /"nope"/);
    assert.match(e.message, /vanilla/);
    return true;
  });
  assert.deepEqual(resolveMethodOptions("vanilla", {}), { options: {}, problems: [] });
  assert.equal(resolveMethodOptions("vanilla", { lr: 1 }).problems.length, 1);
  assert.equal(resolveMethodOptions("nope").problems.length, 1);
});
