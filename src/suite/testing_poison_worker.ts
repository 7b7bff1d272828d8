/**
 * Test helper (worker_executor_test.ts): a worker that behaves like a tfjs-wasm worker after its heap ran
 * out: a run of method "poison" aborts, and from then on every run aborts the same way, as tfjs-wasm does
 * after "RuntimeError: Aborted()". Other runs return a minimal ok result.
 *
 * @module
 */
/// <reference lib="deno.worker" />
let poisoned = false;
self.onmessage = (e: MessageEvent) => {
  const { id, config } = e.data;
  if (config.method.id === "poison") poisoned = true;
  if (poisoned) {
    self.postMessage({
      type: "error",
      message: "RuntimeError: Aborted(). Build with -sASSERTIONS for more info.",
    });
    return;
  }
  self.postMessage({
    type: "result",
    result: { schema: "antbench.run/1", id, status: "ok", config, clusters: [], curve: [], final: {} },
  });
};
