import assert from "node:assert/strict";
import { crashMessage, createWorkerPool } from "./worker_executor.ts";
import type { BackendChoice } from "../runtime/backend.ts";
import type { ExecContext } from "./runner.ts";
import { resolveSuite } from "./validate.ts";
import { planRuns } from "./expand.ts";
import { defaultRegistries } from "./registries.ts";
import type { RunConfig } from "../train/types.ts";

const WASM: BackendChoice = {
  requested: "wasm",
  name: "wasm",
  reason: "test",
  adapter: null,
  wgpuBackends: null,
};

function ctx(id: string): ExecContext {
  return { id, dir: "/nonexistent", onProgress() {}, onSamples: () => Promise.resolve() };
}

Deno.test("crashMessage names memory exhaustion for the messages tfjs-wasm and V8 give", () => {
  for (
    const m of [
      "RuntimeError: Aborted(). Build with -sASSERTIONS for more info.",
      "RuntimeError: memory access out of bounds",
      "RangeError: Array buffer allocation failed",
    ]
  ) {
    const text = crashMessage(m, "estimated peak 13.36 GiB");
    assert.match(
      text,
      /^out of memory: the run exhausted its worker's memory \(estimated peak 13\.36 GiB\); /,
    );
    assert.ok(text.endsWith(`(the worker said: ${m})`));
  }
  assert.equal(crashMessage("TypeError: x is undefined"), "TypeError: x is undefined");
});

Deno.test("a worker that aborted is replaced: later runs on the pool succeed", async () => {
  const pool = createWorkerPool(1, WASM, {
    workerUrl: new URL("./testing_poison_worker.ts", import.meta.url).href,
    memoryNote: () => "estimated peak 9 GiB",
  });
  try {
    const ok = { method: { id: "uw", options: {} } } as unknown as RunConfig;
    const poison = { method: { id: "poison", options: {} } } as unknown as RunConfig;
    assert.equal((await pool.executor(ok, ctx("a"))).status, "ok");
    await assert.rejects(
      () => pool.executor(poison, ctx("b")),
      /^Error: out of memory: .*estimated peak 9 GiB/,
    );
    // Without replacement the poisoned worker would abort these too.
    assert.equal((await pool.executor(ok, ctx("c"))).status, "ok");
    assert.equal((await pool.executor(ok, ctx("d"))).status, "ok");
  } finally {
    pool.close();
  }
});

Deno.test("issue case: batchSize 1e6 exhausts the wasm heap; the run fails as out of memory and the next run on the pool trains", async () => {
  // The real thing, past validation (which refuses it): tfjs-wasm fails at its 4 GiB heap (~6 s, 4 GiB).
  const reg = defaultRegistries();
  const plan = async (batchSize: number) =>
    (await planRuns(
      resolveSuite({
        name: "oom",
        datasets: [{ id: "moons", options: { n: 256 } }],
        objectives: ["timestep"],
        k: [2],
        methods: ["uw"],
        seeds: 1,
        steps: 2,
        T: 20,
        train: { batchSize },
        eval: { samples: 50, referenceSamples: 50, sampler: { steps: 2 }, metrics: ["fd"] },
        backend: "wasm",
      }, reg),
      reg,
    ))[0];
  const pool = createWorkerPool(1, WASM);
  try {
    const big = await plan(1_000_000);
    await assert.rejects(
      () => pool.executor(big.config, ctx(big.id)),
      // tfjs-wasm says "memory access out of bounds" or "Aborted()", depending on where allocation fails.
      /^Error: out of memory: .*\(the worker said: RuntimeError: (memory access out of bounds|Aborted\(\))/,
    );
    const small = await plan(32);
    const r = await pool.executor(small.config, ctx(small.id));
    assert.equal(r.status, "ok", r.error);
  } finally {
    pool.close();
  }
});
