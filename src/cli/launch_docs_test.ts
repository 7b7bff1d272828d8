import assert from "node:assert/strict";
import { docTemplates } from "./launch_docs.ts";
import { REPO_ROOT } from "../data/files.ts";

Deno.test("docs: the Slurm and Kubernetes templates are what the launchers generate", async () => {
  const templates = await docTemplates();
  assert.deepEqual(Object.keys(templates).sort(), [
    "docs/k8s_indexed_job.yaml",
    "docs/slurm_array.sh",
    "docs/slurm_report.sh",
  ]);
  for (const [path, text] of Object.entries(templates)) {
    assert.equal(
      await Deno.readTextFile(`${REPO_ROOT}/${path}`),
      text,
      `${path} is out of date: run node_modules/.bin/deno run --allow-read --allow-write=docs src/cli/launch_docs.ts`,
    );
  }
  // The templates are submitted from the repository root: no checkout path in them.
  assert.ok(!templates["docs/slurm_array.sh"].includes(REPO_ROOT));
  assert.ok(!templates["docs/slurm_array.sh"].includes("--chdir"));
  assert.match(templates["docs/slurm_report.sh"], /resubmit with: sbatch docs\/slurm_array.sh/);
});
