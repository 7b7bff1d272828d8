import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { main } from "./main.ts";
import { fakeRun } from "../report/test_results.ts";
import { runDir, writeResult } from "../suite/store.ts";

// Oracle: SciPy (fixtures/report/power_oracle.py, "follow_up").
const oracle = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/report/power_oracle.json", import.meta.url)),
).follow_up;

async function resultsDir(): Promise<string> {
  // Paired FD differences −0.1, +0.05, −0.1 against vanilla's mean 1.1; SWD gives the second test (m = 2).
  const dir = await Deno.makeTempDir();
  for (const seed of [0, 1, 2]) {
    for (
      const r of [
        fakeRun({
          method: "vanilla",
          objective: "none",
          k: 1,
          seed,
          curves: { "fd-data": [2, [1.0, 1.2, 1.1][seed]], "swd-data": [3, [2, 2.1, 2.3][seed]] },
        }),
        fakeRun({
          method: "uw",
          objective: "timestep",
          k: 2,
          seed,
          curves: { "fd-data": [2, [0.9, 1.25, 1.0][seed]], "swd-data": [3, [2.2, 2.0, 2.3][seed]] },
        }),
      ]
    ) await writeResult(runDir(dir, r.id), r);
  }
  return dir;
}

Deno.test("cli power: seeds a follow-up needs, with and without Holm, match SciPy", async () => {
  const dir = await resultsDir();
  try {
    const { code, out } = await capture(() => main(["power", dir, "--json"]));
    assert.equal(code, 0);
    const r = JSON.parse(out.join("\n"));
    assert.equal(r.effect, 0.1);
    assert.equal(r.rows.length, 1);
    const row = r.rows[0];
    assert.equal(row.row, "timestep k=2 uw");
    assert.equal(row.metric, "fd-data");
    assert.equal(row.n, 3);
    assert.equal(row.m, 2);
    assert.ok(Math.abs(row.relativeSd - Math.sqrt(0.0075) / 1.1) < 1e-5);
    assert.ok(Math.abs(row.powerNow - oracle.power_now) < 1e-5, String(row.powerNow));
    assert.equal(row.seeds, oracle.n);
    assert.equal(row.seedsHolm, oracle.n_holm2);
    // Markdown: one line per row and comparison.
    const md = await capture(() => main(["power", dir]));
    assert.match(md.out.join("\n"), /\| timestep k=2 uw \| fd-data \| vanilla \| 3 \|.*\| 8 \| 9 \(m=2\) \|/);
    // Another metric, a larger effect: fewer seeds.
    const swd = JSON.parse(
      (await capture(() => main(["power", dir, "--metric", "swd-data", "--json", "--effect", "0.5"]))).out[0],
    );
    assert.equal(swd.rows[0].metric, "swd-data");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli power: unusable input exits 2 with a named problem", async () => {
  const dir = await resultsDir();
  const empty = await Deno.makeTempDir();
  const err = console.error;
  const messages: string[] = [];
  console.error = (...a: unknown[]) => void messages.push(a.join(" "));
  try {
    assert.equal(await main(["power"]), 2);
    assert.equal(await main(["power", empty]), 2);
    assert.match(messages.at(-1)!, /power: no run results under/);
    assert.equal(await main(["power", dir, "--metric", "fdd"]), 2);
    assert.match(messages.at(-1)!, /--metric: got "fdd"; allowed: fd-data \| swd-data/);
    assert.equal(await main(["power", dir, "--effect=-1"]), 2);
    assert.match(messages.at(-1)!, /--effect: got "-1"/);
    assert.equal(await main(["power", dir, "--power", "2"]), 2);
  } finally {
    console.error = err;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});
