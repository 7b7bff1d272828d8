import assert from "node:assert/strict";
import { chooseOutputDir, publishedSubdir } from "./publish.ts";

Deno.test("publishedSubdir: paths inside reports/perf/ (relative or absolute), null outside", () => {
  assert.equal(publishedSubdir("reports/perf", "/repo"), "");
  assert.equal(publishedSubdir("reports/perf/methods", "/repo"), "methods");
  assert.equal(publishedSubdir("/repo/reports/perf/x/", "/repo"), "x");
  assert.equal(publishedSubdir("./reports/../reports/perf", "/repo"), "");
  assert.equal(publishedSubdir("/tmp/out", "/repo"), null);
  assert.equal(publishedSubdir("reports/perf-old", "/repo"), null);
  assert.equal(publishedSubdir("reports", "/repo"), null);
});

Deno.test("chooseOutputDir: a noisy result is diverted from reports/perf/ unless allowed; elsewhere it is written", () => {
  assert.deepEqual(chooseOutputDir("reports/perf", true, false, "/repo"), {
    dir: "reports/perf",
    diverted: false,
  });
  assert.deepEqual(chooseOutputDir("reports/perf", false, false, "/repo"), {
    dir: ".cache/perf",
    diverted: true,
  });
  assert.deepEqual(chooseOutputDir("reports/perf/methods", false, false, "/repo"), {
    dir: ".cache/perf/methods",
    diverted: true,
  });
  assert.deepEqual(chooseOutputDir("reports/perf", false, true, "/repo"), {
    dir: "reports/perf",
    diverted: false,
  });
  assert.deepEqual(chooseOutputDir("/tmp/p", false, false, "/repo"), { dir: "/tmp/p", diverted: false });
});
