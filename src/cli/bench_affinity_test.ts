/**
 * `deno task bench` with an affinity source, run as the real task in subprocesses: the dry run lists both
 * phases, a bench measures one matrix per seed in phase 1 and trains every run in phase 2, a rerun does
 * nothing, and two shards sharing a directory measure each matrix once and together train every run once.
 */
import assert from "node:assert/strict";
import { runTask } from "./testing_tasks.ts";
import { checkOutcome, scratchDir, tinySuite } from "./testing_errors.ts";

const scratch = await scratchDir("bench-affinity");
const S = scratch.rel;
const suite = tinySuite("grad", {
  objectives: ["gradient"],
  seeds: 2,
  steps: 6,
  controls: true,
  eval: { ...tinySuite("x").eval as object, at: [3, 6], minPoints: 2 },
  affinity: { from: "vanilla", checkpoints: [3, 6], grid: 5, subset: 64, batch: 32 },
});
Deno.writeTextFileSync(`${scratch.abs}/grad.json`, JSON.stringify(suite));

function files(dir: string, re: RegExp): string[] {
  try {
    return [...Deno.readDirSync(`${scratch.abs}/${dir}`)].map((e) => e.name).filter((n) => re.test(n)).sort();
  } catch {
    return [];
  }
}

Deno.test({
  name: "bench with an affinity source: dry run lists the phases; phase 1 then phase 2; a rerun does nothing",
  sanitizeResources: false,
  async fn() {
    const out = `${S}/one`;
    const dry = await runTask("bench", [`${S}/grad.json`, "--out", out, "--dry-run"]);
    checkOutcome("dry run", dry, { code: 0 });
    assert.match(
      dry.stdout,
      /^phase 1: 2 affinity matrices \(0 already measured\), each from the vanilla run of one seed$/m,
    );
    assert.match(
      dry.stdout,
      /^[0-9a-f]{16} {2}affinity moons\/mlp seed 0: vanilla [0-9a-f]{16} at steps 3, 6, grid 5, subset 64 {2}to measure$/m,
    );
    assert.match(dry.stdout, /^phase 2: 6 runs$/m);
    assert.equal(
      (dry.stdout.match(/^\(id after [0-9a-f]{16}\) {2}moons\/mlp gradient k=2 (vanilla|uw) seed \d$/gm) ??
        []).length,
      4,
    );
    assert.match(dry.stderr, /2 runs \+ 4 waiting for an affinity matrix/);

    const r = await runTask("bench", [`${S}/grad.json`, "--out", out, "--jobs", "2"]);
    checkOutcome("bench", r, { code: 0 });
    assert.match(r.stderr, /bench: phase 1: measuring 2 task-affinity matrices/);
    assert.match(r.stderr, /bench: phase 1: 2 affinity matrices, 2 measured now, 0 failed/);
    assert.match(r.stderr, /grad: 6 runs \(6 planned\), 0 already done, 6 executed: 6 ok, 0 failed/);
    assert.equal(files(`one/affinity`, /\.json$/).filter((n) => !n.includes("timing")).length, 2);
    assert.equal(files(`one/affinity`, /\.svg$/).length, 2);
    assert.deepEqual(files(`one/affinity`, /checkpoints|claim/), []);
    const readme = Deno.readTextFileSync(`${scratch.abs}/one/README.md`);
    assert.match(readme, /Task affinity measured by the suite \(vanilla checkpoints 3,6; grid 5; subset 64/);
    assert.match(readme, /\| 1 \| \[[0-9a-f]{16}\.json\]\(affinity\/[0-9a-f]{16}\.json\) \| \[svg\]/);
    assert.match(readme, /gradient k=2 uw/);
    const html = Deno.readTextFileSync(`${scratch.abs}/one/report.html`);
    // One inline heatmap per seed's matrix (report.html is self-contained).
    assert.equal(
      (html.match(
        /<svg [^>]*aria-label="task affinity \(gradient cosine similarity\): [^"]*affinity\/[0-9a-f]{16}\.json"/g,
      ) ??
        []).length,
      2,
    );

    const again = await runTask("bench", [`${S}/grad.json`, "--out", out, "--jobs", "2"]);
    checkOutcome("rerun", again, { code: 0 });
    assert.doesNotMatch(again.stderr, /phase 1/);
    assert.match(again.stderr, /6 runs \(6 planned\), 6 already done, 0 executed/);
    const dry2 = await runTask("bench", [`${S}/grad.json`, "--out", out, "--dry-run"]);
    assert.match(dry2.stdout, /^phase 1: 2 affinity matrices \(2 already measured\)/m);
    assert.doesNotMatch(dry2.stdout, /id after/);
  },
});

Deno.test({
  name:
    "bench with an affinity source: two shards on one directory measure each matrix once and train every run once",
  sanitizeResources: false,
  async fn() {
    const out = `${S}/shards`;
    const [a, b] = await Promise.all(
      ["0/2", "1/2"].map((s) =>
        runTask("bench", [`${S}/grad.json`, "--out", out, "--jobs", "1", "--shard", s, "--no-report"])
      ),
    );
    checkOutcome("shard 0", a, { code: 0 });
    checkOutcome("shard 1", b, { code: 0 });
    const measured = (t: string) => Number(/(\d+) measured now/.exec(t)?.[1] ?? 0);
    const executed = (t: string) => Number(/(\d+) executed/.exec(t)?.[1] ?? NaN);
    assert.equal(measured(a.stderr) + measured(b.stderr), 2, a.stderr + b.stderr);
    assert.equal(executed(a.stderr) + executed(b.stderr), 6, a.stderr + b.stderr);
    const rep = await runTask("cli", ["report", out, "--json"]);
    checkOutcome("report", rep, { code: 0 });
    assert.equal(JSON.parse(rep.stdout).missing, 0);
    assert.equal(files("shards/runs", /./).length, 6);
  },
});

Deno.test({
  name: "merge of the single and the sharded outputs: same matrices, same results, affinity files copied",
  sanitizeResources: false,
  async fn() {
    const m = await runTask("cli", ["merge", `${S}/merged`, `${S}/one`, `${S}/shards`]);
    checkOutcome("merge", m, { code: 0 });
    assert.deepEqual(files("merged/affinity", /./), files("one/affinity", /\.(json|svg)$/));
    assert.deepEqual(
      files("shards/affinity", /^[0-9a-f]+\.json$/),
      files("one/affinity", /^[0-9a-f]+\.json$/),
    );
    for (const f of files("one/affinity", /^[0-9a-f]+\.json$/)) {
      assert.equal(
        Deno.readTextFileSync(`${scratch.abs}/shards/affinity/${f}`),
        Deno.readTextFileSync(`${scratch.abs}/one/affinity/${f}`),
        "the matrices of a sharded run are byte-identical",
      );
    }
    assert.equal(files("merged/runs", /./).length, 6);
    assert.match(
      Deno.readTextFileSync(`${scratch.abs}/merged/README.md`),
      /Task affinity measured by the suite/,
    );
  },
});

Deno.test({
  name: "bench with an affinity source: a subset larger than the training split is refused before training",
  sanitizeResources: false,
  async fn() {
    const big = { ...suite, name: "gradbig", affinity: { from: "vanilla", checkpoints: [3], subset: 300 } };
    Deno.writeTextFileSync(`${scratch.abs}/big.json`, JSON.stringify(big));
    const r = await runTask("bench", [`${S}/big.json`, "--out", `${S}/big`, "--dry-run"]);
    checkOutcome("subset", r, {
      code: 2,
      message:
        /^suite gradbig: affinity\.subset: got 300; allowed: at most 256 \(the training split of datasets\[0\] \(moons\)\)$/,
    });
  },
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(scratch.abs, { recursive: true });
  } catch { /* gone */ }
});
