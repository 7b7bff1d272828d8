/**
 * Pilot helper for ant-table1: runs phase 1 of a suite file's affinity source for one seed (the real
 * affinity job: train-only vanilla checkpoints or the vanilla run's own, then the measurement), prints its
 * timing and the gradient clusters at k = 2, 5, 8 next to the timestep and log-SNR ones.
 *
 *     deno run -A lab/pilot/affinity_cost.ts SUITE.json OUT_DIR [SEED]
 *
 * @module
 */
import { initBackend } from "../../src/runtime/backend.ts";
import { loadSuite } from "../../src/suite/load.ts";
import { defaultRegistries } from "../../src/suite/registries.ts";
import { planSuite } from "../../src/suite/expand.ts";
import { computeAffinityJob } from "../../src/suite/affinity_job.ts";
import { affinityPaths } from "../../src/suite/affinity_source.ts";
import { readAffinity } from "../../src/clustering/affinity_io.ts";
import { clusterTimesteps } from "../../src/clustering/registry.ts";
import { makeSchedule } from "../../src/diffusion/schedule.ts";

const [file, outDir, seedArg = "0"] = Deno.args;
const backend = await initBackend(Deno.env.get("BACKEND") ?? "native");
const reg = defaultRegistries();
const suite = await loadSuite(file, reg);
const plan = await planSuite(suite, reg, { outDir });
const job = plan.affinity.find((j) => j.seed === Number(seedArg));
if (!job) throw new Error(`no affinity job for seed ${seedArg}`);
const load0 = Deno.readTextFileSync("/proc/loadavg").trim();
const t0 = performance.now();
const s = await computeAffinityJob(job, { keepCheckpoints: true });
const seconds = (performance.now() - t0) / 1000;
const load1 = Deno.readTextFileSync("/proc/loadavg").trim();
console.log(JSON.stringify({ backend: backend.name, ...s, seconds, load0, load1 }));
const schedule = makeSchedule(suite.schedule, suite.T);
const affinity = await readAffinity(affinityPaths(job).json, suite.T);
for (const k of [2, 5, 8]) {
  for (const objective of ["timestep", "snr", "gradient"]) {
    const { intervals } = clusterTimesteps(objective, k, { T: suite.T, schedule, affinity });
    console.log(`k=${k} ${objective}: ${intervals.map(([l, r]) => `[${l},${r}]`).join(" ")}`);
  }
}
