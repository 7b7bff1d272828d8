/**
 * Crash-safe file writes: write a sibling temporary file, then rename it over the target. On POSIX a
 * rename within one directory is atomic, so a reader (or a resumed run) sees either the old or the new
 * complete file, never a torn one.
 *
 * @module
 */

let counter = 0;

/** Atomically replace `path` with `data`. Parent directories are created. */
export async function atomicWriteFile(path: string, data: Uint8Array | string): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  // pid + counter + random: unique also between processes of several hosts writing one shared directory.
  const tmp = `${path}.${Deno.pid}.${counter++}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Atomically write pretty JSON with a trailing newline. */
export function atomicWriteJson(path: string, value: unknown): Promise<void> {
  return atomicWriteFile(path, JSON.stringify(value, null, 2) + "\n");
}
