import assert from "node:assert/strict";
import { KERNEL_ENV, kernelEnvironment } from "./kernel_env.ts";
import { kernelEnvLabel } from "./render.ts";

Deno.test("kernel environment: set values, null when unset, and a label of the set ones", () => {
  const saved = Object.fromEntries(KERNEL_ENV.map((k) => [k, Deno.env.get(k)]));
  try {
    for (const k of KERNEL_ENV) Deno.env.delete(k);
    Deno.env.set("OMP_WAIT_POLICY", "PASSIVE");
    const env = kernelEnvironment();
    assert.deepEqual(Object.keys(env), [...KERNEL_ENV]);
    assert.equal(env.OMP_WAIT_POLICY, "PASSIVE");
    assert.equal(env.OPENBLAS_NUM_THREADS, null);
    assert.equal(kernelEnvLabel(env), "OMP_WAIT_POLICY=PASSIVE");
    assert.equal(kernelEnvLabel({ A: null }), "none set");
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test({
  name: "kernel environment: a variable the task may not read is marked, not fatal",
  permissions: { env: ["OMP_WAIT_POLICY"] },
  fn() {
    const env = kernelEnvironment();
    assert.equal(env.OPENBLAS_CORETYPE, "(not readable)");
    assert.notEqual(env.OMP_WAIT_POLICY, "(not readable)");
  },
});

Deno.test("kernel environment: lab/torch/bench.py reports the same variables for the PyTorch process", async () => {
  const py = await Deno.readTextFile(new URL("../torch/bench.py", import.meta.url));
  const list = py.match(/KERNEL_ENV = \(([^)]*)\)/)?.[1] ?? "";
  assert.deepEqual([...list.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]), [...KERNEL_ENV]);
});
