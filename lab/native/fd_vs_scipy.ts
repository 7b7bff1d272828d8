/**
 * Benchmark (not a test): the Fréchet distance at Inception size (d = 2048, N = 5000 per side; issue 12)
 * with antbench against scipy's pytorch-fid formula (lab/native/fd_scipy.py) on the same two .npy files,
 * interleaved round by round so that load drift hits every contender alike. Prints a table and writes JSON.
 *
 *   deno task perf:fd [--n 5000] [--d 2048] [--rounds 3] [--threads T] [--python P,...] [--with-js]
 *                     [--out .cache/perf/fd_vs_scipy.json]
 *
 * Contenders, each a fresh process per round (wall time from spawn to exit, so start-up and loading count):
 * - `antbench cli fd` (the `deno task cli fd A B --json` command line, linalg auto: OpenBLAS where it loads);
 * - `antbench cli fd --linalg js` with --with-js (the pure-JS route; tens of seconds at this size);
 * - each Python interpreter (default: /usr/bin/python3, Debian's numpy/scipy on the system BLAS, and the
 *   `python3` on PATH when it is another one), running fd_scipy.py.
 * `--threads T` sets OPENBLAS_NUM_THREADS for every contender (default: unset, each library's default).
 * The 1-minute load average before and after each run is recorded: publish only quiet results.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { npyArray, writeNpy } from "../../src/metrics/npy.ts";
import { rngFor } from "../../src/runtime/rng.ts";
import { loadOpenBlas } from "../../src/runtime/native/openblas.ts";

interface Sample {
  contender: string;
  round: number;
  wallSeconds: number;
  fd: number | null;
  detail: Record<string, unknown>;
  load: [number, number];
}

function loadavg(): number {
  try {
    return Deno.loadavg()[0]; // needs --allow-sys (Deno reads /proc only with --allow-all)
  } catch {
    return NaN;
  }
}

/** Correlated features x = z·W + shift (z ~ N(0, I)), float32, like real activations rather than white noise. */
function features(n: number, d: number, shift: number, w: Float32Array, seed: number): Float32Array {
  const z = rngFor(seed, "fd-vs-scipy").normalArray(n * d);
  const x = new Float32Array(n * d);
  const blas = loadOpenBlas();
  if (blas) blas.sgemm(false, false, n, d, d, 1, z, d, w, d, 0, x, d);
  else {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) {
        const zk = z[i * d + k];
        for (let j = 0; j < d; j++) x[i * d + j] += zk * w[k * d + j];
      }
    }
  }
  for (let i = 0; i < x.length; i++) x[i] += shift;
  return x;
}

async function timed(cmd: string, args: string[], env: Record<string, string>): Promise<[number, string]> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const wall = (performance.now() - t0) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: exit ${out.code}\n${new TextDecoder().decode(out.stderr)}`);
  }
  return [wall, text];
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      n: { type: "string", default: "5000" },
      d: { type: "string", default: "2048" },
      rounds: { type: "string", default: "3" },
      threads: { type: "string" },
      python: { type: "string" },
      "with-js": { type: "boolean" },
      out: { type: "string", default: ".cache/perf/fd_vs_scipy.json" },
    },
  });
  const n = Number(values.n), d = Number(values.d), rounds = Number(values.rounds);
  const env: Record<string, string> = values.threads ? { OPENBLAS_NUM_THREADS: values.threads } : {};
  const dir = await Deno.makeTempDir({ prefix: "antbench-fd-" });
  try {
    const w = rngFor(1, "fd-vs-scipy-mix").normalArray(d * d).map((v) => v / Math.sqrt(d));
    const [pa, pb] = [`${dir}/a.npy`, `${dir}/b.npy`];
    await writeNpy(pa, npyArray(features(n, d, 0, w, 2), [n, d]));
    await writeNpy(pb, npyArray(features(n, d, 0.1, w, 3), [n, d]));
    const pythons = values.python ? values.python.split(",") : ["/usr/bin/python3", "python3"];
    const here = new URL(".", import.meta.url).pathname;
    const contenders: [string, () => Promise<[number, Record<string, unknown>]>][] = [];
    const cli = (linalg: string) => async (): Promise<[number, Record<string, unknown>]> => {
      const [wall, text] = await timed("node_modules/.bin/deno", [
        "task",
        "--quiet",
        "cli",
        "fd",
        pa,
        pb,
        "--json",
        "--linalg",
        linalg,
      ], env);
      return [wall, JSON.parse(text.trim().split("\n").pop()!)];
    };
    contenders.push(["antbench cli fd", cli("auto")]);
    if (values["with-js"]) contenders.push(["antbench cli fd --linalg js", cli("js")]);
    const seen = new Set<string>();
    for (const py of pythons) {
      const [, real] = await timed(
        py,
        ["-c", "import sys, scipy; print(sys.executable, scipy.__version__)"],
        env,
      ).catch(
        () => [0, ""] as [number, string],
      );
      if (!real || seen.has(real.split(" ")[0])) continue;
      seen.add(real.split(" ")[0]);
      contenders.push([`scipy (${real.trim()})`, async () => {
        const [wall, text] = await timed(py, [`${here}fd_scipy.py`, pa, pb], env);
        return [wall, JSON.parse(text.trim().split("\n").pop()!)];
      }]);
    }
    const samples: Sample[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [name, run] of contenders) {
        const before = loadavg();
        const [wall, detail] = await run();
        samples.push({
          contender: name,
          round: r,
          wallSeconds: wall,
          fd: (detail.fd as number) ?? null,
          detail,
          load: [before, loadavg()],
        });
        console.error(`round ${r}: ${name}: ${wall.toFixed(2)} s (load ${before} -> ${loadavg()})`);
      }
    }
    const scipyNames = contenders.map(([c]) => c).filter((c) => c.startsWith("scipy"));
    const rows = contenders.map(([name]) => {
      const mine = samples.filter((s) => s.contender === name);
      const ratios = Object.fromEntries(scipyNames.map((sc) => [
        sc,
        mine.map((s) =>
          s.wallSeconds / samples.find((t) => t.contender === sc && t.round === s.round)!.wallSeconds
        ),
      ]));
      return {
        contender: name,
        wallSeconds: mine.map((s) => s.wallSeconds),
        medianWallSeconds: median(mine.map((s) => s.wallSeconds)),
        fd: mine[0].fd,
        ratioToScipyPerRound: ratios,
        medianRatioToScipy: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, median(v)])),
        detail: mine[0].detail,
      };
    });
    console.log(
      `Fréchet distance, N = ${n} per side, d = ${d}; ${rounds} interleaved rounds; OPENBLAS_NUM_THREADS=${
        values.threads ?? "(default)"
      }`,
    );
    console.log(`| contender | median wall s | FD | ${scipyNames.map((s) => `ratio to ${s}`).join(" | ")} |`);
    console.log(`|---|---|---|${scipyNames.map(() => "---").join("|")}|`);
    for (const r of rows) {
      const ratios = scipyNames.map((s) =>
        `${r.medianRatioToScipy[s].toFixed(2)} (${
          r.ratioToScipyPerRound[s].map((x) => x.toFixed(2)).join(", ")
        })`
      );
      console.log(
        `| ${r.contender} | ${r.medianWallSeconds.toFixed(2)} | ${r.fd?.toPrecision(10)} | ${
          ratios.join(" | ")
        } |`,
      );
    }
    const loads = samples.flatMap((s) => s.load);
    console.log(`load average (1 min) during the runs: ${Math.min(...loads)} to ${Math.max(...loads)}`);
    const report = {
      schema: "antbench.fd_vs_scipy/1",
      createdAt: new Date().toISOString(),
      n,
      d,
      rounds,
      openblasNumThreads: values.threads ?? null,
      cpuCount: navigator.hardwareConcurrency,
      rows,
      samples,
    };
    await Deno.mkdir(values.out!.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(values.out!, JSON.stringify(report, null, 1) + "\n");
    console.log(`wrote ${values.out}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
