import assert from "node:assert/strict";
import { checkCheckout, normalizePath, planLaunch, shardCommand, shellQuote } from "./launch.ts";
import { EnvironmentError, UsageError } from "../runtime/errors.ts";
import { REPO_ROOT } from "../data/files.ts";

/** What bash makes of `text` as the arguments of printf: the words, NUL-separated. */
async function bashWords(text: string): Promise<string[]> {
  const out = await new Deno.Command("bash", { args: ["-c", `printf '%s\\0' ${text}`], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\0").slice(0, -1);
}

Deno.test("launch: shellQuote round-trips through bash; normalizePath resolves . and .. lexically", async () => {
  const words = ["plain", "with space", "it's", "$HOME", 'a"b', "semi;colon", "", "reports/x-1.2"];
  assert.deepEqual(await bashWords(words.map(shellQuote).join(" ")), words);
  assert.equal(shellQuote("reports/x-1.2"), "reports/x-1.2");
  assert.equal(normalizePath("/a/./b//c/../d"), "/a/b/d");
  assert.equal(normalizePath("/a/../../b"), "/b");
  assert.equal(normalizePath("/"), "/");
});

Deno.test("launch: the plan of an embedded suite and of a suite file inside the project", async () => {
  // nightly: 3 methods x k=4 timestep clusters x 5 seeds + vanilla and its matched control per seed = 25.
  const p = await planLaunch("slurm", { suite: "nightly", shards: "8" });
  assert.deepEqual(p, {
    root: REPO_ROOT,
    suite: "nightly",
    suiteName: "nightly",
    runs: 25,
    shards: 8,
    out: "reports/nightly",
  });
  // slurm_e2e.yaml: (vanilla + control + uw + pcgrad) x 2 seeds = 8; an absolute path becomes root-relative.
  const f = await planLaunch("slurm", {
    suite: `${REPO_ROOT}/fixtures/suite/../suite/slurm_e2e.yaml`,
    shards: "4",
    out: `${REPO_ROOT}/reports/e2e-x`,
    backend: "webgpu",
  });
  assert.equal(f.suite, "fixtures/suite/slurm_e2e.yaml");
  assert.equal(f.runs, 8);
  assert.equal(f.out, "reports/e2e-x");
  assert.equal(
    shardCommand(f, "${I}", '"${C:-2}"'),
    'node_modules/.bin/deno task bench fixtures/suite/slurm_e2e.yaml --shard "${I}/4" --jobs "${C:-2}" ' +
      "--no-report --out reports/e2e-x --backend webgpu",
  );
});

Deno.test("launch: bad plans are UsageErrors naming the flag and what is allowed", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ suite: "nightly" }, /--shards N is required .*25 runs/],
    [{ suite: "nightly", shards: "26" }, /--shards: got "26"; allowed: 1 to 25: suite nightly has 25 runs/],
    [{ suite: "nightly", shards: "0" }, /--shards: got "0"/],
    [{ suite: "nightly", shards: "two" }, /--shards: got "two"/],
    [{ suite: "nosuch", shards: "2" }, /unknown embedded suite "nosuch"/],
    [{ suite: "/etc/suite.yaml", shards: "2" }, /suite file "\/etc\/suite.yaml" .* is outside the project/],
    [{ suite: `${REPO_ROOT}/fixtures/suite/nope.yaml`, shards: "2" }, /no such file/],
    [
      { suite: "nightly", shards: "2", out: "/tmp/x" },
      /--out: got "\/tmp\/x"; allowed: a directory under .*\/reports\//,
    ],
    [
      { suite: "nightly", shards: "2", out: `${REPO_ROOT}/reports/../src` },
      /--out: got .*allowed: a directory under/,
    ],
    [
      { suite: "nightly", shards: "2", out: `${REPO_ROOT}/reports` },
      /--out: got .*allowed: a directory under/,
    ],
    [{ suite: "nightly", shards: "2", out: `${REPO_ROOT}/reports/a b` }, /--out: got .*letters, digits/],
  ];
  for (const [o, re] of cases) {
    await assert.rejects(
      () => planLaunch("slurm", o as unknown as Parameters<typeof planLaunch>[1]),
      (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
      JSON.stringify(o),
    );
  }
});

Deno.test("launch: checkCheckout wants the checkout's own node_modules with deno in it", async () => {
  const root = await Deno.makeTempDir();
  const other = await Deno.makeTempDir();
  try {
    assert.throws(
      () => checkCheckout(root),
      (e: Error) => e instanceof EnvironmentError && /is missing/.test(e.message),
    );
    await Deno.mkdir(`${other}/node_modules/.bin`, { recursive: true });
    await Deno.writeTextFile(`${other}/node_modules/.bin/deno`, "");
    await Deno.symlink(`${other}/node_modules`, `${root}/node_modules`);
    assert.throws(
      () => checkCheckout(root),
      (e: Error) =>
        e instanceof EnvironmentError && e.message.includes(`leads to ${other}/node_modules, outside`),
    );
    await Deno.remove(`${root}/node_modules`);
    await Deno.mkdir(`${root}/node_modules/.bin`, { recursive: true });
    await Deno.writeTextFile(`${root}/node_modules/.bin/deno`, "");
    checkCheckout(root);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});
