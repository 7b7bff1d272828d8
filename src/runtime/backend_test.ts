import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  BACKEND_NAMES,
  chooseBackend,
  initBackend,
  nativeLoadFailure,
  parseBackendName,
  resolveAuto,
} from "./backend.ts";
import { UsageError } from "./errors.ts";
import { gradientsRegistered } from "./gradients.ts";
import {
  type AdapterSummary,
  MATMUL_PACKED_PROGRAM,
  probeAdapter,
  wgpuBackendChoice,
  wgpuBackendsInEffect,
} from "./webgpu_backend.ts";

const fakeAdapter = (isFallbackAdapter: boolean): AdapterSummary => ({
  vendor: "v",
  architecture: "a",
  device: "d",
  description: isFallbackAdapter ? "llvmpipe (LLVM 15.0.6, 256 bits)" : "NVIDIA H100",
  isFallbackAdapter,
  subgroupMinSize: null,
  subgroupMaxSize: null,
  features: [],
});

Deno.test("parseBackendName accepts the five names and rejects others naming the flag", () => {
  for (const n of BACKEND_NAMES) assert.equal(parseBackendName(n), n);
  assert.throws(() => parseBackendName("gpu"), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /--backend: got "gpu"; allowed: auto \| webgpu \| native \| wasm \| cpu/);
    return true;
  });
  assert.throws(() => parseBackendName(3, "suite.backend"), /suite\.backend: got 3/);
});

Deno.test("auto picks webgpu only for a hardware adapter, else native when it loads, else wasm", () => {
  assert.equal(resolveAuto(null, "missing").name, "wasm");
  assert.match(resolveAuto(null, "missing").reason, /native unavailable \(missing\)/);
  assert.equal(resolveAuto(fakeAdapter(true), "missing").name, "wasm");
  assert.match(resolveAuto(fakeAdapter(true), "missing").reason, /software fallback/);
  assert.equal(resolveAuto(null, null).name, "native");
  assert.equal(resolveAuto(fakeAdapter(true), null).name, "native");
  assert.equal(resolveAuto(fakeAdapter(false), null).name, "webgpu");
  assert.equal(resolveAuto(fakeAdapter(false), "missing").name, "webgpu");
});

Deno.test("native requested without a loadable library: wasm, with one line saying so", async () => {
  const lines: string[] = [];
  const choice = await chooseBackend("native", "--backend", { log: (l) => lines.push(l) });
  if (nativeLoadFailure() === null) {
    assert.equal(choice.name, "native");
    assert.equal(choice.nativeThreads, 1);
    assert.deepEqual(lines, []);
  } else {
    console.warn(`backend_test: native library absent (${nativeLoadFailure()}): checking the fallback`);
    assert.equal(choice.name, "wasm");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^backend: native unavailable \(.+\); using wasm$/);
  }
  await assert.rejects(
    () => chooseBackend("native", "--threads", { nativeThreads: 0 }),
    /native threads: got 0/,
  );
});

Deno.test("initBackend: bad name is a UsageError; wasm and cpu initialise with gradients registered", async () => {
  await assert.rejects(() => initBackend("tpu"), UsageError);
  const w = await initBackend("wasm");
  assert.equal(w.name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(w.wasmThreads, 1);
  assert.ok(w.patchedKernels.includes("Conv2DBackpropFilter"));
  assert.ok(gradientsRegistered());
  // d/dx Σ x² = 2x, computed on wasm.
  assert.deepEqual(
    Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor([1, -2, 3])).dataSync()),
    [
      2,
      -4,
      6,
    ],
  );
  const c = await initBackend("cpu");
  assert.equal(c.name, "cpu");
  assert.equal(tf.getBackend(), "cpu");
});

Deno.test("wgpu backends: Vulkan only on Linux when DENO_WEBGPU_BACKEND is unset; a user's value is kept", () => {
  assert.deepEqual(wgpuBackendChoice("linux", undefined), { set: "vulkan", effective: "vulkan" });
  assert.deepEqual(wgpuBackendChoice("linux", "gl"), { set: null, effective: "gl" });
  assert.deepEqual(wgpuBackendChoice("linux", "vulkan,gl"), { set: null, effective: "vulkan,gl" });
  assert.deepEqual(wgpuBackendChoice("linux", ""), { set: null, effective: "(none)" });
  assert.deepEqual(wgpuBackendChoice("darwin", undefined), { set: null, effective: "default" });
  assert.deepEqual(wgpuBackendChoice("windows", undefined), { set: null, effective: "default" });
});

Deno.test("probing WebGPU on Linux never loads libEGL (the library whose exit-time destructor corrupts the heap)", async () => {
  if (Deno.build.os !== "linux") return;
  const userValue = Deno.env.get("DENO_WEBGPU_BACKEND");
  await probeAdapter();
  if (userValue === undefined) {
    assert.equal(Deno.env.get("DENO_WEBGPU_BACKEND"), "vulkan");
    assert.equal(wgpuBackendsInEffect(), "vulkan");
  }
  // Deno reads /proc/self/* only with --allow-all; a child process may read this process's map.
  const out = await new Deno.Command("cat", { args: [`/proc/${Deno.pid}/maps`], stdout: "piped" }).output();
  assert.equal(out.code, 0);
  const maps = new TextDecoder().decode(out.stdout);
  assert.match(maps, /libvulkan|libc\.so/); // the read worked
  if (userValue === undefined || userValue === "vulkan") {
    assert.equal(maps.includes("libEGL"), false, "libEGL is mapped into the process");
  }
});

Deno.test("chooseBackend resolves once; initBackend accepts the choice and records it", async () => {
  const choice = await chooseBackend("auto");
  assert.equal(choice.requested, "auto");
  assert.ok(choice.name === "wasm" || choice.name === "webgpu" || choice.name === "native");
  assert.match(choice.reason, /^auto: /);
  const info = await initBackend(choice);
  assert.equal(info.name, choice.name);
  assert.equal(info.reason, choice.reason);
  assert.equal(info.requested, "auto");
  const cpu = await chooseBackend("cpu");
  assert.deepEqual({ ...cpu, wgpuBackends: null }, {
    requested: "cpu",
    name: "cpu",
    reason: "requested",
    adapter: null,
    wgpuBackends: null,
  });
  await assert.rejects(() => chooseBackend("gpu", "suite.backend"), /suite\.backend/);
  await initBackend("wasm");
});

Deno.test("initBackend auto never selects a software WebGPU adapter", async () => {
  const adapter = await probeAdapter();
  const info = await initBackend("auto");
  if (adapter !== null && !adapter.isFallbackAdapter) assert.equal(info.name, "webgpu");
  else assert.equal(info.name, nativeLoadFailure() === null ? "native" : "wasm");
  await initBackend("wasm");
});

Deno.test({
  name: "explicit webgpu initialises through our factory and computes a small matMul exactly",
  // Needs an adapter (here Mesa llvmpipe, a fallback adapter: slow, so small ops only).
  ignore: (await probeAdapter()) === null,
  fn: async () => {
    const info = await initBackend("webgpu");
    assert.equal(info.name, "webgpu");
    assert.equal(tf.getBackend(), "webgpu");
    assert.ok(info.adapter !== null);
    assert.equal(tf.env().get("WEBGPU_MATMUL_PROGRAM_TYPE"), MATMUL_PACKED_PROGRAM);
    // Above tfjs-webgpu's CPU hand-off threshold (1000 elements) so the GPU path runs. Integers: exact.
    const n = 40;
    const av = Float32Array.from({ length: n * n }, (_, i) => (i % 7) - 3);
    const bv = Float32Array.from({ length: n * n }, (_, i) => (i % 5) - 2);
    const a = tf.tensor2d(av, [n, n]), b = tf.tensor2d(bv, [n, n]);
    const got = await tf.matMul(a, b).data(); // async read: readSync on webgpu needs a canvas
    for (let i = 0; i < n; i += 7) {
      for (let j = 0; j < n; j += 3) {
        let s = 0;
        for (let k = 0; k < n; k++) s += av[i * n + k] * bv[k * n + j];
        assert.equal(got[i * n + j], s, `[${i},${j}]`);
      }
    }
    tf.dispose([a, b]);
    await initBackend("wasm");
  },
});

Deno.test({
  name: "webgpu: a synchronous read of GPU data fails with an error saying to use await data()",
  ignore: (await probeAdapter()) === null,
  fn: async () => {
    await initBackend("webgpu");
    const n = 40; // above the CPU hand-off threshold, so the result lives on the GPU
    const a = tf.ones([n, n]);
    const c = tf.matMul(a, a);
    assert.throws(() => c.dataSync(), /await tensor\.data\(\)/);
    assert.equal((await c.data())[0], n);
    tf.dispose([a, c]);
    await initBackend("wasm");
  },
});
