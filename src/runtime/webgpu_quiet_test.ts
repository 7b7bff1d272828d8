import assert from "node:assert/strict";
import { xdgRuntimeDirChoice } from "./webgpu_backend.ts";

Deno.test("XDG_RUNTIME_DIR: set to /dev/null for the Vulkan probe only when unset or not absolute, on Linux", () => {
  assert.equal(xdgRuntimeDirChoice("linux", undefined), "/dev/null");
  assert.equal(xdgRuntimeDirChoice("linux", ""), "/dev/null");
  assert.equal(xdgRuntimeDirChoice("linux", "relative/dir"), "/dev/null");
  assert.equal(xdgRuntimeDirChoice("linux", "/run/user/1000"), null);
  assert.equal(xdgRuntimeDirChoice("darwin", undefined), null);
});

Deno.test("choosing the backend 'auto' without XDG_RUNTIME_DIR prints nothing about it (a user who did not ask for WebGPU)", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { chooseBackend } from ${JSON.stringify(new URL("./backend.ts", import.meta.url).href)};\n` +
        `const c = await chooseBackend("auto");\nconsole.log(c.name);\n`,
    );
    const env = Deno.env.toObject();
    delete env.XDG_RUNTIME_DIR;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--unstable-webgpu",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        script,
      ],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, stderr);
    assert.match(new TextDecoder().decode(out.stdout), /^(native|wasm|webgpu)\n$/);
    assert.doesNotMatch(stderr, /XDG_RUNTIME_DIR/);
  } finally {
    await Deno.remove(script);
  }
});
