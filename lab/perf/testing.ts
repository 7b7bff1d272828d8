/**
 * Test helpers of lab/perf/: a real foreign load (a busy process outside the test's process tree).
 *
 * @module
 */

/**
 * Start a busy loop that is not a descendant of this process: a shell forks it into the background and
 * exits, so it is re-parented (to init or a subreaper). Resolves to a function that stops it. It stops by
 * itself after `maxSeconds`.
 */
export async function foreignBusyLoop(maxSeconds = 30): Promise<() => void> {
  const out = await new Deno.Command("/bin/sh", {
    args: ["-c", `timeout ${maxSeconds} sh -c 'while :; do :; done' >/dev/null 2>&1 & echo $!`],
    stdout: "piped",
  }).output();
  const pid = Number(new TextDecoder().decode(out.stdout).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error("foreignBusyLoop: no pid");
  await new Promise((r) => setTimeout(r, 100)); // let it start spinning
  return () => {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
}
