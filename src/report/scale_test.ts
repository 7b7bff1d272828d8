import assert from "node:assert/strict";
import { chooseAxis, formatTick, linearTicks, logTicks, niceDomain, niceStep } from "./scale.ts";
import { lineChart } from "./svg.ts";

// Hand-derived: span/count = raw step; the nice step is the next of 1, 2, 5 × 10^k at or above it.
Deno.test("nice steps and ticks: 1, 2, 5 × 10^k, multiples of the step inside the range", () => {
  assert.equal(niceStep(0.212, 5), 0.05); // raw 0.0424 -> 0.05
  assert.equal(niceStep(113, 5), 50); // raw 22.6 -> 50
  assert.equal(niceStep(10, 5), 2); // raw 2 -> 2
  assert.equal(niceStep(0.0033, 5), 0.001); // raw 0.00066 -> 0.001
  // The unrounded ticks: 0.635 .. 0.847 and 150 .. 263.
  assert.deepEqual(linearTicks(0.635, 0.847), [0.65, 0.7, 0.75, 0.8]);
  assert.deepEqual(linearTicks(150, 263), [150, 200, 250]);
  assert.deepEqual(linearTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3], "no 0.30000000000000004");
  assert.deepEqual(niceDomain(0.635, 0.847), [0.6, 0.85]);
  assert.deepEqual(logTicks(0.001, 0.1), [0.001, 0.01, 0.1]);
  assert.deepEqual(logTicks(0.002, 0.04), [0.002, 0.005, 0.01, 0.02], "fewer than 3 decades: 1-2-5");
  assert.equal(formatTick(0.25, 0.05), "0.25");
  assert.equal(formatTick(0.2, 0.05), "0.20");
  assert.equal(formatTick(3000, 1000), "3000");
  assert.equal(formatTick(0.0001, null), "1e-4");
  assert.equal(formatTick(0.01, null), "0.01");
});

Deno.test("axes: log over more than a decade, never below zero for non-negative data, bounded by the quantity's maximum", () => {
  const log = chooseAxis([0.05, 0.01, 0.002]);
  assert.equal(log.kind, "log");
  assert.ok(log.domain[0] <= 0.002 && log.domain[1] >= 0.05);
  const lin = chooseAxis([0.02, 0.05, 0.1]); // a factor 5: linear
  assert.equal(lin.kind, "linear");
  assert.deepEqual(lin.domain, [0.02, 0.1]); // step 0.08 / 5 -> 0.02
  assert.ok(lin.ticks.every((t) => t >= 0));
  assert.equal(chooseAxis([0.001, 0.0033]).domain[0] >= 0, true);
  const signed = chooseAxis([-0.0004, 0.003]); // an unbiased MMD below zero: the axis goes there
  assert.ok(signed.domain[0] < 0 && signed.kind === "linear");
  assert.deepEqual(chooseAxis([0.62, 0.97], { max: 1 }).domain, [0.6, 1]);
  assert.equal(chooseAxis([0.01, 0.5], { log: false }).kind, "linear");
});

Deno.test("line chart: the axis of a non-negative metric has no negative tick although its floor band does", () => {
  const svg = lineChart("t", "step", "MMD", [{ label: "a", points: [[0, 0.004], [10, 0.003]] }], {
    reference: { lo: -0.0004, hi: 0.0002, label: "floor" },
    log: false,
  });
  const ticks = [...svg.matchAll(/text-anchor="end" font-size="10">([^<]+)</g)].map((m) => Number(m[1]));
  assert.ok(ticks.length >= 3);
  assert.ok(ticks.every((t) => t >= 0), ticks.join(","));
  assert.ok(svg.startsWith('<svg class="chart" xmlns="http://www.w3.org/2000/svg"'));
});
