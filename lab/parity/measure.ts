/**
 * Measure how far antbench and the PyTorch reference are apart on every CI parity case
 * (lab/parity/cases.ts), with PyTorch in float32 and float64, and record the numbers that justify the
 * tolerances of lab/parity/parity_test.ts in fixtures/parity/measured.{json,md}.
 *
 * Columns: antbench vs torch-float32 ("ab–t32"), antbench vs torch-float64 ("ab–t64", distance from exact
 * arithmetic) and torch-float32 vs torch-float64 ("t32–t64", PyTorch's own float32 rounding).
 *
 * Run: node_modules/.bin/deno run -A lab/parity/measure.ts [OUT_DIR]
 *
 * @module
 */
import { initBackend } from "../../src/runtime/backend.ts";
import { PARITY_CASES } from "./cases.ts";
import {
  exportParityCase,
  maxRelDiff,
  readTrajectory,
  relL2,
  runTorchParity,
  type Trajectory,
} from "./export.ts";
import { atomicWriteFile, atomicWriteJson } from "../../src/runtime/atomic_write.ts";

const out = Deno.args[0] ?? "fixtures/parity";
// Optional second argument: a comma-separated list of case names (for a quick look; the fixture has all).
const only = Deno.args[1]?.split(",");
const info = await initBackend("wasm");
const root = await Deno.makeTempDir({ prefix: "antbench-parity-measure-" });
const rows: Record<string, unknown>[] = [];
const sig = (x: number) => Number(x.toPrecision(3));
try {
  const runs = [];
  for (const c of PARITY_CASES.filter((c) => !only || only.includes(c.name))) {
    runs.push(await exportParityCase({ ...c, referenceDtypes: ["float32", "float64"] }, `${root}/${c.name}`));
  }
  await runTorchParity(runs.map((r) => r.dir), "both");
  for (const run of runs) {
    const a = run.trajectory;
    const t32 = await readTrajectory(run.dir, "torch32_");
    const t64 = await readTrajectory(run.dir, "torch64_");
    const triple = (f: (t: Trajectory) => ArrayLike<number>, d: typeof relL2) =>
      [d(f(a), f(t32)), d(f(a), f(t64)), d(f(t32), f(t64))].map(sig);
    const worstGrad = (x: Trajectory, y: Trajectory) =>
      Math.max(...x.clusterGrads.map((g, i) => relL2(g, y.clusterGrads[i])));
    rows.push({
      case: run.dir.split("/").pop(),
      params: run.paramCount,
      lossMaxRel: triple((t) => t.losses, maxRelDiff),
      clusterGradRelL2: [worstGrad(a, t32), worstGrad(a, t64), worstGrad(t32, t64)].map(sig),
      updateRelL2: triple((t) => t.update, relL2),
      weights1RelL2: triple((t) => t.weights1, relL2),
      finalRelL2: triple((t) => t.final, relL2),
      emaRelL2: triple((t) => t.ema!, relL2),
    });
  }
} finally {
  await Deno.remove(root, { recursive: true });
}
const cols = ["lossMaxRel", "clusterGradRelL2", "updateRelL2", "weights1RelL2", "finalRelL2", "emaRelL2"];
const md = [
  "# antbench vs PyTorch: measured differences on the parity cases",
  "",
  "Each cell: antbench–torch32 / antbench–torch64 / torch32–torch64 (relative; losses: max over 50 steps,",
  "vectors: ‖a−b‖/‖b‖). Written by lab/parity/measure.ts; backend " +
  `${info.name} (SIMD ${info.wasmSimd}).`,
  "",
  `| case | params | ${cols.join(" | ")} |`,
  `|---|---|${cols.map(() => "---").join("|")}|`,
  ...rows.map((r) =>
    `| ${r.case} | ${r.params} | ${
      cols.map((c) => (r[c] as number[]).map((x) => x.toExponential(1)).join(" / ")).join(" | ")
    } |`
  ),
  "",
].join("\n");
await Deno.mkdir(out, { recursive: true });
await atomicWriteJson(`${out}/measured.json`, { script: "lab/parity/measure.ts", rows });
await atomicWriteFile(`${out}/measured.md`, md);
console.log(md);
