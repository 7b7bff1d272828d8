import assert from "node:assert/strict";
import { main } from "./main.ts";

Deno.test("cli perf: not a cli command any more; the message says where the benchmark lives", async () => {
  const err: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  let code: number;
  try {
    code = await main(["perf", "--models", "mlp"]);
  } finally {
    console.error = orig;
  }
  assert.equal(code, 2);
  assert.match(err.join("\n"), /"perf" is not a cli command: .*lab\/perf\/main\.ts.*deno task perf/);
});
