/**
 * Test helper: run a `deno task` of deno.json as a subprocess exactly as deno.json spells it (its flags,
 * --no-prompt included), from the project root, with INIT_CWD set like `deno task` does. One addition: when
 * node_modules is a symlink out of the project (a git worktree sharing another checkout's install), read
 * access to its real location is added, since Deno reads modules at their real path; a fresh clone needs
 * nothing added.
 *
 * @module
 */
import denoConfig from "../../deno.json" with { type: "json" };
import { REPO_ROOT } from "../data/files.ts";

/** Output of a task run. */
export interface TaskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The argv of task `name` (deno.json's command split on spaces, with this Deno binary). */
export function taskArgv(name: keyof typeof denoConfig.tasks): string[] {
  const argv = denoConfig.tasks[name].command.split(" ");
  if (argv[0] !== "node_modules/.bin/deno") {
    throw new Error(`task ${name} does not start with node_modules/.bin/deno`);
  }
  const real = Deno.realPathSync(`${REPO_ROOT}/node_modules`);
  const flags = argv.slice(2).map((f) =>
    f.startsWith("--allow-read=") && !real.startsWith(`${REPO_ROOT}/`) ? `${f},${real}` : f
  );
  return [Deno.execPath(), argv[1], ...flags];
}

/** Run task `name` with `args` (`cwd`: the caller's directory, passed as INIT_CWD). */
export async function runTask(
  name: keyof typeof denoConfig.tasks,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<TaskRun> {
  const [cmd, ...rest] = taskArgv(name);
  const child = new Deno.Command(cmd, {
    args: [...rest, ...args],
    cwd: REPO_ROOT,
    env: { INIT_CWD: opts.cwd ?? REPO_ROOT, NO_COLOR: "1", ...opts.env },
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
