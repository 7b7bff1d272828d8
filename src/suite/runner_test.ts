import assert from "node:assert/strict";
import type { RunConfig } from "../train/types.ts";
import { planRuns } from "./expand.ts";
import { resolveSuite } from "./validate.ts";
import { runSuite } from "./runner.ts";
import { syntheticExecutor } from "./synthetic_executor.ts";
import { runDir, runState } from "./store.ts";
import { testRegistries } from "./test_registries.ts";
import { generateReport } from "../report/generate.ts";

const reg = testRegistries();
const suite = resolveSuite({
  name: "rt",
  datasets: ["moons"],
  objectives: ["timestep"],
  k: [2, 4],
  methods: ["uw", "pcgrad"],
  seeds: 2,
  steps: 40,
  T: 100,
  eval: { every: 5, metrics: ["fd", "swd"] },
}, reg);
const runs = await planRuns(suite, reg); // 2 baseline + 2 k × (2 methods + 1 matched control) × 2 seeds = 14

async function tree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const p = `${prefix}${e.name}`;
    if (e.isDirectory) { for (const [k, v] of await tree(`${dir}/${e.name}`, `${p}/`)) out.set(k, v); }
    else out.set(p, await Deno.readTextFile(`${dir}/${e.name}`));
  }
  return out;
}

/** Files that must match byte for byte between two runs of the same suite. */
const DETERMINISTIC =
  /^(results\.json|README\.md|results\.csv|suite\.json|runs\/[0-9a-f]+\/(config\.json|log\.jsonl))$/;

async function deterministicFiles(dir: string): Promise<Map<string, string>> {
  await generateReport(dir);
  return new Map([...await tree(dir)].filter(([k]) => DETERMINISTIC.test(k)).sort());
}

Deno.test("a suite run twice gives byte-identical results.json, README.md, CSV, configs and logs", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    await runSuite(runs, { outDir: a, executor: syntheticExecutor(), suite });
    await runSuite(runs, { outDir: b, executor: syntheticExecutor(), suite, jobs: 3 });
    const fa = await deterministicFiles(a);
    const fb = await deterministicFiles(b);
    assert.equal(fa.size, 3 + 1 + runs.length * 2);
    assert.deepEqual([...fa.keys()], [...fb.keys()]);
    for (const [k, v] of fa) assert.equal(fb.get(k), v, `${k} differs`);
    // Timing is kept out of the compared files but present next to them.
    assert.ok((await Deno.readTextFile(`${a}/timing.md`)).includes("ms / training step"));
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("resume after a simulated kill: finished runs are skipped and the result equals an uninterrupted run", async () => {
  const killed = await Deno.makeTempDir();
  const clean = await Deno.makeTempDir();
  try {
    await runSuite(runs, { outDir: clean, executor: syntheticExecutor(), suite });
    // Simulate a kill: the first 4 runs finished; run 5 has config.json, a partial log, a stray temp file
    // of an unfinished result write; the rest never started.
    await runSuite(runs.slice(0, 4), { outDir: killed, executor: syntheticExecutor(), suite });
    const dir5 = runDir(killed, runs[4].id);
    await Deno.mkdir(dir5, { recursive: true });
    await Deno.copyFile(`${runDir(clean, runs[4].id)}/config.json`, `${dir5}/config.json`);
    await Deno.writeTextFile(`${dir5}/log.jsonl`, '{"event":"eval","st');
    await Deno.writeTextFile(`${dir5}/result.json.1234.0.tmp`, '{"schema":"antbench.run/1","stat');
    assert.equal(await runState(dir5), "incomplete");

    const executed: RunConfig[] = [];
    const summary = await runSuite(runs, {
      outDir: killed,
      executor: syntheticExecutor({ onRun: (c) => executed.push(c) }),
      suite,
    });
    assert.equal(summary.skipped, 4);
    assert.equal(summary.executed, runs.length - 4);
    assert.equal(executed.length, runs.length - 4);
    const fk = await deterministicFiles(killed);
    const fc = await deterministicFiles(clean);
    assert.deepEqual([...fk.keys()], [...fc.keys()]);
    for (const [k, v] of fc) assert.equal(fk.get(k), v, `${k} differs after resume`);
    for await (const e of Deno.readDir(dir5)) {
      assert.ok(!e.name.endsWith(".tmp"), `stray ${e.name} left behind`);
    }

    const again = await runSuite(runs, { outDir: killed, executor: syntheticExecutor(), suite });
    assert.equal(again.executed, 0, "a finished suite runs nothing");
  } finally {
    await Deno.remove(killed, { recursive: true });
    await Deno.remove(clean, { recursive: true });
  }
});

Deno.test("failed and crashed runs are recorded, the suite continues, and --retry-failed re-runs only them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s1 = await runSuite(runs, {
      outDir: dir,
      executor: syntheticExecutor({ diverge: ["uw"], crash: ["pcgrad"] }),
    });
    assert.equal(s1.ok, 6); // 2 baselines + 4 matched controls (vanilla)
    assert.equal(s1.failed, 8);
    const crashed = runs.find((r) => r.config.method.id === "pcgrad")!;
    const stored = JSON.parse(await Deno.readTextFile(`${runDir(dir, crashed.id)}/result.json`));
    assert.equal(stored.status, "failed");
    assert.match(stored.error, /run crashed: synthetic crash of pcgrad/);

    const s2 = await runSuite(runs, { outDir: dir, executor: syntheticExecutor() });
    assert.equal(s2.executed, 0, "failed runs are not retried by default");
    const executed: string[] = [];
    const s3 = await runSuite(runs, {
      outDir: dir,
      executor: syntheticExecutor({ onRun: (c) => executed.push(c.method.id) }),
      retryFailed: true,
    });
    assert.equal(s3.executed, 8);
    assert.deepEqual([...new Set(executed)].sort(), ["pcgrad", "uw"]);
    assert.equal(s3.ok, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shards run into separate directories cover every run exactly once", async () => {
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir(), await Deno.makeTempDir()];
  try {
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await runSuite(runs, {
        outDir: dirs[i],
        executor: syntheticExecutor(),
        shard: { index: i, count: 3 },
      });
      assert.equal(s.planned, runs.length);
      for await (const e of Deno.readDir(`${dirs[i]}/runs`)) seen.push(e.name);
    }
    assert.deepEqual(seen.sort(), runs.map((r) => r.id).sort());
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true });
  }
});
