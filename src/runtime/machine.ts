/**
 * How much memory this process may use: the machine's physical memory (Deno.systemMemoryInfo), lowered by
 * the memory limit of the process's cgroup when one is set (a Slurm `--mem`, a container limit), as
 * Node's `process.constrainedMemory()` reports it (Deno implements it; both need
 * --allow-sys=systemMemoryInfo). Deno refuses reads under /proc and /sys without --allow-all, so the
 * cgroup files are not read directly. Whatever cannot be read is left out of the answer.
 *
 * @module
 */
import process from "node:process";

/** A memory budget and where it comes from. */
export interface MachineMemory {
  bytes: number;
  /** "physical memory" or "cgroup memory limit". */
  source: string;
}

/** The cgroup memory limit of this process, or null when none is set or it cannot be read. */
export function cgroupMemoryLimit(): MachineMemory | null {
  try {
    const v = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
    // cgroup v1 reports "no limit" as about 2^63; v2's "max" comes back as 0 or undefined.
    if (v === undefined || !Number.isFinite(v) || v <= 0 || v >= 2 ** 60) return null;
    return { bytes: v, source: "cgroup memory limit" };
  } catch {
    return null;
  }
}

/** The memory this process may use (see the module doc); null when nothing could be read. */
export function machineMemory(): MachineMemory | null {
  let physical: MachineMemory | null = null;
  try {
    physical = { bytes: Deno.systemMemoryInfo().total, source: "physical memory" };
  } catch { /* no --allow-sys=systemMemoryInfo */ }
  const cg = cgroupMemoryLimit();
  if (cg && (physical === null || cg.bytes < physical.bytes)) return cg;
  return physical;
}
