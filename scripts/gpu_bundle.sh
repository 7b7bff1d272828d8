#!/usr/bin/env bash
# Build a self-contained bundle for running antbench on a GPU machine that has no registry access
# (see docs/gpu.md). Output (default .cache/gpu_bundle/, or the directory given as $1):
#   deno.xz              the Deno binary of node_modules/.bin/deno, xz-compressed
#   perf.js, bench.js    `deno bundle` of lab/perf/main.ts and src/cli/bench.ts (npm packages inlined)
#   tfjs-wasm/           tfjs-backend-wasm's .wasm files (point ANTBENCH_TFJS_WASM_DIR at this folder)
#   run_perf.sh          unpacks deno if needed and runs the perf bundle with the right flags
#   SHA256SUMS           checksums of everything above
# Then: tar -C .cache -cf gpu_bundle.tar gpu_bundle   (and copy the tar to the GPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-.cache/gpu_bundle}"
DENO=node_modules/.bin/deno
WASM_DIR=node_modules/@tensorflow/tfjs-backend-wasm/dist

[ -x "$DENO" ] || { echo "gpu_bundle: $DENO missing; run scripts/setup.sh first" >&2; exit 1; }
command -v xz >/dev/null || { echo "gpu_bundle: xz not found (apt-get install xz-utils)" >&2; exit 1; }
mkdir -p "$OUT/tfjs-wasm"

echo "gpu_bundle: compressing the deno binary ($("$DENO" --version | head -1))" >&2
xz -T2 -6 -c "$DENO" >"$OUT/deno.xz.tmp" && mv "$OUT/deno.xz.tmp" "$OUT/deno.xz"

for entry in perf bench; do
  src="src/cli/$entry.ts"
  if [ -f "$src" ]; then
    echo "gpu_bundle: bundling $src" >&2
    "$DENO" bundle --quiet --platform deno -o "$OUT/$entry.js" "$src"
  else
    echo "gpu_bundle: $src not present, skipped" >&2
  fi
done

cp "$WASM_DIR"/tfjs-backend-wasm.wasm "$WASM_DIR"/tfjs-backend-wasm-simd.wasm \
  "$WASM_DIR"/tfjs-backend-wasm-threaded-simd.wasm "$OUT/tfjs-wasm/"

cat >"$OUT/run_perf.sh" <<'EOF'
#!/usr/bin/env bash
# Run the bundled training-step benchmark. Extra arguments go to perf (e.g. --backend webgpu --methods all).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$here/deno" ]; then
  xz -dc "$here/deno.xz" >"$here/deno.tmp" && chmod +x "$here/deno.tmp" && mv "$here/deno.tmp" "$here/deno"
fi
export ANTBENCH_TFJS_WASM_DIR="$here/tfjs-wasm"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
exec "$here/deno" run --unstable-webgpu --allow-read --allow-write --allow-env --allow-run "$here/perf.js" "$@"
EOF
chmod +x "$OUT/run_perf.sh"

(cd "$OUT" && sha256sum deno.xz ./*.js tfjs-wasm/*.wasm run_perf.sh >SHA256SUMS)
echo "gpu_bundle: wrote $OUT ($(du -sh "$OUT" | cut -f1))" >&2
