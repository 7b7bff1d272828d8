/**
 * Web Worker entry of `deno task bench --jobs N`: each worker owns a single-threaded tfjs instance
 * (initialised once with initBackend) and trains one run per message with runTraining (src/train/run.ts),
 * posting progress, samples and the result back. Workers inherit the bench task's permissions.
 *
 * Messages in:  {type: "run", id, config, checkpointDir?, backend} (backend: a BackendChoice made by the pool's owner)
 *               {type: "affinity", job, keepCheckpoints?, backend} (an affinity job: src/suite/affinity_job.ts)
 * Messages out: {type: "progress", p} | {type: "loss", l} | {type: "samples", s} | {type: "result", result} |
 * {type: "error", message} (an affinity job answers with "progress" and "result", its result being the job
 * summary)
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { runTraining } from "../train/run.ts";
import { type BackendChoice, type BackendInfo, initBackend } from "../runtime/backend.ts";
import { environmentFingerprint } from "../runtime/fingerprint.ts";
import type { RunConfig } from "../train/types.ts";
import { computeAffinityJob } from "./affinity_job.ts";
import type { AffinityJob } from "./affinity_source.ts";

let backend: BackendInfo | null = null;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as {
    type: "run" | "affinity";
    id: string;
    config: RunConfig;
    checkpointDir?: string;
    job: AffinityJob;
    keepCheckpoints?: boolean;
    backend: BackendChoice;
  };
  try {
    if (!backend || backend.name !== msg.backend.name) {
      backend = await initBackend(msg.backend);
    }
    if (msg.type === "affinity") {
      const summary = await computeAffinityJob(msg.job, {
        keepCheckpoints: msg.keepCheckpoints === true,
        onProgress: (p) => self.postMessage({ type: "progress", p }),
      });
      self.postMessage({ type: "result", result: summary });
      return;
    }
    const result = await runTraining(msg.config, {
      runId: msg.id,
      ...(msg.checkpointDir ? { checkpointDir: msg.checkpointDir } : {}),
      environment: { ...environmentFingerprint(backend) },
      onProgress: (p) => self.postMessage({ type: "progress", p }),
      onEval: (s) => self.postMessage({ type: "samples", s }),
      onLoss: (l) => self.postMessage({ type: "loss", l }),
    });
    self.postMessage({ type: "result", result });
  } catch (err) {
    self.postMessage({
      type: "error",
      message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
  }
};
