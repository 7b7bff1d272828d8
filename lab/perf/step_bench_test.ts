import assert from "node:assert/strict";
import { runPerf } from "./step_bench.ts";
import { renderPerfNotes, renderPerfTable } from "./render.ts";
import { workload } from "./workloads.ts";
import { fp32Peak, parseCpuinfo } from "./peak.ts";
import { nativeLoadFailure } from "../../src/runtime/backend.ts";

const PEAK = fp32Peak(parseCpuinfo(
  "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\ncpu MHz\t\t: 2000\n" +
    "physical id\t: 0\ncore id\t\t: 0\nflags\t\t: sse2 avx2 fma avx512f\n",
))!;

Deno.test("runPerf on wasm (MLP, batch 10): rows, exact matmul FLOPs, per-round ratios, kernels, failures as rows", async () => {
  const report = await runPerf({
    backends: ["wasm"],
    workloads: [workload("mlp", [2], 10)],
    methods: ["pcgrad"],
    rounds: 2,
    repeats: 2,
    warmup: 1,
    loadLimitCores: 1000,
    peak: PEAK,
  });
  assert.equal(report.schema, "antbench.perf/2");
  assert.equal(report.environments.wasm?.backend.name, "wasm");
  assert.equal(report.quiet, report.rounds.every((r) => r.load !== null));
  assert.equal(report.rounds.length, 2);
  const [v, p] = report.rows;
  assert.equal(v.status, "ok", v.note);
  assert.equal(v.method, "vanilla");
  assert.equal(v.k, 1);
  assert.equal(v.params, 37762);
  // Hand count for the default MLP (src/models/mlp.ts: x·W_x (2→128) + emb·W_t (32→128), two 128→128, 128→2):
  // forward 2B·37376; dW of all five matmuls 2B·37376; dX of the three matmuls on hidden activations
  // 2B·(2·128² + 128·2) = 2B·33024; no dX for the data and embedding inputs. Total 2B·107776.
  assert.equal(v.flopsPerStep, 2 * 10 * 107776);
  assert.equal(v.ms?.n, 4, "2 rounds × 2 steps");
  assert.equal(v.msPerStepByRound?.length, 2);
  assert.ok(v.samplesPerSec! > 0 && v.gflops! > 0);
  assert.equal(v.fractionOfCorePeak, v.gflops! / 128, "peak per core: 16 lanes × 2 × 2 × 2 GHz");
  assert.ok(v.kernelsPerStep! > 0);
  assert.equal(p.method, "pcgrad");
  assert.equal(p.k, 5);
  assert.equal(p.status, "ok", p.note);
  assert.ok(p.kernelsPerStep! > v.kernelsPerStep!, "PCGrad's k backward passes dispatch more kernels");
  assert.equal(p.ratioToVanilla!.byRound.length, 2);
  assert.equal(p.ratioToVanilla!.byRound[0], p.msPerStepByRound![0] / v.msPerStepByRound![0]);
  assert.match(renderPerfTable(report), /\| wasm \| mlp \| 2 \| 10 \| 37762 \| vanilla \| [\d.]+ \|/);
  assert.match(renderPerfTable(report), /\| pcgrad \(5\) \|/);
  assert.ok(renderPerfNotes(report).some((n) => n.includes(PEAK.formula)));

  const bad = await runPerf({
    backends: ["wasm"],
    workloads: [{ model: "unet", dataset: { id: "swissroll", options: {} }, dataShape: [2], batch: 5 }],
    methods: [],
    rounds: 1,
    repeats: 1,
    warmup: 0,
  });
  assert.equal(bad.rows[0].status, "failed");
  assert.match(bad.rows[0].note!, /unet/);
});

Deno.test("runPerf on native: the same rows, FLOPs and kernels as wasm (the native kernels keep the kernel names), its libraries recorded", async () => {
  const failure = nativeLoadFailure();
  if (failure !== null) {
    console.warn(`step_bench_test: native case SKIPPED (library absent: ${failure})`);
    return;
  }
  const report = await runPerf({
    backends: ["native", "wasm"],
    nativeThreads: 2,
    workloads: [workload("mlp", [2], 10), workload("unet", [8, 8, 1], 5)],
    methods: [],
    rounds: 1,
    repeats: 1,
    warmup: 0,
    loadLimitCores: 1000,
    peak: PEAK,
  });
  const [nMlp, nUnet, wMlp, wUnet] = report.rows;
  for (const r of report.rows) assert.equal(r.status, "ok", `${r.backend} ${r.model}: ${r.note}`);
  assert.deepEqual(report.rows.map((r) => [r.backend, r.model, r.threads]), [
    ["native", "mlp", 2],
    ["native", "unet", 2],
    ["wasm", "mlp", 1],
    ["wasm", "unet", 1],
  ]);
  assert.equal(report.settings.nativeThreads, 2);
  // The hand count of the MLP (see above) holds on native, and the U-Net counts what wasm counts.
  assert.equal(nMlp.flopsPerStep, 2 * 10 * 107776);
  assert.ok(nUnet.flopsPerStep! > 0);
  assert.equal(nUnet.flopsPerStep, wUnet.flopsPerStep);
  assert.equal(nMlp.kernelsPerStep, wMlp.kernelsPerStep);
  assert.equal(nUnet.kernelsPerStep, wUnet.kernelsPerStep);
  assert.ok(nUnet.denseKernels!.ms > 0 && nUnet.denseKernels!.gflops > 0);
  // Two threads: compared with the peak of two cores.
  assert.equal(nMlp.fractionOfCorePeak, nMlp.gflops! / (2 * 128));
  assert.equal(wMlp.fractionOfCorePeak, wMlp.gflops! / 128);
  const env = report.environments.native!;
  assert.equal(env.backend.name, "native");
  assert.equal(env.native!.threads, 2);
  assert.equal(env.native!.openblas.threads, 2);
  assert.match(env.native!.openblas.config, /^OpenBLAS /);
  assert.equal(report.environments.wasm!.native, null);
  assert.match(renderPerfTable(report), /\| native ×2 threads \| unet \| 8×8×1 \| 5 \|/);
});
