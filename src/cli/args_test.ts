import assert from "node:assert/strict";
import { didYouMean, parseFlags } from "./args.ts";
import { userPath } from "./entry.ts";
import { UsageError } from "../runtime/errors.ts";

const spec = {
  out: { type: "string", path: true },
  k: { type: "string" },
  json: { type: "boolean" },
  threshold: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

Deno.test("parseFlags: values inline and separate, negatives, repeats, short flags, --", () => {
  const r = parseFlags(
    "t",
    ["a", "--k=3", "--json", "--threshold", "fd=0.1", "--threshold=kid=1", "-h", "b"],
    spec,
  );
  assert.deepEqual(r.values, { k: "3", json: true, threshold: ["fd=0.1", "kid=1"], help: true });
  assert.deepEqual(r.positionals, ["a", "b"]);
  assert.deepEqual(parseFlags("t", ["--k", "-5", "-3"], spec), { values: { k: "-5" }, positionals: ["-3"] });
  assert.deepEqual(parseFlags("t", ["--", "--json", "-h"], spec).positionals, ["--json", "-h"]);
  assert.deepEqual(parseFlags("t", ["--k", "-"], spec).values, { k: "-" });
});

Deno.test("parseFlags: errors name the flag and are never Node's parser text", () => {
  const fails = (args: string[], re: RegExp) =>
    assert.throws(
      () => parseFlags("t", args, spec),
      (e: Error) => e instanceof UsageError && re.test(e.message),
    );
  fails(
    ["--jsn"],
    /^t: unknown flag --jsn; did you mean --json\?; known flags: --out, --k, --json, --threshold, --help$/,
  );
  fails(["-x"], /^t: unknown flag -x; known flags:/);
  fails(["--k"], /^t: --k needs a value$/);
  fails(["--k", "--json"], /^t: --k needs a value \(the next argument, "--json", is a flag; write --k=VALUE/);
  fails(["--json=1"], /^t: --json takes no value; got --json=1$/);
});

Deno.test("paths on the command line are taken from the caller's directory (INIT_CWD)", () => {
  const saved = Deno.env.get("INIT_CWD");
  try {
    Deno.env.set("INIT_CWD", "/data/me");
    assert.equal(userPath("x/a.npy"), "/data/me/x/a.npy");
    assert.equal(userPath("/abs/b.npy"), "/abs/b.npy");
    const r = parseFlags("t", ["rel.npy", "--out", "o", "--k", "k.txt"], spec, { pathsFrom: 0 });
    assert.deepEqual(r.positionals, ["/data/me/rel.npy"]);
    assert.deepEqual(r.values, { out: "/data/me/o", k: "k.txt" });
    Deno.env.set("INIT_CWD", Deno.cwd());
    assert.equal(userPath("x/a.npy"), "x/a.npy", "relative paths stay relative when the caller is here");
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
  }
});

Deno.test("didYouMean: close names only", () => {
  assert.equal(didYouMean("objectiv", ["objective", "k"]), "; did you mean --objective?");
  assert.equal(didYouMean("zzzzzz", ["objective", "k"]), "");
  assert.equal(didYouMean("clustr", ["cluster", "fd"], ""), "; did you mean cluster?");
});
