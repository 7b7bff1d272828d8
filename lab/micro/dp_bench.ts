/**
 * `deno bench lab/micro/dp_bench.ts`: interval DP timings for T = 1000 (k·T² cost evaluations).
 *
 * @module
 */
import { intervalDp } from "../../src/clustering/dp.ts";
import { clusterTimesteps } from "../../src/clustering/registry.ts";
import { makeSchedule } from "../../src/diffusion/schedule.ts";
import { l1MedianCost } from "../../src/clustering/l1_median.ts";

const timestepCost = l1MedianCost(Float64Array.from({ length: 1000 }, (_, t) => t));
const schedule = makeSchedule("cosine", 1000);
const T = 1000;
const data = new Float64Array(T * T);
for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) data[a * T + b] = Math.exp(-Math.abs(a - b) / 100);

Deno.bench("dp timestep T=1000 k=8", () => {
  intervalDp(timestepCost, 1000, 8);
});
Deno.bench("cluster snr T=1000 k=8 (incl. prefix sums)", () => {
  clusterTimesteps("snr", 8, { T: 1000, schedule });
});
Deno.bench("cluster gradient T=1000 k=8 (incl. validation and row prefix sums)", () => {
  clusterTimesteps("gradient", 8, { T, affinity: { T, data } });
});
