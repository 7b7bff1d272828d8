import assert from "node:assert/strict";
import { cosineBetas, ldmLinearBetas, linearBetas, makeSchedule } from "./schedule.ts";

Deno.test("linear betas: endpoints and constant spacing (Ho et al. 2020: 1e-4..0.02)", () => {
  const b = linearBetas(1000);
  assert.equal(b[0], 1e-4);
  assert.ok(Math.abs(b[999] - 0.02) < 1e-15);
  // spacing (0.02 - 1e-4) / 999
  assert.ok(Math.abs(b[500] - b[499] - 0.0199 / 999) < 1e-15);
});

Deno.test("linear schedule: alpha-bar is the running product, closed form for T = 2", () => {
  const s = makeSchedule("linear", 2);
  assert.ok(Math.abs(s.alphaBar[0] - (1 - 1e-4)) < 1e-15);
  assert.ok(Math.abs(s.alphaBar[1] - (1 - 1e-4) * (1 - 0.02)) < 1e-15);
  assert.equal(s.alphaBarPrev[0], 1);
  assert.equal(s.alphaBarPrev[1], s.alphaBar[0]);
  // SNR and log-SNR by definition
  const ab = (1 - 1e-4) * 0.98;
  assert.ok(Math.abs(s.snr[1] - ab / (1 - ab)) < 1e-9);
  assert.ok(Math.abs(s.logSnr[1] - Math.log(ab / (1 - ab))) < 1e-12);
});

Deno.test("cosine schedule matches Nichol & Dhariwal Eq. 17 (alpha-bar telescopes to f(t+1)/f(0))", () => {
  const T = 1000, s = 0.008;
  const f = (u: number) => Math.cos(((u + s) / (1 + s)) * Math.PI / 2) ** 2;
  const sch = makeSchedule("cosine", T);
  // Below the 0.999 cap the product telescopes exactly.
  for (const t of [0, 1, 10, 100, 500, 900]) {
    const expected = f((t + 1) / T) / f(0);
    assert.ok(Math.abs(sch.alphaBar[t] - expected) < 1e-12, `t=${t}`);
  }
  // The last beta hits the cap (f(1) = cos²(π/2) = 0).
  assert.equal(cosineBetas(T)[T - 1], 0.999);
  // log-SNR is strictly decreasing.
  for (let t = 1; t < T; t++) assert.ok(sch.logSnr[t] < sch.logSnr[t - 1]);
});

Deno.test("schedules reject bad T", () => {
  assert.throws(() => makeSchedule("linear", 0), /T must be an integer >= 1, got 0/);
  assert.throws(() => makeSchedule("cosine", 2.5), /got 2.5/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => makeSchedule("sigmoid" as any, 10), /allowed: linear, cosine/);
});

Deno.test("ldm-linear: linear in sqrt(beta) from 0.0015 to 0.0195 (LDM's FFHQ config)", () => {
  const b = ldmLinearBetas(1000);
  assert.ok(Math.abs(b[0] - 0.0015) < 1e-15);
  assert.ok(Math.abs(b[999] - 0.0195) < 1e-15);
  // √β_t is an arithmetic sequence: √β_500 − √β_499 = (√0.0195 − √0.0015) / 999.
  assert.ok(
    Math.abs(Math.sqrt(b[500]) - Math.sqrt(b[499]) - (Math.sqrt(0.0195) - Math.sqrt(0.0015)) / 999) < 1e-15,
  );
  const s = makeSchedule("ldm-linear", 1000);
  assert.equal(s.id, "ldm-linear");
  assert.ok(Math.abs(s.alphaBar[1] - (1 - b[0]) * (1 - b[1])) < 1e-15);
});
