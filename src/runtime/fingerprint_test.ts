import assert from "node:assert/strict";
import { initBackend, nativeLoadFailure } from "./backend.ts";
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

Deno.test("fingerprint records the native libraries: path, OpenBLAS config and core, oneDNN version, threads", async () => {
  if (nativeLoadFailure() !== null) {
    console.warn(`fingerprint_test: native case SKIPPED (library absent: ${nativeLoadFailure()})`);
    return;
  }
  const fp = environmentFingerprint(await initBackend("native"));
  await initBackend("wasm");
  assert.equal(fp.backend.name, "native");
  const n = fp.native!;
  assert.equal(n.threads, 1);
  assert.equal(n.openblas.threads, 1);
  assert.ok(Deno.statSync(n.openblas.path).isFile);
  assert.match(n.openblas.config, /^OpenBLAS \d+\.\d+\.\d+/);
  assert.ok(n.openblas.config.includes(n.openblas.coreName), "the config string names the core in use");
  if (n.openblas.coreType.inEffect) {
    assert.equal(n.openblas.coreType.inEffect.toLowerCase(), n.openblas.coreName.toLowerCase());
  }
  // Independent source: the Debian package database, where available.
  const dpkg = async (pkg: string) => {
    try {
      const out = await new Deno.Command("dpkg-query", {
        args: ["-W", "-f=${Version}", pkg],
        stdout: "piped",
        stderr: "null",
      })
        .output();
      return out.code === 0 ? new TextDecoder().decode(out.stdout) : null;
    } catch {
      return null;
    }
  };
  const blasVersion = await dpkg("libopenblas0-pthread");
  if (blasVersion) {
    assert.ok(
      n.openblas.config.includes(blasVersion.split("+")[0]),
      `${n.openblas.config} vs ${blasVersion}`,
    );
  }
  if (n.onednn) {
    const dnnlVersion = await dpkg("libdnnl2");
    if (dnnlVersion) {
      assert.ok(
        n.onednn.version.startsWith(dnnlVersion.split("-")[0]),
        `${n.onednn.version} vs ${dnnlVersion}`,
      );
    }
    assert.equal(n.conv, "onednn");
  }
  assert.deepEqual(JSON.parse(JSON.stringify(fp)), fp);
});
