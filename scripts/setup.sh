#!/usr/bin/env bash
# One-time set-up of a fresh machine for antbench: npm packages (Deno itself, TensorFlow.js, ...) and the
# Debian packages the full test suite and the image suites use. Idempotent: re-running it is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --loglevel=error

# Debian packages: Fashion-MNIST data, Chromium (HTML report test), PyTorch (cross-framework parity; it also
# brings libdnnl2, oneDNN, which the native backend uses for convolutions), Mesa's lavapipe (a software
# Vulkan adapter, so the WebGPU tests run on machines without a GPU), and OpenBLAS for the native backend.
# OpenBLAS: libopenblas0-pthread, not the libopenblas0 metapackage (which may resolve to the OpenMP or the
# serial build): the pthread build honours openblas_set_num_threads at run time, so a run's fixed thread
# count (bit-identical reruns) and 2 jobs x 1 thread are both possible, and it does not share an OpenMP
# runtime with oneDNN. Note that it also becomes the libblas.so.3 / liblapack.so.3 alternative, i.e. the
# BLAS of Debian's numpy, scipy and PyTorch.
want=(dataset-fashion-mnist chromium python3-torch python3-numpy mesa-vulkan-drivers libopenblas0-pthread)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not root, skipping Debian packages: ${missing[*]} (install them with sudo apt-get install)" >&2
  fi
fi
echo "setup: done" >&2
