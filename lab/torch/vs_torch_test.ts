import assert from "node:assert/strict";
import { renderVsTorch, splitVsArgs, vsBackend, vsTorchMarkdown } from "./vs_main.ts";
import { runVsTorch, torchEnvironment, TorchPeer, type VsTorchReport } from "./vs_torch.ts";
import { workload } from "../perf/workloads.ts";
import { TORCH_PYTHON } from "../parity/export.ts";
import { nativeLoadFailure } from "../../src/runtime/backend.ts";
import { cpuFlags, openblasCoreType, openblasCoreTypeFor } from "../../src/runtime/native/openblas.ts";
import { UsageError } from "../../src/runtime/errors.ts";
import { readCpuinfo } from "../perf/procfs.ts";

Deno.test("perf --vs: its own flags are split from perf's, in both --flag value and --flag=value forms", () => {
  const { own, rest } = splitVsArgs([
    "--vs",
    "torch",
    "--models",
    "mlp",
    "--rounds=3",
    "--jobs",
    "2",
    "--repeats",
    "4",
    "--tag",
    "after",
  ]);
  assert.deepEqual(own, ["--vs", "torch", "--jobs", "2", "--tag", "after"]);
  assert.deepEqual(rest, ["--models", "mlp", "--rounds=3", "--repeats", "4"]);
});

Deno.test("perf --vs: the Markdown row shows medians, ratio ranges, kernels, GFLOP/s and the load", () => {
  const stats = (median: number) => ({ n: 2, median, p25: median, p75: median, min: median, max: median });
  const arm = (label: string, ms: number, sps: number) => ({
    label,
    parallelism: 1,
    ms: stats(ms),
    samplesPerSecByRound: [sps],
    samplesPerSec: sps,
  });
  const load = (foreignCores: number) => ({
    wallSeconds: 1,
    loadavg1Before: 0,
    loadavg1After: 0,
    foreignCores,
    foreignCoresByMachine: foreignCores,
    foreignCoresByProcess: 0,
    ownCores: 1,
    resolutionCores: 0.02,
    resolved: true,
    limitCores: 0.3,
    quiet: foreignCores <= 0.3,
  });
  const report: VsTorchReport = {
    schema: "antbench.perf-vs-torch/2",
    createdAt: "2026-01-01T00:00:00Z",
    tag: "t",
    settings: {
      rounds: 2,
      repeats: 2,
      warmup: 0,
      k: 5,
      seed: 0,
      cores: 2,
      jobs: 2,
      threads: 2,
      loadLimitCores: 0.3,
      loadRetries: 3,
    },
    quiet: false,
    noisyRounds: 1,
    peak: null,
    antbench: {},
    torch: {},
    rounds: [
      { row: "mlp 2 b250 pcgrad", round: 0, attempt: 0, kept: true, load: load(0.05) },
      { row: "mlp 2 b250 pcgrad", round: 1, attempt: 0, kept: false, load: load(0.9) },
      { row: "mlp 2 b250 pcgrad", round: 1, attempt: 1, kept: true, load: load(0.12) },
    ],
    rows: [{
      model: "mlp",
      dataShape: [2],
      batch: 250,
      method: "pcgrad",
      k: 5,
      status: "ok",
      params: { antbench: 10, torch: 10 },
      arms: {
        antbench1: arm("a1", 20, 12500),
        torch1: arm("t1", 40, 6250),
        torchN: arm("tn", 25, 10000),
        antbenchN: arm("an", 20, 25000),
      },
      perCore: { byRound: [2, 2], median: 2, min: 1.5, max: 2.5 },
      perMachine: { byRound: [2.5, 2.5], median: 2.5, min: 2.25, max: 2.75 },
      kernelsPerStep: 612,
      gflops: { antbench1: 1.5, torch1: 0.75 },
    }, {
      model: "unet",
      dataShape: [8, 8, 1],
      batch: 60,
      method: "minsnr",
      k: 5,
      status: "skipped",
      note: "no ref",
    }],
  };
  const lines = renderVsTorch(report).split("\n");
  assert.equal(lines.length, 4);
  assert.equal(
    lines[2],
    "| mlp | 2 | 250 | pcgrad (5) | 20.0 | 40.0 | 2.00 (1.50–2.50) | 25000 | 10000 | 2.50 (2.25–2.75) | 612 | " +
      "1.50 / 0.75 | quiet (≤ 0.12) |",
  );
  assert.match(lines[3], /^\| unet \| 8×8×1 \| 60 \| minsnr \(5\) \| skipped: no ref \|/);
});

Deno.test("perf --vs: the 1 job × N threads columns appear only when that arm ran", () => {
  const stats = (median: number) => ({ n: 1, median, p25: median, p75: median, min: median, max: median });
  const arm = (sps: number) => ({
    label: "x",
    parallelism: 2,
    ms: stats(10),
    samplesPerSecByRound: [sps],
    samplesPerSec: sps,
  });
  const r = (threaded: boolean) => ({
    model: "mlp",
    dataShape: [2],
    batch: 10,
    method: "vanilla",
    k: 1,
    status: "ok" as const,
    arms: {
      antbench1: arm(100),
      torch1: arm(50),
      torchN: arm(80),
      antbenchN: arm(200),
      ...(threaded ? { antbench1xN: arm(160) } : {}),
    },
    perCore: { byRound: [2], median: 2, min: 2, max: 2 },
    perMachine: { byRound: [2.5], median: 2.5, min: 2.5, max: 2.5 },
    ...(threaded ? { perMachineThreads: { byRound: [2], median: 2, min: 2, max: 2 } } : {}),
  });
  const report = (threaded: boolean): VsTorchReport => ({
    schema: "antbench.perf-vs-torch/2",
    createdAt: "2026-01-01T00:00:00Z",
    tag: "t",
    settings: {
      rounds: 1,
      repeats: 1,
      warmup: 0,
      k: 5,
      seed: 0,
      cores: 2,
      jobs: 2,
      threads: 2,
      loadLimitCores: 0.3,
      loadRetries: 3,
    },
    quiet: false,
    noisyRounds: 0,
    peak: null,
    antbench: { backend: { name: "native", reason: "auto: no WebGPU adapter; native libraries loaded" } },
    torch: {
      torch: "1.13",
      python: "/usr/bin/python3",
      environment: { OPENBLAS_CORETYPE: "SkylakeX", OMP_WAIT_POLICY: "PASSIVE" },
      openblas: { config: "OpenBLAS 0.3.21 DYNAMIC_ARCH SkylakeX", coreName: "SkylakeX" },
      onednn: { version: "2.6.3 (N/A)", isa: "cpu_isa_avx512_core" },
    },
    rounds: [],
    rows: [r(threaded)],
  });
  const plain = renderVsTorch(report(false)).split("\n");
  assert.equal(plain[0].split("|").length, 15);
  assert.ok(!plain[0].includes("1 job × threads"));
  const threaded = renderVsTorch(report(true)).split("\n");
  assert.equal(threaded[0].split("|").length, 17);
  assert.equal(threaded[1].split("|").length, 17);
  assert.match(threaded[2], /\| 2\.50 \(2\.50–2\.50\) \| 160 \| 2\.00 \(2\.00–2\.00\) \|/);
  const md = vsTorchMarkdown(report(true));
  assert.match(md, /- antbench: tfjs \? on the native backend \(auto: .*\), .*and 1 job × 2 threads/);
  assert.match(
    md,
    /- torch: 1\.13 \(\/usr\/bin\/python3\), BLAS OpenBLAS 0\.3\.21 core SkylakeX \(OPENBLAS_CORETYPE=SkylakeX, as antbench\), oneDNN 2\.6\.3 \(N\/A\) \(ISA cpu_isa_avx512_core\)/,
  );
});

Deno.test("perf --vs: one backend (auto by default), never a list or available", () => {
  assert.equal(vsBackend(["auto"]), "auto");
  assert.equal(vsBackend(["native"]), "native");
  for (const bad of [["available"], ["native", "wasm"]]) {
    assert.throws(() => vsBackend(bad), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(
        e.message,
        /^--backend: got "[a-z,]+"; allowed: one of auto \| native \| wasm \| cpu \| webgpu/,
      );
      return true;
    });
  }
});

/** Run `f` with OPENBLAS_CORETYPE set to `value` (undefined: unset) in this process's environment. */
async function withCoreTypeEnv<T>(value: string | undefined, f: () => Promise<T> | T): Promise<T> {
  const saved = Deno.env.get("OPENBLAS_CORETYPE");
  if (value === undefined) Deno.env.delete("OPENBLAS_CORETYPE");
  else Deno.env.set("OPENBLAS_CORETYPE", value);
  try {
    return await f();
  } finally {
    if (saved === undefined) Deno.env.delete("OPENBLAS_CORETYPE");
    else Deno.env.set("OPENBLAS_CORETYPE", saved);
  }
}

Deno.test("torch environment: the OPENBLAS_CORETYPE antbench uses (the user's, else its CPU policy), OMP passive", async () => {
  // Independent source of the policy's input: /proc/cpuinfo (antbench itself reads CPUID through glibc),
  // read by a child process (Deno refuses /proc without --allow-all).
  const info = await readCpuinfo();
  if (info === null) {
    console.warn("vs_torch_test: no /proc/cpuinfo; the policy cannot be checked independently");
    return;
  }
  const policy = openblasCoreTypeFor(cpuFlags(info));
  await withCoreTypeEnv(undefined, () => {
    assert.equal(openblasCoreType(), policy);
    assert.deepEqual(torchEnvironment(), {
      OMP_WAIT_POLICY: "PASSIVE",
      ...(policy ? { OPENBLAS_CORETYPE: policy } : {}),
    });
  });
  await withCoreTypeEnv("Haswell", () => assert.equal(torchEnvironment().OPENBLAS_CORETYPE, "Haswell"));
});

Deno.test("the torch subprocess receives OPENBLAS_CORETYPE and its OpenBLAS runs that core (PyTorch required)", async () => {
  // Unset here, so the child cannot inherit it: what it sees was passed explicitly.
  const env = await withCoreTypeEnv(undefined, () => torchEnvironment());
  const policy = env.OPENBLAS_CORETYPE ?? null;
  const check = async (startEnv: Record<string, string>, core: string | null) => {
    const peer = await withCoreTypeEnv(undefined, () => TorchPeer.start(TORCH_PYTHON, startEnv));
    try {
      const info = await peer.request({ cmd: "info" });
      const seen = info.environment as Record<string, string | null>;
      assert.equal(seen.OPENBLAS_CORETYPE, core);
      assert.equal(seen.OMP_WAIT_POLICY, "PASSIVE");
      const blas = info.openblas as { coreName: string; config: string } | null;
      if (blas === null) {
        console.warn("vs_torch_test: torch runs no OpenBLAS here; the core cannot be checked");
        return;
      }
      if (core !== null) assert.equal(blas.coreName.toLowerCase(), core.toLowerCase(), blas.config);
      // torch ×1 is one thread for OpenBLAS too (torch.set_num_threads alone does not set it).
      await peer.request({
        cmd: "setup",
        id: "m",
        model: "mlp",
        dataShape: [2],
        batch: 5,
        method: "vanilla",
        k: 1,
        T: 10,
        seed: 0,
      });
      const one = await peer.request({ cmd: "time", id: "m", threads: 1, warmup: 0, steps: 1 });
      assert.equal(one.blasThreads, 1);
      assert.equal(one.threads, 1);
    } finally {
      await peer.close();
    }
  };
  await check(env, policy);
  // Another core, passed the same way, reaches OpenBLAS too (the variable decides the kernels).
  await check({ ...env, OPENBLAS_CORETYPE: "Haswell" }, "Haswell");
});

Deno.test("runVsTorch on wasm: both sides train the MLP workload in load-checked rounds (PyTorch required)", async () => {
  const report = await runVsTorch({
    backend: "wasm",
    workloads: [workload("mlp", [2], 10)],
    methods: ["vanilla", "pcgrad", "minsnr"],
    rounds: 2,
    repeats: 1,
    warmup: 0,
    k: 5,
    seed: 0,
    jobs: 1,
    threads: 2,
    tag: "test",
    loadLimitCores: 1000,
  });
  assert.equal(report.schema, "antbench.perf-vs-torch/2");
  assert.equal((report.antbench.backend as { name: string }).name, "wasm");
  const [v, p, m] = report.rows;
  assert.equal(v.status, "ok", v.note);
  assert.equal(v.k, 1);
  assert.equal(p.status, "ok", p.note);
  assert.equal(p.k, 5);
  assert.equal(m.status, "skipped");
  assert.equal(v.params!.antbench, v.params!.torch, "the same MLP on both sides");
  assert.equal(v.perCore!.byRound.length, 2);
  assert.equal(v.perMachine!.byRound.length, 2);
  assert.equal(v.arms!.antbench1xN, undefined, "threads are a native setting: no threaded arm on wasm");
  assert.ok(v.kernelsPerStep! > 0 && v.flopsPerStep! === 2 * 10 * 107776);
  assert.equal(report.rounds.filter((r) => r.kept).length, 4, "2 rows × 2 rounds");
  assert.deepEqual(report.torch.startEnvironment, torchEnvironment());
});

Deno.test("runVsTorch on native: ×1, 1 job × 2 threads, and torch on the same OpenBLAS core (PyTorch required)", async () => {
  const failure = nativeLoadFailure();
  if (failure !== null) {
    console.warn(`vs_torch_test: native case SKIPPED (library absent: ${failure})`);
    return;
  }
  const report = await runVsTorch({
    backend: "native",
    workloads: [workload("mlp", [2], 10)],
    methods: ["vanilla"],
    rounds: 1,
    repeats: 1,
    warmup: 0,
    k: 5,
    seed: 0,
    jobs: 2,
    threads: 2,
    tag: "test",
    loadLimitCores: 1000,
  });
  const [v] = report.rows;
  assert.equal(v.status, "ok", v.note);
  const a = report.antbench as {
    backend: { name: string };
    native: { threads: number; openblas: { coreName: string; coreType: { inEffect: string | null } } };
    threadedArm: { jobs: number; threads: number } | null;
  };
  assert.equal(a.backend.name, "native");
  assert.equal(a.native.threads, 1, "the ×1 and N-jobs arms run one thread per job");
  assert.deepEqual(a.threadedArm, { jobs: 1, threads: 2 });
  assert.equal(v.arms!.antbenchN.parallelism, 2);
  assert.equal(v.arms!.antbench1xN!.parallelism, 2);
  assert.equal(v.arms!.antbench1xN!.samplesPerSecByRound.length, 1);
  assert.equal(v.perMachineThreads!.byRound.length, 1);
  assert.equal(v.flopsPerStep, 2 * 10 * 107776, "the hand count holds on native");
  const t = report.torch as {
    environment: Record<string, string | null>;
    openblas: { coreName: string } | null;
  };
  assert.equal(t.environment.OPENBLAS_CORETYPE, a.native.openblas.coreType.inEffect);
  if (t.openblas) {
    assert.equal(t.openblas.coreName, a.native.openblas.coreName, "both sides run the same kernels");
  }
});
