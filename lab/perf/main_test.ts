import assert from "node:assert/strict";
import { parsePerfArgs, perfMain, resolveBackends, workloadsFor } from "./main.ts";
import { UsageError } from "../../src/runtime/errors.ts";

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
  assert.equal(d.repeats, 10);
  assert.equal(d.warmup, 3);
  assert.equal(d.k, 5);
  assert.deepEqual(d.methods, []);
  assert.deepEqual(d.shapes, [[8, 8, 1], [28, 28, 1]]);
  usageError(
    ["--backend", "gpu"],
    /--backend: got "gpu"; allowed: available \| auto \| wasm \| cpu \| webgpu/,
  );
  usageError(["--models", "mlp,resnet"], /--models: got "resnet"; allowed: .*mlp/);
  usageError(["--methods", "adam"], /--methods: got "adam"; allowed: all, vanilla/);
  usageError(["--repeats", "0"], /--repeats: got "0"/);
  usageError(["--warmup", "x"], /--warmup: got "x"/);
  usageError(["--shapes", "8x8"], /--shapes: got "8x8"; allowed: image shapes HxWxC/);
  usageError(["--bogus"], /known flags: .*--backend/);
  assert.ok(parsePerfArgs(["--methods", "all"]).methods.includes("pcgrad"));
  assert.ok(!parsePerfArgs(["--methods", "all"]).methods.includes("vanilla"));
});

Deno.test("perf workloads: 2-D data for mlp, the image shapes for other models; --batch overrides", () => {
  assert.deepEqual(workloadsFor({ models: ["mlp", "unet"], shapes: [[8, 8, 1]], batch: null }), [
    { model: "mlp", dataShape: [2], batch: 256 },
    { model: "unet", dataShape: [8, 8, 1], batch: 64 },
  ]);
  assert.equal(workloadsFor({ models: ["unet"], shapes: [[8, 8, 1]], batch: 7 })[0].batch, 7);
});

Deno.test("perf backends: explicit lists keep order without duplicates; available always has wasm and cpu", async () => {
  assert.deepEqual(await resolveBackends(["cpu", "wasm", "cpu"]), ["cpu", "wasm"]);
  const avail = await resolveBackends(["available"]);
  assert.deepEqual(avail.slice(0, 2), ["wasm", "cpu"]);
});

Deno.test("perfMain writes perf.json and perf.md (MLP on wasm, one timed step)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const code = await perfMain([
      "--backend",
      "wasm",
      "--models",
      "mlp",
      "--batch",
      "4",
      "--repeats",
      "1",
      "--warmup",
      "0",
      "--out",
      dir,
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/perf.json`));
    assert.equal(report.rows.length, 1);
    assert.equal(report.rows[0].status, "ok");
    const md = await Deno.readTextFile(`${dir}/perf.md`);
    assert.match(md, /\| wasm \| mlp \| 2 \| 4 \|/);
    assert.match(md, /Environments:\n- wasm: Deno /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
