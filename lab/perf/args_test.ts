import assert from "node:assert/strict";
import { DEFAULT_BATCH, parsePerfArgs, resolveBackends, workloadsFor } from "./args.ts";
import { UsageError } from "../../src/runtime/errors.ts";
import { chooseBackend, nativeLoadFailure } from "../../src/runtime/backend.ts";
import { probeAdapter } from "../../src/runtime/webgpu_backend.ts";

function usageError(args: string[], pattern: RegExp) {
  assert.throws(() => parsePerfArgs(args), (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("perf flags: defaults and clear errors naming the flag, value and allowed values", () => {
  const d = parsePerfArgs([]);
  assert.deepEqual(d.backends, ["available"]);
  assert.equal(d.rounds, 3);
  assert.equal(d.repeats, 10);
  assert.equal(d.warmup, 3);
  assert.equal(d.k, 5);
  assert.equal(d.loadLimit, 0.3);
  assert.equal(d.retries, 3);
  assert.equal(d.allowNoisy, false);
  assert.deepEqual(d.methods, []);
  assert.deepEqual(d.shapes, [[8, 8, 1], [28, 28, 1]]);
  usageError(
    ["--backend", "gpu"],
    /--backend: got "gpu"; allowed: available \| auto \| native \| wasm \| cpu \| webgpu/,
  );
  usageError(["--models", "mlp,resnet"], /--models: got "resnet"; allowed: .*mlp/);
  usageError(["--methods", "adam"], /--methods: got "adam"; allowed: all, vanilla/);
  usageError(["--repeats", "0"], /--repeats: got "0"/);
  usageError(["--rounds", "x"], /--rounds: got "x"/);
  usageError(["--warmup", "x"], /--warmup: got "x"/);
  usageError(["--load-limit=-1"], /--load-limit: got "-1"/);
  usageError(["--shapes", "8x8"], /--shapes: got "8x8"; allowed: 8x8x1, 28x28x1, 32x32x1/);
  usageError(["--shapes", "16x16x3"], /--shapes: got "16x16x3"/);
  usageError(["--bogus"], /known flags: .*--backend/);
  assert.ok(parsePerfArgs(["--methods", "all"]).methods.includes("pcgrad"));
  assert.ok(!parsePerfArgs(["--methods", "all"]).methods.includes("vanilla"));
  assert.equal(parsePerfArgs(["--allow-noisy", "--load-limit", "0.5"]).loadLimit, 0.5);
});

Deno.test("perf flags: with --methods the batch must be a multiple of k (the stratified sampler)", () => {
  usageError(["--methods", "pcgrad", "--batch", "64"], /--batch: got "64"; allowed: a multiple of --k = 5/);
  usageError(
    ["--methods", "pcgrad", "--k", "4", "--models", "mlp"],
    /default batch 250 is not a multiple of --k = 4/,
  );
  assert.equal(parsePerfArgs(["--methods", "pcgrad", "--k", "4", "--batch", "64"]).batch, 64);
  // Without methods only the vanilla baseline (k = 1) runs: any batch.
  assert.equal(parsePerfArgs(["--batch", "64"]).batch, 64);
  assert.equal(DEFAULT_BATCH.toy2d % 5, 0);
  assert.equal(DEFAULT_BATCH.image % 5, 0);
});

Deno.test("perf workloads: 2-D data for mlp, the image shapes for other models, each on its dataset", () => {
  assert.deepEqual(workloadsFor({ models: ["mlp", "unet"], shapes: [[8, 8, 1]], batch: null }), [
    { model: "mlp", dataset: { id: "swissroll", options: {} }, dataShape: [2], batch: 250 },
    { model: "unet", dataset: { id: "digits8", options: {} }, dataShape: [8, 8, 1], batch: 60 },
  ]);
  const w = workloadsFor({ models: ["unet"], shapes: [[32, 32, 1]], batch: 7 })[0];
  assert.deepEqual(w.dataset, { id: "mnist", options: { size: 32 } });
  assert.equal(w.batch, 7);
});

Deno.test("perf backends: explicit lists keep order without duplicates; available always has wasm and cpu", async () => {
  assert.deepEqual(await resolveBackends(["cpu", "wasm", "cpu"]), ["cpu", "wasm"]);
  const avail = await resolveBackends(["available"]);
  assert.ok(avail.includes("wasm") && avail.includes("cpu"));
  assert.equal(avail.includes("native"), nativeLoadFailure() === null);
});

Deno.test("perf backends: available lists native first when it loads; auto is what training picks", async () => {
  const adapter = await probeAdapter();
  const gpu: ("webgpu")[] = adapter !== null && !adapter.isFallbackAdapter ? ["webgpu"] : [];
  assert.deepEqual(await resolveBackends(["available"], () => null), ["native", "wasm", "cpu", ...gpu]);
  assert.deepEqual(await resolveBackends(["available"], () => "absent"), ["wasm", "cpu", ...gpu]);
  assert.deepEqual(await resolveBackends(["auto"], () => null), gpu.length ? gpu : ["native"]);
  assert.deepEqual(await resolveBackends(["auto"], () => "absent"), gpu.length ? gpu : ["wasm"]);
  assert.deepEqual(await resolveBackends(["native"], () => "absent"), ["native"], "an explicit native stays");
  const training = await chooseBackend("auto", "--backend", { log: () => {} });
  assert.deepEqual(await resolveBackends(["auto"]), [training.name]);
});

Deno.test("perf flags: --backend native and --threads (native threads per job, default 1)", () => {
  const a = parsePerfArgs(["--backend", "native,wasm", "--threads", "2"]);
  assert.deepEqual(a.backends, ["native", "wasm"]);
  assert.equal(a.threads, 2);
  assert.equal(parsePerfArgs([]).threads, 1);
  usageError(["--threads", "0"], /--threads: got "0"/);
});
