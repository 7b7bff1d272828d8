/**
 * The two peers of `deno task perf --vs torch` (lab/torch/vs_torch.ts): the long-lived PyTorch benchmark
 * process (lab/torch/bench.py) started with the environment that makes it run the same OpenBLAS kernels as
 * antbench, and a pool of antbench Web Workers (lab/torch/vs_torch_worker.ts) training one run in parallel.
 *
 * @module
 */
import type { RunConfig } from "../../src/train/types.ts";
import type { BackendChoice } from "../../src/runtime/backend.ts";
import { openblasCoreType } from "../../src/runtime/native/openblas.ts";
import { TORCH_PYTHON, torchVersion } from "../parity/export.ts";

/**
 * The variables the PyTorch process is started with (on top of the inherited environment):
 * OMP_WAIT_POLICY=PASSIVE (idle OpenMP threads would otherwise spin while antbench runs, skewing the
 * interleaving) and the OPENBLAS_CORETYPE antbench uses, so that both sides run the same OpenBLAS kernels.
 */
export function torchEnvironment(): Record<string, string> {
  const core = openblasCoreType();
  return { OMP_WAIT_POLICY: "PASSIVE", ...(core ? { OPENBLAS_CORETYPE: core } : {}) };
}

/** The long-lived PyTorch benchmark process (line-delimited JSON over stdin/stdout). */
export class TorchPeer {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * Start lab/torch/bench.py with `env` on top of the inherited environment (default
   * {@link torchEnvironment}); throws naming the install command when torch is missing.
   */
  static async start(
    python = TORCH_PYTHON,
    env: Record<string, string> = torchEnvironment(),
  ): Promise<TorchPeer> {
    await torchVersion(python);
    const script = new URL("./bench.py", import.meta.url).pathname;
    const child = new Deno.Command(python, {
      args: [script],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      env,
    }).spawn();
    return new TorchPeer(child);
  }

  async #line(): Promise<string> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("bench.py exited unexpectedly (see its stderr above)");
      this.#buffer += value;
    }
  }

  /** Send one command; resolves to the reply, throws on {ok: false}. */
  async request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(msg) + "\n"));
    const reply = JSON.parse(await this.#line());
    if (!reply.ok) throw new Error(`torch: ${reply.error}`);
    return reply;
  }

  async close(): Promise<void> {
    try {
      await this.request({ cmd: "quit" }).catch(() => {});
      await this.#writer.close().catch(() => {});
    } finally {
      await this.#child.status;
    }
  }
}

/** N antbench Web Workers training the same run in parallel. */
export class WorkerPool {
  readonly #workers: Worker[];
  readonly #backend: BackendChoice;
  readonly #threads: number;

  /**
   * `n` workers on `backend` (the choice the main thread made); `threads` > 1: native threads of each
   * worker while it runs a block (OpenBLAS's count is process-wide, so it is set back to 1 after it).
   */
  constructor(n: number, backend: BackendChoice, threads = 1) {
    this.#backend = backend;
    this.#threads = threads;
    this.#workers = Array.from(
      { length: n },
      () => new Worker(new URL("./vs_torch_worker.ts", import.meta.url).href, { type: "module" }),
    );
  }

  #ask(w: Worker, msg: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      w.onmessage = (e) => (e.data.ok ? resolve(e.data) : reject(new Error(`worker: ${e.data.error}`)));
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`worker: ${e.message}`));
      };
      w.postMessage(msg);
    });
  }

  /** Every worker assembles `config` (lab/perf/contender.ts) on its own instance of the backend. */
  async setup(config: RunConfig): Promise<void> {
    const msg = { cmd: "setup", config, backend: this.#backend, threads: this.#threads };
    await Promise.all(this.#workers.map((w) => this.#ask(w, msg)));
  }

  /** All workers run `steps` timed steps at once; per-worker step times and elapsed wall times. */
  async run(warmup: number, steps: number): Promise<{ ms: number[][]; elapsedMs: number[] }> {
    const replies = await Promise.all(this.#workers.map((w) => this.#ask(w, { cmd: "run", warmup, steps })));
    return { ms: replies.map((r) => r.ms as number[]), elapsedMs: replies.map((r) => r.elapsedMs as number) };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => this.#ask(w, { cmd: "close" }).catch(() => {})));
    for (const w of this.#workers) w.terminate();
  }
}
