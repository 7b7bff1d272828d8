/**
 * Reading Linux's /proc for the benchmark's load checks and CPU description. Deno refuses reads under /proc
 * without `--allow-all`, so the files are read by one `/bin/sh -c 'cat ...'` child per call (the perf task
 * has `--allow-run`); the child is part of the benchmark's own process tree and its CPU time is accounted
 * there. Returns null where there is no /proc (not Linux) or no shell.
 *
 * @module
 */

/** Separator between the files of one read (a line that no /proc file contains). */
const SEP = "@@antbench-procfs@@";

/** The texts of one /proc snapshot. */
export interface ProcTexts {
  stat: string;
  loadavg: string;
  uptime: string;
  /** Every /proc/<pid>/stat, one line each. */
  pids: string;
}

/**
 * The text of `/proc/stat`, `/proc/loadavg`, `/proc/uptime` and every `/proc/<pid>/stat`, read by one shell
 * child, or null when /proc cannot be read.
 */
export async function readProcSnapshotText(): Promise<ProcTexts | null> {
  const out = await sh(
    `cat /proc/stat; echo ${SEP}; cat /proc/loadavg; echo ${SEP}; cat /proc/uptime; echo ${SEP}; ` +
      "cat /proc/[0-9]*/stat 2>/dev/null; true",
  );
  if (out === null) return null;
  const [stat, loadavg, uptime, pids] = out.split(`${SEP}\n`);
  if (pids === undefined || !stat.startsWith("cpu ")) return null;
  return { stat, loadavg, uptime, pids };
}

/** The text of /proc/cpuinfo, or null. */
export async function readCpuinfo(): Promise<string | null> {
  const out = await sh("cat /proc/cpuinfo");
  return out !== null && out.includes("processor") ? out : null;
}

async function sh(script: string): Promise<string | null> {
  if (Deno.build.os !== "linux") return null;
  try {
    const out = await new Deno.Command("/bin/sh", { args: ["-c", script], stdout: "piped", stderr: "null" })
      .output();
    return new TextDecoder().decode(out.stdout);
  } catch {
    return null;
  }
}
