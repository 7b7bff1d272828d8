/**
 * Paths named by suite files (affinity matrices, image folders, Inception models) are resolved with
 * realpath and must stay inside what the process may read: a symlink inside the project pointing at
 * /etc/passwd is refused, although Deno's permission check (which looks at the path as written) would let
 * it through. Messages name the field, the path and where it leads.
 *
 * @module
 */
import { formatValue, isPermissionError, UsageError } from "./errors.ts";

/** Where the real path of `path` leads, or a UsageError naming `field` (missing, unreadable, outside). */
export async function realPathInside(path: string, field: string, kind = "file"): Promise<string> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${field}: ${formatValue(path)}: no such ${kind}`);
    }
    if (isPermissionError(e)) {
      throw new UsageError(`${field}: ${formatValue(path)}: this task may not read it (${e.message})`);
    }
    throw new UsageError(`${field}: ${formatValue(path)}: cannot be resolved (${(e as Error).message})`);
  }
  const state = Deno.permissions.querySync({ name: "read", path: real }).state;
  if (state !== "granted") {
    throw new UsageError(
      `${field}: ${formatValue(path)} resolves to ${formatValue(real)}, outside what this task may read ` +
        `(a symlink leading out of the allowed directories is refused)`,
    );
  }
  return real;
}

/**
 * Check that `dir` may be written (it, or its nearest existing ancestor, resolved with realpath, must be
 * granted write access). Throws a UsageError naming `field`; `allowed` says what the task may write.
 */
export function checkWritableDir(dir: string, field: string, allowed: string): void {
  let probe = dir.replace(/\/+$/, "") || "/";
  let real: string | null = null;
  while (real === null) {
    try {
      real = Deno.realPathSync(probe);
    } catch (e) {
      if (isPermissionError(e)) {
        throw new UsageError(
          `${field}: ${formatValue(dir)} is outside what this task may write (${allowed})`,
        );
      }
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      const up = probe.includes("/") ? probe.slice(0, probe.lastIndexOf("/")) : ".";
      if (up === probe || up === "") {
        real = probe.startsWith("/") ? "/" : Deno.cwd();
        break;
      }
      probe = up;
    }
  }
  // The part of `dir` below the existing ancestor; "." stands for the working directory, not a prefix.
  const prefix = dir.startsWith(probe) && (dir.length === probe.length || dir[probe.length] === "/");
  const rest = prefix ? dir.slice(probe.length) : `/${dir}`;
  const target = probe === dir ? real : `${real}${rest.startsWith("/") ? "" : "/"}${rest}`;
  const writable = (p: string) => Deno.permissions.querySync({ name: "write", path: p }).state === "granted";
  if (!writable(target)) {
    throw new UsageError(
      `${field}: ${formatValue(dir)}${
        target !== dir ? ` (${formatValue(target)})` : ""
      } is outside what this ` +
        `task may write (${allowed})`,
    );
  }
}
