import assert from "node:assert/strict";
import { main } from "./main.ts";

for (const args of [["perf", "--models", "mlp"], ["perf", "--help"], ["help", "perf"]]) {
  Deno.test(`cli ${args.join(" ")}: not a cli command any more; the message names deno task perf`, async () => {
    const err: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => err.push(a.join(" "));
    let code: number;
    try {
      code = await main(args);
    } finally {
      console.error = orig;
    }
    assert.equal(code, 2);
    assert.match(
      err.join("\n"),
      /"perf" is not a cli command: .*lab\/perf\/main\.ts.*run `deno task perf \[options\]`/,
    );
  });
}
