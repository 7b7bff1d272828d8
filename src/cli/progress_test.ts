import assert from "node:assert/strict";
import { activeRunText, formatDuration, progressLine, ProgressReporter, usableColumns } from "./progress.ts";
import type { SuiteProgress } from "../suite/runner.ts";

function progress(now: number): SuiteProgress {
  return {
    runsTotal: 4,
    runsDone: 1,
    runsFailed: 0,
    stepsTotal: 4000,
    stepsDone: 1000,
    current: "",
    // 600 of 1000 steps in 30 s: 20 s to go.
    active: [{
      label: "moons/mlp snr k=5 uw seed 1",
      step: 600,
      steps: 1000,
      phase: "train",
      loss: 0.412345,
      startedMs: now - 30_000,
    }],
  };
}

Deno.test("progress line: the suite's share and ETA, then the current run's step, loss and ETA", () => {
  const now = 100_000;
  // 25% done after 60 s: 180 s to go.
  const line = progressLine(progress(now), 60, 8, now);
  assert.equal(
    line,
    "[##------]  25.0% runs 1/4 | elapsed 1:00 ETA 3:00 | moons/mlp snr k=5 uw seed 1 step 600/1000 loss 0.4123 ETA 0:20",
  );
  assert.equal(
    activeRunText({ ...progress(now).active[0], phase: "eval", loss: undefined }, now),
    "moons/mlp snr k=5 uw seed 1 eval at 600/1000 ETA 0:20",
  );
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "--:--");
});

Deno.test("progress reporter: a bar redrawn in place on a terminal, plain lines without one or with zero columns", () => {
  const out: string[] = [];
  const tty = new ProgressReporter(() => 40, (s) => out.push(s));
  tty.update(progress(performance.now()));
  assert.equal(out.length, 1);
  assert.ok(out[0].startsWith("\r\x1b[K["));
  assert.equal(out[0].length, "\r\x1b[K".length + 39, "cut to the terminal's width");
  tty.log("bench: a message");
  assert.equal(out[1], "\r\x1b[Kbench: a message\n");
  tty.done();
  assert.equal(out[2], "\n");

  assert.equal(usableColumns(0), null, "a terminal with zero columns gets plain lines");
  assert.equal(usableColumns(null), null);
  assert.equal(usableColumns(80), 80);
  for (const cols of [null, 0]) {
    const lines: string[] = [];
    const plain = new ProgressReporter(() => usableColumns(cols), (s) => lines.push(s));
    plain.update(progress(performance.now()));
    plain.update(progress(performance.now())); // rate-limited: nothing new within 10 s
    plain.log("bench: a message");
    plain.done();
    assert.equal(lines.length, 2);
    assert.ok(lines[0].startsWith("[") && lines[0].endsWith("\n") && !lines[0].includes("\x1b"));
    assert.match(lines[0], /step 600\/1000 loss 0\.4123 ETA/);
    assert.equal(lines[1], "bench: a message\n");
  }
});
