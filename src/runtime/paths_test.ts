import assert from "node:assert/strict";
import { checkWritableDir } from "./paths.ts";
import { UsageError } from "./errors.ts";

// A working directory in which only `.cache` may be written (the tests below run with that permission).
const root = await Deno.realPath(await Deno.makeTempDir());

Deno.test({
  name:
    "checkWritableDir: a relative dot-directory that does not exist yet is resolved below the working directory",
  permissions: { read: true, write: [`${root}/.cache`] },
  fn() {
    const cwd = Deno.cwd();
    try {
      Deno.chdir(root);
      // Nothing of ".cache/perf/x" exists: the nearest existing ancestor is the working directory itself,
      // and the target is <root>/.cache/perf/x (writable), not <root>/cache/perf/x.
      checkWritableDir(".cache/perf/x", "--out", "only .cache");
      checkWritableDir("./.cache/perf/x", "--out", "only .cache");
      assert.throws(() => checkWritableDir("cache/perf/x", "--out", "only .cache"), (e) => {
        assert.ok(e instanceof UsageError);
        assert.match(
          e.message,
          /^--out: "cache\/perf\/x" \(".*\/cache\/perf\/x"\) is outside what this task/,
        );
        return true;
      });
    } finally {
      Deno.chdir(cwd);
    }
  },
});

Deno.test("checkWritableDir: (cleanup)", async () => {
  await Deno.remove(root, { recursive: true });
});
