/**
 * The Kubernetes Indexed Job, checked for structure only (no cluster here): the manifest parses as YAML,
 * has the fields an Indexed Job needs with the values asked for, and its container command, run by bash
 * with JOB_COMPLETION_INDEX set, runs the same shard command as the Slurm array task.
 */
import assert from "node:assert/strict";
// @ts-types="../../node_modules/yaml/dist/index.d.ts"
import { parse } from "../../node_modules/yaml/browser/index.js";
import { dnsLabel, K8S_DEFAULTS, k8sIndexedJob, parseK8sOptions } from "./k8s.ts";
import { planLaunch } from "./launch.ts";
import { UsageError } from "../runtime/errors.ts";
import { runTask } from "./testing_tasks.ts";
import { checkOutcome } from "./testing_errors.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** The arguments node_modules/.bin/deno receives when bash runs `script` with `env`. */
async function argvOf(script: string, env: Record<string, string>): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/node_modules/.bin`, { recursive: true });
    await Deno.writeTextFile(`${dir}/node_modules/.bin/deno`, `#!/usr/bin/env bash\nprintf '%s\\n' "$@"\n`);
    await Deno.chmod(`${dir}/node_modules/.bin/deno`, 0o755);
    const out = await new Deno.Command("bash", {
      args: ["-c", script],
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", ...env },
      clearEnv: true,
      stdout: "piped",
    }).output();
    assert.equal(out.code, 0);
    return new TextDecoder().decode(out.stdout).trimEnd().split("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("k8s: the Indexed Job has one completion per shard and each pod runs its shard", async () => {
  const plan = await planLaunch("k8s", { suite: "nightly", shards: "5", backend: "webgpu" });
  const o = parseK8sOptions({
    image: "ghcr.io/lab/antbench:1",
    "gpus-per-task": "1",
    "cpus-per-task": "4",
    mem: "16Gi",
    "max-parallel": "2",
    claim: "sweeps",
  });
  const text = k8sIndexedJob(plan, o, "deno task cli k8s nightly --shards 5 ...");
  assert.match(text, /^# .*CHECKED ONLY FOR STRUCTURE/m);
  const job: Any = parse(text);
  assert.equal(job.apiVersion, "batch/v1");
  assert.equal(job.kind, "Job");
  assert.equal(job.metadata.name, "antbench-nightly");
  assert.equal(job.spec.completionMode, "Indexed");
  assert.equal(job.spec.completions, 5);
  assert.equal(job.spec.parallelism, 2);
  assert.equal(job.spec.backoffLimit, 10);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.subdomain, undefined, "pods must keep distinct hostnames (claims tell hosts apart)");
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  assert.equal(c.image, "ghcr.io/lab/antbench:1");
  assert.equal(c.workingDir, K8S_DEFAULTS.workdir);
  assert.deepEqual(c.resources.requests, { cpu: "4", memory: "16Gi" });
  assert.deepEqual(c.resources.limits, { cpu: "4", memory: "16Gi", "nvidia.com/gpu": 1 });
  assert.deepEqual(c.volumeMounts, [{
    name: "reports",
    mountPath: `${K8S_DEFAULTS.workdir}/reports/nightly`,
  }]);
  assert.deepEqual(pod.volumes, [{ name: "reports", persistentVolumeClaim: { claimName: "sweeps" } }]);
  assert.deepEqual(c.command, ["bash", "-c"]);
  assert.equal(c.args.length, 1);
  const argv = await argvOf(c.args[0], { JOB_COMPLETION_INDEX: "3" });
  assert.deepEqual(argv, [
    "task",
    "bench",
    "nightly",
    "--shard",
    "3/5",
    "--jobs",
    "4",
    "--no-report",
    "--out",
    "reports/nightly",
    "--backend",
    "webgpu",
  ]);
});

Deno.test("k8s: flags are checked; names become DNS labels; the command prints the manifest", async () => {
  assert.equal(dnsLabel("antbench-Paper_FFHQ.v2"), "antbench-paper-ffhq-v2");
  assert.equal(dnsLabel("x".repeat(80)).length, 63);
  for (
    const [values, re] of [
      [{ mem: "4GB" }, /--mem: got "4GB"; allowed: a quantity such as 4Gi/],
      [{ name: "Bad_Name" }, /--name: got "Bad_Name"; allowed: a DNS-1123 label/],
      [{ workdir: "relative" }, /--workdir: got "relative"; allowed: an absolute path/],
      [{ image: "a b" }, /--image: got "a b"/],
      [{ "gpus-per-task": "x" }, /--gpus-per-task: got "x"/],
    ] as [Record<string, string>, RegExp][]
  ) {
    assert.throws(() => parseK8sOptions(values), (e: Error) => e instanceof UsageError && re.test(e.message));
  }
  const r = await runTask("cli", ["k8s", "smoke", "--shards", "3", "--name", "sweep-a"]);
  checkOutcome("k8s", r, { code: 0 });
  const job: Any = parse(r.stdout);
  assert.equal(job.metadata.name, "sweep-a");
  assert.equal(job.spec.completions, 3);
  assert.equal(job.spec.parallelism, 3);
  assert.equal(job.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"], undefined);
  assert.ok(!job.spec.template.spec.containers[0].args[0].includes("--backend"));
  const bad = await runTask("cli", ["k8s", "smoke", "--shards", "11"]);
  checkOutcome("k8s too many shards", bad, { code: 2, message: /--shards: got "11"; allowed: 1 to 10/ });
});
