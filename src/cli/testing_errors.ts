/**
 * Test helpers for the CLI error-path tests (bench_errors_test.ts, cli_errors_test.ts): a scratch
 * directory inside the project (the bench task may read only the project and write only reports/ and
 * .cache/, so its inputs live under .cache/), fixture writers, and the check of one case's outcome:
 * its exit code and the shape of its message (one `error:` line naming what is wrong, no stack frame).
 *
 * @module
 */
import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { REPO_ROOT } from "../data/files.ts";
import { formatNpy } from "../metrics/npy.ts";
import type { TaskRun } from "./testing_tasks.ts";

/** A scratch directory under .cache/ (inside what the bench task may read and write). */
export async function scratchDir(tag: string): Promise<{ abs: string; rel: string }> {
  const rel = `.cache/test-${tag}-${crypto.randomUUID().slice(0, 8)}`;
  const abs = `${REPO_ROOT}/${rel}`;
  await Deno.mkdir(abs, { recursive: true });
  return { abs, rel };
}

/** A small valid suite (MLP on moons, a few steps, wasm: no WebGPU probe), with `over` merged in. */
export function tinySuite(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    backend: "wasm",
    datasets: [{ id: "moons", options: { n: 256 } }],
    objectives: ["timestep"],
    k: [2],
    methods: ["uw"],
    seeds: 1,
    steps: 4,
    T: 20,
    train: { batchSize: 32 },
    eval: { samples: 50, referenceSamples: 50, sampler: { steps: 2 }, metrics: ["fd"], floorResamples: 2 },
    controls: false,
    ...over,
  };
}

/** An int64 .npy (numpy's `np.save(f, np.arange(n * d).reshape(n, d))`). */
export function int64Npy(n: number, d: number): Uint8Array {
  let dict = `{'descr': '<i8', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  dict += " ".repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + "\n";
  const header = new TextEncoder().encode(dict);
  const out = new Uint8Array(10 + header.length + 8 * n * d);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(header, 10);
  const v = new BigInt64Array(out.buffer, 10 + header.length, n * d);
  for (let i = 0; i < n * d; i++) v[i] = BigInt(i);
  return out;
}

/** A float64 n×d .npy of seeded values, with NaN at (row, col) when given. */
export function featureNpy(n: number, d: number, nanAt?: [number, number]): Uint8Array {
  const data = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) + (i % 5) * 0.1);
  if (nanAt) data[nanAt[0] * d + nanAt[1]] = NaN;
  return formatNpy({ dtype: "<f8", shape: [n, d], data });
}

/** A w×h RGB PNG of a seeded pattern. */
export function png(w: number, h: number, seed: number): Uint8Array {
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 31 + seed * 17) & 255);
  return encodePng({ width: w, height: h, data, channels: 3, depth: 8 });
}

/** What a case expects. */
export interface Expect {
  code: number;
  /** The error line (after "error: ") must match. */
  message?: RegExp;
  /** stdout must match. */
  stdout?: RegExp;
  /** More than one problem line is expected (a multi-problem list). */
  multiline?: boolean;
}

/** Assert a task run's exit code and message shape (see the module doc). */
export function checkOutcome(label: string, r: TaskRun, e: Expect): void {
  const all = `${r.stdout}\n${r.stderr}`;
  const ctx = `${label}\n--- exit ${r.code}; stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
  assert.equal(r.code, e.code, ctx);
  assert.ok(!/^\s+at /m.test(all), `stack frame in the output of ${ctx}`);
  assert.ok(!/Option '--|argument is ambiguous|XYZ/.test(all), `Node parser text in ${ctx}`);
  if (e.stdout) assert.match(r.stdout, e.stdout, ctx);
  if (e.code !== 0 && e.code !== 1) {
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    const errors = lines.filter((l) => l.startsWith("error: ") || l.startsWith("internal error: "));
    assert.equal(errors.length, 1, `exactly one error line expected in ${ctx}`);
    if (!e.multiline) {
      assert.equal(lines[lines.length - 1], errors[0], `the error line is the last line of ${ctx}`);
      const others = lines.filter((l) => l !== errors[0] && !l.startsWith("bench: "));
      assert.deepEqual(others, [], `nothing but the error line on stderr in ${ctx}`);
    }
    if (e.message) assert.match(errors[0].replace(/^error: /, ""), e.message, ctx);
  }
}
