/**
 * The one place where errors meet users: every entry point (`deno task bench`, `deno task cli`,
 * `deno task perf`) runs its main function through {@link runEntry}, which maps what escapes to one line on
 * stderr and an exit code, so no expected failure ever shows a stack trace:
 *
 *     0  success (bench: every run of the suite has an ok result)
 *     1  a result says "failed" (bench: some stored run failed; compare: a regression; merge: a conflict)
 *     2  unusable input or environment: a UsageError, an EnvironmentError, a missing permission
 *     3  an internal error (a bug): one line and a hint; ANTBENCH_DEBUG=1 prints the stack
 *
 * @module
 */
import { EnvironmentError, isPermissionError, UsageError } from "../runtime/errors.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";

/** Exit codes of every antbench command (see the module doc). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** The exit-code paragraph of the usage texts. */
export const EXIT_CODES_HELP = `exit codes:
  0  ok (bench: every run of the suite has an ok result)
  1  failed results (bench: a stored run of the suite failed, in this invocation or an earlier one;
     --retry-failed trains those again; compare: a regression; merge: conflicting results)
  2  unusable input or environment (bad flag or suite, missing file or permission, directory in use):
     nothing was trained
  3  internal error (a bug): one line; ANTBENCH_DEBUG=1 shows the stack`;

/** What each task may read and write (deno.json), for permission messages. */
const GRANTS: Record<string, string> = {
  bench: "it may read the project and /usr/share/datasets, and write only under reports/ and .cache/",
  perf: "it may write only under reports/ and .cache/",
  cli: "it may read and write files anywhere",
};

/** The source file of each task, for the "run deno directly" hint. */
const SOURCES: Record<string, string> = {
  bench: "src/cli/bench.ts",
  perf: "lab/perf/main.ts",
  cli: "src/cli/main.ts",
};

function debug(): boolean {
  try {
    return Deno.env.get("ANTBENCH_DEBUG") === "1";
  } catch {
    return false;
  }
}

/** One line for a permission error of task `task`, naming what was denied and how to allow it. */
export function permissionMessage(task: string, e: Error): string {
  const m = /Requires (\w+) access to "?([^",]*)"?/.exec(e.message);
  const kind = m?.[1] ?? "some";
  const what = m ? `${kind} access to "${m[2]}"` : e.message;
  if (kind === "read" || kind === "write") {
    return `permission denied: ${what}: 'deno task ${task}' does not allow it (${
      GRANTS[task] ?? "see deno.json"
    }); ` +
      `use a path it allows, or run node_modules/.bin/deno run with the task's flags from deno.json plus ` +
      `--allow-${kind}=${m?.[2] ?? "PATH"} ${SOURCES[task] ?? ""}`.trimEnd();
  }
  return `permission denied: ${what}: the '${task}' task in deno.json does not list it; this is a bug in ` +
    `antbench's permission list (add --allow-${kind}=${m?.[2] ?? "..."} to the task and report it)`;
}

/** The line (and exit code) for an error that escaped a command. */
export function describeError(task: string, e: unknown): { code: number; message: string } {
  if (e instanceof UsageError || e instanceof EnvironmentError) {
    return { code: EXIT.usage, message: `error: ${e.message}` };
  }
  if (isPermissionError(e)) return { code: EXIT.usage, message: `error: ${permissionMessage(task, e)}` };
  const name = e instanceof Error ? e.name : "Error";
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split("\n")[0];
  return {
    code: EXIT.internal,
    message:
      `internal error: ${name}: ${first} (antbench ${ANTBENCH_VERSION}; run with ANTBENCH_DEBUG=1 for the stack)`,
  };
}

/** Print `describeError`'s line (and the stack with ANTBENCH_DEBUG=1); returns the exit code. */
export function reportError(task: string, e: unknown): number {
  const { code, message } = describeError(task, e);
  console.error(message);
  if (code === EXIT.internal && debug() && e instanceof Error && e.stack) console.error(e.stack);
  return code;
}

/**
 * Run an entry point's main function and exit with its code; errors become one line (see the module doc).
 * Unhandled promise rejections are reported the same way.
 */
export async function runEntry(task: string, main: () => Promise<number>): Promise<never> {
  globalThis.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    Deno.exit(reportError(task, ev.reason));
  });
  let code: number;
  try {
    code = await main();
  } catch (e) {
    code = reportError(task, e);
  }
  Deno.exit(code);
}

/** The directory relative paths given on the command line refer to: the caller's (INIT_CWD under deno task). */
export function callerDir(): string {
  try {
    const d = Deno.env.get("INIT_CWD");
    if (d && d.startsWith("/")) return d;
  } catch { /* no --allow-env=INIT_CWD: the process's own directory */ }
  return Deno.cwd();
}

/** Resolve a path given on the command line against {@link callerDir} (absolute paths stay). */
export function userPath(path: string): string {
  if (path.startsWith("/")) return path;
  const base = callerDir();
  if (base === Deno.cwd()) return path; // keep relative paths relative (shorter messages, same file)
  return `${base.replace(/\/+$/, "")}/${path}`;
}
