/**
 * Test helper (lock_test.ts): a stand-in for `deno task bench` in its own process. It locks the output
 * directory (whole, or one shard), runs a small synthetic suite with a delay per run, and prints one JSON
 * line `{"executed": [ids], "byOthers": n}`; a directory in use exits 2 with the message on stderr.
 * With HOLD=1 it only takes the lock (or a claim on runs/<id>) and waits to be killed.
 *
 *     deno run -A src/suite/testing_bench_process.ts OUT_DIR [i/n | -] [DELAY_MS]
 *
 * @module
 */
import { claimRun, holderInfo, lockOutputDir } from "./lock.ts";
import { runSuite } from "./runner.ts";
import { syntheticExecutor } from "./synthetic_executor.ts";
import { parseShard } from "./shard.ts";
import { testPlan } from "./testing_plan.ts";
import { EnvironmentError } from "../runtime/errors.ts";

const [outDir, shardArg = "-", delayArg = "50"] = Deno.args;
const shard = shardArg === "-" ? undefined : parseShard(shardArg);
const timing = { heartbeatMs: 100, staleMs: 2000 };
try {
  const hold = Deno.env.get("HOLD");
  if (hold?.startsWith("claim:")) {
    const r = await claimRun(`${outDir}/runs/${hold.slice(6)}`, holderInfo("claim", "holder"), { timing });
    console.log(r.held ? "held" : "busy");
    await new Promise(() => {});
  }
  const lock = await lockOutputDir(outDir, {
    command: `test bench ${shardArg}`,
    ...(shard ? { shard } : {}),
    timing,
    onTakeover: (_h, why) => console.error(`taking over the lock of ${outDir}: ${why}`),
  });
  if (hold) {
    console.log("held");
    await new Promise(() => {});
  }
  const executed: string[] = [];
  const { runs, suite } = await testPlan();
  const summary = await runSuite(runs, {
    outDir,
    executor: syntheticExecutor({ delayMs: Number(delayArg), onRun: () => {} }),
    ...(shard ? { shard } : {}),
    suite,
    lockTiming: timing,
    pollMs: 50,
    onProgress: () => {},
    onMessage: (m) => console.error(m),
    onSamples: (dir) => {
      const id = dir.split("/").pop()!;
      if (!executed.includes(id)) executed.push(id);
      return Promise.resolve();
    },
  });
  await lock.release();
  console.log(JSON.stringify({ executed, byOthers: summary.byOthers }));
} catch (e) {
  if (e instanceof EnvironmentError) {
    console.error(`error: ${e.message}`);
    Deno.exit(2);
  }
  throw e;
}
