import assert from "node:assert/strict";
import { perfMain } from "./main.ts";
import { foreignBusyLoop } from "./testing.ts";

const SMALL = ["--backend", "wasm", "--models", "mlp", "--batch", "10", "--rounds", "2", "--repeats", "1"];

Deno.test("perfMain writes perf.json and perf.md outside reports/perf whatever the load (MLP on wasm)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // --load-limit 1000: every round passes, so the exit code reflects only the rows.
    const code = await perfMain([...SMALL, "--warmup", "0", "--load-limit", "1000", "--out", dir]);
    assert.equal(code, 0);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/perf.json`));
    assert.equal(report.schema, "antbench.perf/2");
    assert.equal(report.rows.length, 1);
    assert.equal(report.rows[0].status, "ok");
    assert.equal(report.rows[0].dataset, "swissroll");
    assert.equal(report.rounds.filter((r: { kept: boolean }) => r.kept).length, 2);
    const md = await Deno.readTextFile(`${dir}/perf.md`);
    assert.match(md, /\| wasm \| mlp \| 2 \| 10 \| \d+ \| vanilla \|/);
    assert.match(md, /Environments:\n- wasm: Deno /);
    assert.match(md, /fp32 peak \(.*\): \d+ cores × \(\d+\/32 = \d+ lanes\) × 2 FLOP\/FMA × \d FMA units/);
    assert.match(md, /FMA units per core are an assumption/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("perfMain: a noisy result is not written into reports/perf/ but into .cache/perf/, exit code 1", async () => {
  const cwd = Deno.cwd();
  const initCwd = Deno.env.get("INIT_CWD");
  const root = await Deno.makeTempDir();
  // A busy process outside the benchmark's process tree: about one core of foreign load in every round.
  const stop = await foreignBusyLoop();
  try {
    Deno.chdir(root);
    // Command-line paths are taken from the caller's directory (INIT_CWD under deno task): here, root.
    Deno.env.set("INIT_CWD", root);
    // 30 steps per round: long enough for the tick resolution of /proc to resolve the 0.3-core limit.
    const args = [...SMALL, "--repeats", "30", "--warmup", "0", "--retries", "1", "--out", "reports/perf/x"];
    const code = await perfMain(args);
    const report = JSON.parse(await Deno.readTextFile(`${root}/.cache/perf/x/perf.json`));
    assert.equal(report.quiet, false);
    assert.equal(code, 1);
    assert.equal(report.noisyRounds, 2);
    assert.equal(report.rounds.length, 4, "each round repeated once, then kept");
    assert.ok(report.rounds.every((r: { load: { foreignCores: number } }) => r.load.foreignCores > 0.3));
    await assert.rejects(() => Deno.stat(`${root}/reports/perf/x/perf.json`), Deno.errors.NotFound);
    assert.match(await Deno.readTextFile(`${root}/.cache/perf/x/perf.md`), /\*\*NOISY\*\*/);
    // With --allow-noisy it is published, marked noisy.
    assert.equal(await perfMain([...SMALL, "--retries", "0", "--allow-noisy", "--out", "reports/perf/x"]), 0);
    const published = JSON.parse(await Deno.readTextFile(`${root}/reports/perf/x/perf.json`));
    assert.equal(published.quiet, false);
    assert.equal(published.rows[0].noisy, true);
  } finally {
    stop();
    Deno.chdir(cwd);
    if (initCwd === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", initCwd);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("perf --backend native where the library cannot load (no --allow-ffi): failed rows naming why, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-read",
        `--allow-write=${dir}`,
        "--allow-env",
        "--allow-sys",
        new URL("./main.ts", import.meta.url).pathname,
        ...SMALL,
        "--backend",
        "native,wasm",
        "--warmup",
        "0",
        "--load-limit",
        "1000",
        "--out",
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/perf.json`));
    const [native, wasm] = report.rows;
    assert.equal(native.backend, "native");
    assert.equal(native.status, "failed");
    assert.match(native.note, /^backend: native unavailable \(.*not permitted \(run with --allow-ffi=/);
    assert.equal(wasm.status, "ok", "the other backends still run");
    assert.equal(report.environments.native, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
