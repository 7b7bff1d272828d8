/**
 * `deno task cli report DIR --complete` (the report job of a sharded sweep) names every planned run without
 * an ok result and exits 1; and the runner logs one `trained run <id>` line per training that reached its
 * result (what scripts/slurm_e2e.sh counts across the tasks' logs).
 */
import assert from "node:assert/strict";
import { runTask } from "./testing_tasks.ts";
import { checkOutcome, tinySuite } from "./testing_errors.ts";
import { resolveSuite } from "../suite/validate.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { planRuns } from "../suite/expand.ts";
import { runLabel, runSuite } from "../suite/runner.ts";
import { syntheticExecutor } from "../suite/synthetic_executor.ts";
import { incompleteRuns } from "../report/membership.ts";

Deno.test("report --complete: missing and failed runs are named, exit 1; a complete suite exits 0", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const reg = defaultRegistries();
    const suite = resolveSuite(tinySuite("rc", { methods: ["uw", "pcgrad"], seeds: 2 }), reg);
    const runs = await planRuns(suite, reg); // vanilla, uw, pcgrad x 2 seeds
    assert.equal(runs.length, 6);
    const messages: string[] = [];
    await runSuite(runs, {
      outDir: dir,
      executor: syntheticExecutor({ diverge: ["pcgrad"] }),
      suite,
      onMessage: (m) => messages.push(m),
    });
    for (const r of runs) {
      const lines = messages.filter((m) => m.startsWith(`trained run ${r.id} (${runLabel(r.config)}): `));
      assert.equal(lines.length, 1, r.id);
      assert.match(
        lines[0],
        r.config.method.id === "pcgrad" ? /: failed in \d+\.\d s$/ : /: ok in \d+\.\d s$/,
      );
    }
    const uw = runs.find((r) => r.config.method.id === "uw")!;
    await Deno.remove(`${dir}/runs/${uw.id}/result.json`); // its task died while training it
    const failed = runs.filter((r) => r.config.method.id === "pcgrad");

    const check = await incompleteRuns(dir);
    assert.ok(check.planned === 6);
    assert.deepEqual(
      check.incomplete.map((x) => `${x.state} ${x.id}`).sort(),
      [`missing ${uw.id}`, ...failed.map((r) => `failed ${r.id}`)].sort(),
    );

    const r = await runTask("cli", ["report", dir, "--complete"]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.ok(
      lines.includes("report: incomplete: 3 of the 6 planned runs have no ok result (1 missing, 2 failed):"),
      r.stderr,
    );
    assert.ok(lines.includes(`  missing ${uw.id} ${runLabel(uw.config)}`), r.stderr);
    for (const f of failed) {
      assert.ok(lines.some((l) => l.startsWith(`  failed ${f.id} ${runLabel(f.config)}: `)), r.stderr);
    }
    assert.ok(!/^\s+at /m.test(r.stderr));
    // The report is written all the same.
    assert.ok((await Deno.stat(`${dir}/README.md`)).isFile);
    const j = await runTask("cli", ["report", dir, "--complete", "--json"]);
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).incomplete.length, 3);

    // Resumed to completion: exit 0, nothing named.
    await runSuite(runs, { outDir: dir, executor: syntheticExecutor(), suite, retryFailed: true });
    const ok = await runTask("cli", ["report", dir, "--complete"]);
    checkOutcome("complete", ok, { code: 0 });
    assert.ok(!ok.stderr.includes("incomplete"));

    await Deno.remove(`${dir}/suite.json`);
    const none = await runTask("cli", ["report", dir, "--complete"]);
    checkOutcome("no plan", none, {
      code: 2,
      message:
        /^report --complete: .*: no suite\.json: every stored result is reported; cannot tell which runs/,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
