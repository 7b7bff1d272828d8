/**
 * Test helpers for CLI commands.
 *
 * @module
 */

/** Run a command with console.log captured; returns the exit code and the printed lines. */
export async function capture(run: () => Promise<number>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  try {
    return { code: await run(), out };
  } finally {
    console.log = orig;
  }
}
