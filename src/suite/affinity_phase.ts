/**
 * Phase 1 of a suite with an affinity source (src/suite/affinity_source.ts): compute every affinity job
 * that has no matrix yet, `jobs` at a time, under the same claim protocol as runs (src/suite/lock.ts):
 * each job is claimed (`affinity/<key>.claim`) before it starts and released after its matrix is written.
 * A job claimed by a live process is left to it and waited for (polling every `pollMs`); a stale claim is
 * taken over. So shards and concurrent benches sharing a directory compute each matrix once, in parallel
 * across processes, and each returns only when every job it was given has a matrix or has failed here.
 *
 * A failed job leaves no file (the next bench tries again) and is reported; its dependent runs stay
 * pending.
 *
 * @module
 */
import type { AffinityJobProgress, AffinityJobSummary } from "./affinity_job.ts";
import { affinityDone, type AffinityJob, affinityPaths } from "./affinity_source.ts";
import type { ActiveRun, SuiteProgress } from "./runner.ts";
import { drainClaimQueue } from "./claim_queue.ts";
import type { Shard } from "./shard.ts";
import { describeHolder, holderInfo, type LockTiming, tryAcquire } from "./lock.ts";

/** Computes one job (a bench worker, or in-process in tests). */
export type AffinityExecutor = (
  job: AffinityJob,
  ctx: { onProgress(p: AffinityJobProgress): void },
) => Promise<AffinityJobSummary>;

/** Options of {@link runAffinityPhase}. */
export interface AffinityPhaseOptions {
  /** Computes one job. */
  executor: AffinityExecutor;
  /** Jobs in flight (default 1). */
  jobs?: number;
  /** Who claims the jobs, for other processes' messages (default "bench"). */
  command?: string;
  /** The shard this process runs (recorded in its claims). */
  shard?: Shard;
  /** Heartbeat and staleness of the claims (default DEFAULT_LOCK_TIMING). */
  lockTiming?: LockTiming;
  /** How often to look again at jobs claimed by another process (default 5 s). */
  pollMs?: number;
  /** Diagnostics (claims taken over, jobs left to other processes). */
  onMessage?: (line: string) => void;
  /** Progress in the units of the suite bar: jobs as runs, training steps and gradients as steps. */
  onProgress?: (p: SuiteProgress) => void;
}

/** What phase 1 did. */
export interface AffinityPhaseSummary {
  /** Jobs given. */
  planned: number;
  /** Jobs whose matrix existed already. */
  skipped: number;
  /** Jobs computed here (ok or failed). */
  executed: number;
  /** Jobs computed here that wrote their matrix. */
  ok: number;
  /** Jobs that failed here. */
  failed: number;
  /** Why each failed job failed. */
  failures: { key: string; label: string; error: string }[];
  /** Jobs another process computed (or was computing) while this one ran. */
  byOthers: number;
  /** The summaries of the jobs computed here. */
  summaries: AffinityJobSummary[];
}

/** Compute the jobs that have no matrix (see the module doc). */
export async function runAffinityPhase(
  all: readonly AffinityJob[],
  opts: AffinityPhaseOptions,
): Promise<AffinityPhaseSummary> {
  const todo: AffinityJob[] = [];
  for (const j of all) if (!(await affinityDone(j))) todo.push(j);
  const summary: AffinityPhaseSummary = {
    planned: all.length,
    skipped: all.length - todo.length,
    executed: 0,
    ok: 0,
    failed: 0,
    failures: [],
    byOthers: 0,
    summaries: [],
  };
  // Units per job: its training steps (an upper bound: reused checkpoints skip them) plus its gradients.
  const units = (j: AffinityJob) =>
    j.source.checkpoints[j.source.checkpoints.length - 1] +
    j.source.checkpoints.length * Math.ceil(j.vanilla.config.diffusion.T / j.source.grid);
  const progress: SuiteProgress = {
    runsTotal: todo.length,
    runsDone: 0,
    runsFailed: 0,
    stepsTotal: todo.reduce((s, j) => s + units(j), 0),
    stepsDone: 0,
    current: "",
    active: [],
  };
  // The jobs in flight, for the progress lines (as the runner's runs).
  const active = new Map<string, ActiveRun>();
  const snapshot = (): SuiteProgress => ({
    ...progress,
    active: [...active.values()].map((a) => ({ ...a })),
  });
  opts.onProgress?.(snapshot());
  const finish = (j: AffinityJob, credited: number) => {
    active.delete(j.key);
    progress.stepsDone += units(j) - credited;
    progress.runsDone++;
    opts.onProgress?.(snapshot());
  };
  const told = new Set<string>();

  const one = async (job: AffinityJob): Promise<"done" | "busy"> => {
    const paths = affinityPaths(job);
    await Deno.mkdir(paths.dir, { recursive: true });
    const info = holderInfo("claim", opts.command ?? "bench", {
      run: `affinity ${job.key}`,
      ...(opts.shard ? { shard: `${opts.shard.index}/${opts.shard.count}` } : {}),
    });
    const claim = await tryAcquire(paths.claim, info, {
      ...(opts.lockTiming ? { timing: opts.lockTiming } : {}),
      onTakeover: (h, why) =>
        opts.onMessage?.(
          `taking over affinity ${job.key} (${job.label}) from ${
            h ? describeHolder(h) : "an unreadable claim"
          }: ${why}`,
        ),
    });
    if (!claim.held) {
      if (!told.has(job.key)) {
        told.add(job.key);
        opts.onMessage?.(
          `affinity ${job.key} (${job.label}) is being computed by ${
            claim.holder ? describeHolder(claim.holder) : "another process"
          }; waiting for it`,
        );
      }
      return "busy";
    }
    try {
      if (await affinityDone(job)) {
        summary.byOthers++;
        finish(job, 0);
        return "done";
      }
      let credited = 0;
      const label = `affinity ${job.label}`;
      active.set(job.key, {
        label,
        step: 0,
        steps: units(job),
        phase: "train",
        startedMs: performance.now(),
      });
      try {
        const s = await opts.executor(job, {
          onProgress(p) {
            const base = p.phase === "train" ? 0 : job.source.checkpoints[job.source.checkpoints.length - 1];
            const now = Math.min(units(job), base + p.done);
            if (now > credited) {
              progress.stepsDone += now - credited;
              credited = now;
            }
            progress.current = `${label}: ${p.phase === "train" ? "training vanilla" : "task gradients"} ` +
              `${p.done}/${p.total}`;
            const a = active.get(job.key);
            if (a) Object.assign(a, { step: now, phase: p.phase === "train" ? "train" : "eval" });
            opts.onProgress?.(snapshot());
          },
        });
        summary.ok++;
        summary.summaries.push(s);
        progress.current = `${label}: ok`;
      } catch (e) {
        summary.failed++;
        progress.runsFailed++;
        summary.failures.push({
          key: job.key,
          label: job.label,
          error: e instanceof Error ? e.message : String(e),
        });
        progress.current = `${label}: failed`;
      }
      summary.executed++;
      finish(job, credited);
      return "done";
    } finally {
      await claim.held.release();
    }
  };

  await drainClaimQueue<AffinityJob>(todo, {
    jobs: opts.jobs ?? 1,
    pollMs: opts.pollMs ?? 5000,
    attempt: one,
    doneElsewhere: (j) => affinityDone(j),
    onDoneElsewhere(j) {
      summary.byOthers++;
      finish(j, 0);
    },
  });
  return summary;
}
