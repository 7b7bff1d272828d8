/**
 * The error paths of `deno task cli` and `deno task perf`, run as the real tasks in subprocesses (exit
 * code, one `error:` line naming the file/flag/value, no stack frame), plus the one policy for non-finite
 * values and integer dtypes in every metric command (issue "Runner and CLI hardening", cases 7, 8, 10).
 */
import assert from "node:assert/strict";
import { runTask } from "./testing_tasks.ts";
import { checkOutcome, type Expect, featureNpy, int64Npy, scratchDir } from "./testing_errors.ts";
import { formatNpz } from "../metrics/npz.ts";
import { describeError, EXIT } from "./entry.ts";
import { UsageError } from "../runtime/errors.ts";
import { lockOutputDir } from "../suite/lock.ts";
import denoConfig from "../../deno.json" with { type: "json" };

const scratch = await scratchDir("cli-errors");
const D = scratch.abs;
Deno.writeFileSync(`${D}/a.npy`, featureNpy(40, 3));
Deno.writeFileSync(`${D}/b.npy`, featureNpy(30, 3));
Deno.writeFileSync(`${D}/d4.npy`, featureNpy(30, 4));
Deno.writeFileSync(`${D}/nan.npy`, featureNpy(40, 3, [7, 2]));
Deno.writeFileSync(`${D}/int.npy`, int64Npy(40, 3));
const mu = new Float64Array([0, 0, 0]), sigma = Float64Array.from([1, 0, 0, 0, NaN, 0, 0, 0, 1]);
Deno.writeFileSync(
  `${D}/nan.npz`,
  formatNpz({
    mu: { dtype: "<f8", shape: [3], data: mu },
    sigma: { dtype: "<f8", shape: [3, 3], data: sigma },
  }),
);
Deno.mkdirSync(`${D}/nosuite/runs`, { recursive: true });
Deno.mkdirSync(`${D}/sub`);

const CASES: [string, "cli" | "perf", string[], Expect][] = [
  // 8. one NaN / dtype policy for fd, kid, pr (file, row, column; exit 2).
  ["fd with a NaN feature", "cli", ["fd", `${D}/nan.npy`, `${D}/b.npy`], {
    code: 2,
    message: /^.*nan\.npy: row 7, column 2 is NaN; allowed: finite numbers only$/,
  }],
  ["kid with a NaN feature", "cli", ["kid", `${D}/a.npy`, `${D}/nan.npy`], {
    code: 2,
    message: /nan\.npy: row 7, column 2 is NaN/,
  }],
  ["pr with a NaN feature", "cli", ["pr", `${D}/nan.npy`, `${D}/a.npy`], {
    code: 2,
    message: /nan\.npy: row 7, column 2 is NaN/,
  }],
  ["fd --save-stats with a NaN feature", "cli", ["fd", `${D}/nan.npy`, "--save-stats", `${D}/s.npz`], {
    code: 2,
    message: /nan\.npy: row 7, column 2 is NaN/,
  }],
  ["fd with .npz statistics holding NaN", "cli", ["fd", `${D}/nan.npz`, `${D}/a.npy`], {
    code: 2,
    message: /nan\.npz: "sigma": row 1, column 1 is NaN/,
  }],
  ["fd with an int64 .npy", "cli", ["fd", `${D}/int.npy`, `${D}/a.npy`], {
    code: 2,
    message:
      /int\.npy: dtype "<i8" \(int64\) is not accepted for features or statistics; allowed: float32 \("<f4"\) or float64 \("<f8"\)/,
  }],
  ["kid with an int64 .npy", "cli", ["kid", `${D}/a.npy`, `${D}/int.npy`], {
    code: 2,
    message: /int\.npy: dtype "<i8" \(int64\)/,
  }],
  ["pr with an int64 .npy", "cli", ["pr", `${D}/int.npy`, `${D}/a.npy`], {
    code: 2,
    message: /int\.npy: dtype "<i8"/,
  }],
  ["features extract with an int64 .npy", "cli", [
    "features",
    "extract",
    "digits8",
    `${D}/int.npy`,
    `${D}/o.npy`,
  ], {
    code: 2,
    message: /int\.npy: dtype "<i8" \(int64\)/,
  }],
  ["fd with one file", "cli", ["fd", `${D}/a.npy`], {
    code: 2,
    message: /^fd: expected two files A B; got 1/,
    multiline: true,
  }],
  ["kid with different feature dimensions", "cli", ["kid", `${D}/a.npy`, `${D}/d4.npy`], {
    code: 2,
    message: /^kid: feature dimensions differ: .*a\.npy has d = 3, .*d4\.npy has d = 4$/,
  }],
  ["fd with a missing file", "cli", ["fd", `${D}/none.npy`, `${D}/a.npy`], {
    code: 2,
    message: /none\.npy: cannot read/,
  }],
  ["fd --method bogus", "cli", ["fd", `${D}/a.npy`, `${D}/b.npy`, "--method", "svd"], {
    code: 2,
    message: /^--method: got "svd"; allowed: auto \| eigh \| cholesky$/,
  }],
  ["kid --subsets 0", "cli", ["kid", `${D}/a.npy`, `${D}/b.npy`, "--subsets", "0"], {
    code: 2,
    message: /^--subsets: got "0"/,
  }],
  ["pr --k 0", "cli", ["pr", `${D}/a.npy`, `${D}/b.npy`, "--k", "0"], {
    code: 2,
    message: /^--k: got "0"; allowed: an integer >= 1$/,
  }],
  // 7. relative paths resolve against the caller's directory (INIT_CWD).
  ["relative paths from the caller's directory", "cli", ["fd", "../a.npy", "../b.npy", "--json"], {
    code: 0,
    stdout: /^\{"fd":\d/,
  }],
  ["perf --out outside the allowed roots fails before any work", "perf", ["--out", "/tmp/antbench-perf-x"], {
    code: 2,
    message:
      /^--out: "\/tmp\/antbench-perf-x" is outside what this task may write \(deno task perf writes only under reports\//,
  }],
  ["perf --vs torch --out outside fails before the benchmark", "perf", [
    "--vs",
    "torch",
    "--out",
    "/tmp/antbench-perf-x",
  ], {
    code: 2,
    message: /^--out: "\/tmp\/antbench-perf-x" is outside what this task may write/,
  }],
  // 10. conventions: usage, version, parser messages, typos.
  ["cli with no command prints usage and exits 2", "cli", [], { code: 2, multiline: true }],
  ["cli --version", "cli", ["--version"], {
    code: 0,
    stdout: new RegExp(`^antbench ${denoConfig.version.replace(/\./g, "\\.")}\\n$`),
  }],
  ["unknown command with a suggestion", "cli", ["clustr"], {
    code: 2,
    message: /^unknown command "clustr"; did you mean cluster\?; allowed: /,
  }],
  ["help for an unknown command", "cli", ["help", "nosuch"], {
    code: 2,
    message: /^help: unknown command "nosuch"/,
  }],
  ["a negative value is a value, checked by the flag", "cli", [
    "cluster",
    "--objective",
    "snr",
    "--k",
    "3",
    "--T",
    "-5",
  ], {
    code: 2,
    message: /^--T: got "-5"; allowed: /,
  }],
  ["a flag where a value should be (not Node's 'ambiguous' text)", "cli", ["cluster", "--T", "--json"], {
    code: 2,
    message:
      /^cluster: --T needs a value \(the next argument, "--json", is a flag; write --T=VALUE for a value starting with "-"\)$/,
  }],
  ["an unknown flag with a suggestion", "cli", ["cluster", "--objectiv", "snr"], {
    code: 2,
    message: /^cluster: unknown flag --objectiv; did you mean --objective\?; known flags: /,
  }],
  ["a boolean flag given a value", "cli", ["fd", `${D}/a.npy`, `${D}/b.npy`, "--json=yes"], {
    code: 2,
    message: /^fd: --json takes no value; got --json=yes$/,
  }],
  ["report of a missing directory", "cli", ["report", `${D}/nope`], {
    code: 2,
    message: /^report: .*nope: no such directory$/,
  }],
  ["report --prune without suite.json", "cli", ["report", `${D}/nosuite`, "--prune"], {
    code: 2,
    message:
      /^report --prune: .*nosuite: no suite\.json: every stored result is reported; cannot tell which runs belong/,
  }],
  ["report of a directory without results", "cli", ["report", `${D}/nosuite`], {
    code: 2,
    message: /^report: no run results under /,
  }],
];

Deno.test({
  name: `cli and perf error paths: ${CASES.length} cases run as the real tasks`,
  sanitizeResources: false,
  async fn() {
    const queue = [...CASES];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const [label, task, args, expect] = c;
        const cwd = label.startsWith("relative paths") ? `${D}/sub` : undefined;
        checkOutcome(label, await runTask(task, args, cwd ? { cwd } : {}), expect);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  },
});

Deno.test({
  name: "cli merge into a directory in use exits 2 naming the holder",
  sanitizeResources: false,
  async fn() {
    const held = await lockOutputDir(`${D}/merged`, { command: "bench smoke" });
    try {
      const r = await runTask("cli", ["merge", `${D}/merged`, `${D}/nosuite`]);
      checkOutcome("merge", r, {
        code: 2,
        message: /merged is in use by bench smoke \(pid \d+ on host .*\(\.lock\)/,
      });
    } finally {
      await held.release();
    }
  },
});

Deno.test("unexpected errors become one line with a hint and exit 3; expected ones exit 2", () => {
  const internal = describeError(
    "cli",
    new TypeError("Cannot read properties of undefined (reading 'x')\n  at foo"),
  );
  assert.equal(internal.code, EXIT.internal);
  assert.match(
    internal.message,
    /^internal error: TypeError: Cannot read properties of undefined \(reading 'x'\) \(antbench .*; run with ANTBENCH_DEBUG=1 for the stack\)$/,
  );
  assert.deepEqual(describeError("bench", new UsageError("k: got 0")), {
    code: 2,
    message: "error: k: got 0",
  });
  const perm = describeError(
    "bench",
    new Deno.errors.NotCapable('Requires env access to "HOME", run again with the --allow-env flag'),
  );
  assert.equal(perm.code, 2);
  assert.match(
    perm.message,
    /^error: permission denied: env access to "HOME": the 'bench' task in deno.json does not list it; this is a bug/,
  );
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(D, { recursive: true });
  } catch { /* gone */ }
});
