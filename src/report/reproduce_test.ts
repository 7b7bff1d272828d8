import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { environmentFingerprint } from "../runtime/fingerprint.ts";
import { runTraining } from "../train/run.ts";
import { planRuns } from "../suite/expand.ts";
import { resolveSuite } from "../suite/validate.ts";
import { runSuite } from "../suite/runner.ts";
import type { RunExecutor } from "../suite/runner.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { readResult, runDir, writeResult } from "../suite/store.ts";
import { compareReproduction, formatRelative } from "./reproduce.ts";

const info = await initBackend("wasm");
const reg = defaultRegistries();
const suite = resolveSuite({
  name: "repro",
  datasets: [{ id: "moons", options: { n: 256 } }],
  model: { id: "mlp", options: { hidden: 16, depth: 2 } },
  T: 100,
  objectives: ["timestep"],
  k: [2],
  methods: ["uw"],
  seeds: 1,
  steps: 12,
  train: { batchSize: 32 },
  eval: {
    at: [6, 12],
    minPoints: 2,
    samples: 100,
    referenceSamples: 100,
    metrics: ["mmd", "fd"],
    floorResamples: 0,
  },
  backend: "wasm",
}, reg);
const runs = await planRuns(suite, reg); // vanilla, the matched control, uw

/** Real training, in this process. */
const executor: RunExecutor = (config, ctx) =>
  runTraining(config, {
    runId: ctx.id,
    environment: { ...environmentFingerprint(info) },
    onProgress: ctx.onProgress,
    onEval: ctx.onSamples,
  });

Deno.test("reproduce: a suite trained twice is reproduced bit-identically; a changed result is named with its difference", async () => {
  const published = await Deno.makeTempDir();
  const local = await Deno.makeTempDir();
  try {
    for (const dir of [published, local]) await runSuite(runs, { outDir: dir, executor, suite });
    const same = await compareReproduction(published, local);
    assert.equal(same.outcome, "identical", same.details.join("\n"));
    assert.equal(same.line, "reproduced 3/3 runs bit-identically (wasm, tfjs 4.22.0)");
    assert.equal(same.exitCode, 0);
    assert.equal(same.verdicts.total, same.verdicts.agree);

    // One published value moved by 1%: the run is named, with the metric, its relative change and both values.
    const uw = runs.find((r) => r.config.method.id === "uw")!;
    const stored = (await readResult(runDir(published, uw.id)))!;
    const key = "mmd-data";
    const original = stored.final[key];
    stored.final[key] = original / 1.01;
    await writeResult(runDir(published, uw.id), stored);
    const diff = await compareReproduction(published, local);
    assert.equal(diff.outcome, "differs");
    assert.equal(diff.exitCode, 1);
    assert.match(
      diff.line,
      /^NOT reproduced: 1\/3 runs differ from .* on the same environment \(wasm, tfjs 4\.22\.0, antbench [^)]+\); 2 bit-identical/,
    );
    assert.equal(diff.details.length, 1);
    assert.ok(
      diff.details[0].includes(`moons/mlp timestep k=2 uw seed 0 (${uw.id}): mmd-data +1% (${original} vs`),
    );
    assert.deepEqual(diff.runs.find((r) => r.id === uw.id)!.fields, ["final"]);

    // The same difference on another backend is expected: exit 0, the environment named.
    stored.environment = {
      ...stored.environment,
      backend: { name: "native" },
      tfjsBackend: "native",
      native: {
        openblas: { config: "OpenBLAS 0.3.21 DYNAMIC_ARCH", coreName: "Haswell" },
        onednn: { version: "3.0.0" },
        conv: "onednn",
        threads: 1,
      },
    };
    await writeResult(runDir(published, uw.id), stored);
    for (const r of runs.filter((x) => x.id !== uw.id)) {
      const o = (await readResult(runDir(published, r.id)))!;
      o.environment = stored.environment;
      await writeResult(runDir(published, r.id), o);
    }
    const other = await compareReproduction(published, local);
    assert.equal(other.outcome, "expected-differences");
    assert.equal(other.exitCode, 0);
    assert.match(
      other.line,
      /^1\/3 runs differ from .*, as expected: the environment differs \(backend wasm here vs native/,
    );
    assert.match(other.line, /largest relative differences: mmd-data 1%/);
    assert.match(
      other.line,
      /native kernels n\/a here vs OpenBLAS 0\.3\.21 core Haswell, oneDNN 3\.0\.0, conv onednn, 1 thread/,
    );
  } finally {
    await Deno.remove(published, { recursive: true });
    await Deno.remove(local, { recursive: true });
  }
});

Deno.test("reproduce: relative differences are printed as percentages or exponents", () => {
  assert.equal(formatRelative(0.01), "+1%");
  assert.equal(formatRelative(-0.000123), "-0.012%");
  assert.equal(formatRelative(3.14e-7), "+3.1e-7");
  assert.equal(formatRelative(null), "missing");
});
