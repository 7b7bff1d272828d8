/**
 * A benchmark contender: one assembled production run (src/train/assemble.ts) that the benchmarks step in
 * timed blocks. A block runs the trainer's steps exactly as `runTraining` does — the trainer's batch of
 * each step, the shared stepper, the pending losses read every `lossReadInterval` steps (every step on
 * wasm/cpu, every 20 on webgpu) and at the end of the block — so its time is training time.
 *
 * @module
 */
import { type AssembledRun, type AssembleOptions, assembleRun } from "../../src/train/assemble.ts";
import type { AssemblyConfig } from "../../src/train/assemble.ts";
import { lossReadInterval } from "../../src/train/run.ts";
import * as tf from "@tensorflow/tfjs-core";
import { profileStep, type StepProfile } from "./kernels.ts";

/** A timed block of steps. */
export interface Block {
  /** Time of each step (ms), including the loss read where the trainer reads. */
  ms: number[];
  /** Wall time of the whole block (ms). */
  wallMs: number;
  /** The losses read, in step order. */
  losses: number[];
}

/** One production run under benchmark. */
export interface Contender {
  /** The assembled run. */
  readonly run: AssembledRun;
  /** Model parameters. */
  readonly params: number;
  /** Steps between loss reads on the active backend. */
  readonly readEvery: number;
  /** The next step number. */
  readonly nextStep: number;
  /** Run `n` steps; throws when a loss is not finite. */
  block(n: number): Promise<Block>;
  /** Profile one more step (with its loss read): kernels per step, FLOPs, top kernels. */
  profile(): Promise<StepProfile>;
  /** Release the run. */
  dispose(): void;
}

/** Assemble `config` on the active backend as a contender. */
export async function createContender(
  config: AssemblyConfig,
  opts: AssembleOptions & { lossReadEvery?: number } = {},
): Promise<Contender> {
  const run = await assembleRun(config, opts);
  const readEvery = lossReadInterval(tf.getBackend(), opts.lossReadEvery);
  let next = 0;
  const check = (losses: Float32Array, last: number): number[] => {
    const out = Array.from(losses);
    out.forEach((l, i) => {
      if (!Number.isFinite(l)) throw new Error(`loss became ${l} at step ${last - out.length + 1 + i}`);
    });
    return out;
  };
  return {
    run,
    params: run.model.paramCount(),
    readEvery,
    get nextStep() {
      return next;
    },
    async block(n) {
      const ms: number[] = [];
      const losses: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const s0 = performance.now();
        const step = next++;
        await run.step(step);
        if (run.stepper.pendingLosses >= readEvery || i === n - 1) {
          losses.push(...check(await run.stepper.readLosses(), step));
        }
        ms.push(performance.now() - s0);
      }
      return { ms, wallMs: performance.now() - t0, losses };
    },
    profile() {
      return profileStep(async () => {
        const step = next++;
        await run.step(step);
        check(await run.stepper.readLosses(), step);
      });
    },
    dispose() {
      run.dispose();
    },
  };
}
