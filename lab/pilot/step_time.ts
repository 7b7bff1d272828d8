// Pilot helper (not committed as a benchmark): interleaved step times of U-Net variants on digits8 and of
// the MLP on checkerboard, through the production seam, to size ant-table1. Prints ms/step and loadavg.
import { initBackend } from "../../src/runtime/backend.ts";
import { assembleRun } from "../../src/train/assemble.ts";
import type { RunConfig } from "../../src/train/types.ts";

await initBackend(Deno.env.get("BACKEND") ?? "wasm");
const base = (
  model: RunConfig["model"],
  dataset: RunConfig["dataset"],
  batch: number,
  method = "vanilla",
  objective = "none",
  k = 1,
): RunConfig => ({
  suite: "p",
  dataset,
  model,
  diffusion: { schedule: "linear", T: 1000 },
  clustering: { objective, k, sampler: objective === "none" ? "uniform" : "stratified" },
  method: { id: method, options: {} },
  seed: 0,
  train: { steps: 1000, batchSize: batch, lr: 1e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.995 },
  eval: {
    at: [1000],
    samples: 10,
    referenceSamples: 10,
    sampler: { kind: "ddim", steps: 2, eta: 0 },
    metrics: ["fd"],
    useEma: true,
  },
  backend: "wasm",
});
const unet = (channels: number) => ({
  id: "unet",
  options: { channels, channelMult: [1, 2], numResBlocks: 1, groups: 4, midAttention: true },
});
const variants: [string, RunConfig][] = [];
for (const a of Deno.args) {
  const [kind, p1, p2, method, obj] = a.split(":");
  if (kind === "unet") {
    variants.push([
      a,
      base(
        unet(Number(p1)),
        { id: "digits8", options: {} },
        Number(p2),
        method ?? "vanilla",
        obj ?? "none",
        obj ? 5 : 1,
      ),
    ]);
  } else {variants.push([
      a,
      base(
        { id: "mlp", options: {} },
        { id: "checkerboard", options: {} },
        Number(p2),
        method ?? "vanilla",
        obj ?? "none",
        obj ? 5 : 1,
      ),
    ]);}
}
const runs = await Promise.all(variants.map(([, c]) => assembleRun(c)));
const times: number[][] = variants.map(() => []);
let step = 0;
for (const r of runs) {
  for (let i = 0; i < 3; i++) {
    await r.step(step++);
    await r.stepper.readLosses();
  }
}
const rounds = Number(Deno.env.get("ROUNDS") ?? 5), per = Number(Deno.env.get("PER") ?? 5);
const load0 = Deno.readTextFileSync("/proc/loadavg").trim();
for (let round = 0; round < rounds; round++) {
  for (const [i, r] of runs.entries()) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) {
      await r.step(step++);
      await r.stepper.readLosses();
    }
    times[i].push((performance.now() - t0) / per);
  }
}
const load1 = Deno.readTextFileSync("/proc/loadavg").trim();
const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
for (const [i, [name]] of variants.entries()) {
  console.log(
    `${name}\tparams ${runs[i].model.paramCount()}\tms/step median ${
      med(times[i]).toFixed(1)
    }\tratio to first ${(med(times[i]) / med(times[0])).toFixed(2)}`,
  );
}
console.log(`loadavg before: ${load0}\nloadavg after: ${load1}`);
for (const r of runs) r.dispose();
