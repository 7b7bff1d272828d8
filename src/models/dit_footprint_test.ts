import assert from "node:assert/strict";
import { ditFactory, type DitOptions } from "./dit.ts";
import { trainingLossHost } from "../diffusion/loss.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { measureFootprint } from "./testing_footprint.ts";
import { initBackend } from "../runtime/backend.ts";

await initBackend("wasm");

// The coefficients were fitted on other configurations, the second and the last excepted.
const CASES: [Partial<DitOptions>, number[]][] = [
  [{}, [8, 8, 1]],
  [{ hidden: 32, depth: 2, heads: 2 }, [8, 8, 1]],
  [{ hidden: 64, depth: 3, heads: 4, mlpRatio: 2 }, [8, 8, 3]],
  [{ patch: 4, hidden: 64, depth: 2 }, [16, 16, 1]],
  [{ learnSigma: false, hidden: 48, depth: 2, heads: 3 }, [8, 8, 1]],
  [{ hidden: 64, depth: 2, heads: 4, mlpRatio: 1 }, [8, 8, 1]],
];

Deno.test("dit footprint: parameters equal the built model's (defaults on 8x8x1: 328,520)", () => {
  for (const [o, shape] of CASES) {
    const opts = { ...ditFactory.defaults, ...o };
    const m = ditFactory.build(opts, { dataShape: shape, T: 100, initSeed: 1 });
    assert.equal(ditFactory.footprint!(opts, shape).params, m.paramCount(), JSON.stringify(o));
    m.dispose();
  }
  assert.equal(ditFactory.footprint!(ditFactory.defaults, [8, 8, 1]).params, 328_520);
});

Deno.test("dit footprint: activation and inference counts agree with the measured peaks (per sample)", () => {
  // As src/models/footprint_test.ts: per sample = the growth of the peak from 4 to 12 samples; training =
  // the gradient of the mean training loss (hybrid with learned σ), inference = one forward without a tape.
  const schedule = makeSchedule("linear", 100);
  for (const [o, shape] of CASES) {
    const opts = { ...ditFactory.defaults, ...o };
    const m = ditFactory.build(opts, { dataShape: shape, T: 100, initSeed: 1 });
    const measured = measureFootprint(
      m,
      shape,
      (x0, noise, t) => trainingLossHost(m, schedule, x0, noise, t),
    );
    const { inference, activations: training } = measured;
    const fp = ditFactory.footprint!(opts, shape);
    const label = JSON.stringify(o);
    assert.ok(
      Math.abs(fp.inference / inference - 1) < 1e-3,
      `${label}: inference ${fp.inference} vs ${inference}`,
    );
    assert.ok(
      Math.abs(fp.activations / training - 1) < 1e-3,
      `${label}: training ${fp.activations} vs ${training}`,
    );
    // What does not grow with the batch during training: the gradients (P values).
    assert.ok(Math.abs(measured.trainingConstant / fp.params - 1) < 1e-3, `${label}: gradients`);
    m.dispose();
  }
});
