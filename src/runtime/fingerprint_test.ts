import assert from "node:assert/strict";
import { initBackend } from "./backend.ts";
import { environmentFingerprint } from "./fingerprint.ts";

Deno.test("fingerprint records versions from package.json files and the active wasm backend", async () => {
  const info = await initBackend("wasm");
  const fp = environmentFingerprint(info);
  // Independent source: the installed packages' own package.json files.
  const pkg = (p: string) =>
    JSON.parse(Deno.readTextFileSync(new URL(import.meta.resolve(`@tensorflow/${p}/package.json`)))).version;
  assert.equal(fp.tfjs.core, pkg("tfjs-core"));
  assert.equal(fp.tfjs.wasm, pkg("tfjs-backend-wasm"));
  assert.equal(fp.tfjs.cpu, pkg("tfjs-backend-cpu"));
  assert.equal(fp.tfjs.webgpu, pkg("tfjs-backend-webgpu"));
  assert.equal(fp.deno, Deno.version.deno);
  assert.equal(fp.backend.name, "wasm");
  assert.equal(fp.backend.requested, "wasm");
  assert.equal(fp.wasm.threads, 1);
  assert.equal(typeof fp.wasm.simd, "boolean");
  assert.equal(fp.flags.WASM_HAS_SIMD_SUPPORT, fp.wasm.simd);
  assert.ok(fp.backend.patchedKernels.includes("Conv2DBackpropFilter"));
  assert.equal(fp.wgpuBackends, null); // wasm requested explicitly: WebGPU was never probed
  assert.equal(fp.os, Deno.build.os);
  assert.ok(fp.cpuCount === null || fp.cpuCount >= 1);
  // JSON-safe.
  assert.deepEqual(JSON.parse(JSON.stringify(fp)), fp);
});
