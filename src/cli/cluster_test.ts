import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { clusterCommand } from "./cluster.ts";
import { UsageError } from "../runtime/errors.ts";

Deno.test("cli cluster --json: the whole stdout of the real process is exactly {intervals, cost}", async () => {
  const deno = Deno.execPath();
  const main = new URL("./main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(deno, {
    args: ["run", "--allow-read", main, "cluster", "--objective", "timestep", "--k", "5", "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(text.trim().split("\n").length, 1);
  const obj = JSON.parse(text);
  assert.deepEqual(Object.keys(obj), ["intervals", "cost"]);
  assert.deepEqual(obj, {
    intervals: [[0, 199], [200, 399], [400, 599], [600, 799], [800, 999]],
    cost: 50000,
  });
});

Deno.test("cli cluster: snr on the cosine schedule matches ant-spec.md's published partition", async () => {
  const { code, out } = await capture(() =>
    clusterCommand.run(["--objective", "snr", "--k", "5", "--schedule", "cosine", "--json"])
  );
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out[0]).intervals, [[0, 132], [133, 371], [372, 652], [653, 880], [881, 999]]);
});

Deno.test("cli cluster: table lists interval, width, 1-indexed t range and log-SNR range", async () => {
  const { out } = await capture(() =>
    clusterCommand.run(["--objective", "timestep", "--k", "2", "--T", "10"])
  );
  const lines = out.join("\n").split("\n");
  assert.match(lines[0], /objective timestep, k = 2, T = 10: total cost 12/); // 2 x floor(25/4) = 12
  assert.match(lines[3], /^0\s+\[0, 4\]\s+5\s+1\.\.5\s+/);
  assert.match(lines[4], /^1\s+\[5, 9\]\s+5\s+6\.\.10\s+/);
});

Deno.test("cli cluster: gradient reads .json affinities; flag errors name the flag", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/a.json`;
  // Two blocks of mutually similar timesteps: {0, 1, 2} and {3, 4}.
  const m = [0, 1, 2, 3, 4].map((a) => [0, 1, 2, 3, 4].map((b) => (a < 3) === (b < 3) ? 1 : -1));
  await Deno.writeTextFile(path, JSON.stringify({ matrix: m }));
  const { out } = await capture(() =>
    clusterCommand.run(["--objective", "gradient", "--k", "2", "--affinity", path, "--json"])
  );
  assert.deepEqual(JSON.parse(out[0]), { intervals: [[0, 2], [3, 4]], cost: -5 });
  await assert.rejects(
    () => clusterCommand.run(["--objective", "gradient", "--k", "2"]),
    /--affinity: got nothing/,
  );
  await assert.rejects(
    () => clusterCommand.run(["--objective", "gradient", "--k", "2", "--affinity", path, "--T", "6"]),
    /a 6 x 6 matrix/,
  );
  await assert.rejects(
    () => clusterCommand.run(["--objective", "snr", "--k", "2", "--affinity", path]),
    /only with --objective gradient/,
  );
  await assert.rejects(
    () => clusterCommand.run(["--objective", "snr"]),
    (e) => e instanceof UsageError && /--k: got nothing/.test(e.message),
  );
  await assert.rejects(() => clusterCommand.run(["--objective", "snr", "--k", "0"]), /--k: got "0"/);
  await assert.rejects(
    () => clusterCommand.run(["--objective", "snr", "--k", "2", "--schedule", "sigmoid"]),
    /--schedule: got "sigmoid"/,
  );
  await assert.rejects(
    () => clusterCommand.run(["--objective", "timestep", "--k", "2", "--bogus"]),
    /known flags/,
  );
  await Deno.remove(dir, { recursive: true });
});
