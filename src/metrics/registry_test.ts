import assert from "node:assert/strict";
import { computeMetrics, METRIC_IDS, metricDirection, validateMetricIds } from "./registry.ts";
import { frechetDistance, gaussianStats } from "./frechet.ts";
import { kernelInceptionDistance } from "./kid.ts";
import { precisionRecall } from "./precision_recall.ts";
import { slicedWasserstein } from "./sliced_wasserstein.ts";
import { rngFor } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";

Deno.test("computeMetrics: names carry the feature space; values equal the direct calls", () => {
  const rng = rngFor(1, "test");
  const real = Float32Array.from({ length: 200 * 2 }, () => rng.normal());
  const gen = Float32Array.from({ length: 150 * 2 }, () => rng.normal() * 1.2 + 0.1);
  const m = computeMetrics(["fd", "kid", "precision", "recall", "swd", "fd_inf"], real, gen, 2, {
    seed: 7,
    kid: { subsets: 10, subsetSize: 50 },
  });
  assert.deepEqual(Object.keys(m), [
    "fd-data",
    "kid-data",
    "precision-data",
    "recall-data",
    "swd-data",
    "fd_inf-data",
  ]);
  assert.equal(m["fd-data"], frechetDistance(gaussianStats(gen, 150, 2), gaussianStats(real, 200, 2)));
  assert.equal(
    m["kid-data"],
    kernelInceptionDistance(real, gen, 2, { subsets: 10, subsetSize: 50, seed: 7 }).kid,
  );
  assert.equal(m["precision-data"], precisionRecall(real, gen, 2).precision);
  assert.equal(m["swd-data"], slicedWasserstein(real.subarray(0, 300), gen, 2, { seed: 7 }));
  const named = computeMetrics(["kid"], real, gen, 2, {
    seed: 7,
    featureSpace: "digits8-cnn",
    kid: { subsets: 2 },
  });
  assert.deepEqual(Object.keys(named), ["kid-digits8-cnn"]);
});

Deno.test("metricDirection and id validation", () => {
  assert.equal(metricDirection("fd-data"), "lower");
  assert.equal(metricDirection("kid-fashion-mnist-cnn"), "lower");
  assert.equal(metricDirection("fd_inf-mnist-cnn"), "lower");
  assert.equal(metricDirection("precision-data"), "higher");
  assert.equal(metricDirection("recall"), "higher");
  assert.throws(
    () => metricDirection("fid-data"),
    (e) => e instanceof UsageError && /allowed: fd, fd_inf/.test(e.message),
  );
  assert.deepEqual(validateMetricIds(["fd", "swd"]), []);
  assert.match(validateMetricIds(["fd", "is"]).join(), /metrics\[1\]: got "is"/);
  assert.equal(METRIC_IDS.length, 9);
});
