"""Training-step throughput of the PyTorch reference, driven by `deno task perf --vs torch`
(lab/torch/vs_torch.ts) so both frameworks are timed interleaved on the same machine.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
  {"cmd": "setup", "id": str, "model": str, "options": {...}, "dataShape": [...], "batch": int,
   "method": str, "methodOptions": {...}, "k": int, "T": int, "seed": int, optional "schedule" (default
   "linear"), "lr" (1e-4), "beta1" (0.9), "beta2" (0.999), "emaDecay" (0.995), "t" and "cluster" (lists of
   per-batch lists: antbench's timesteps and clusters)}
      builds the model (PyTorch default initialisation), Adam (eps 1e-8), EMA, the method, and 4 batches:
      x0, noise ~ N(0, I) from numpy; t and cluster as given (else t uniform, cluster = floor(t k / T))
      -> {"ok": true, "params": int}
  {"cmd": "time", "id": str, "threads": int, "warmup": int, "steps": int}
      torch.set_num_threads(threads) and the same count for OpenBLAS (its own thread pool, which
      torch.set_num_threads does not touch); warm-up steps, then the wall time of each timed step in ms
      -> {"ok": true, "ms": [...], "threads": int, "blasThreads": int | null}
  {"cmd": "info"}
      -> versions, threads, the environment variables that select kernels (OPENBLAS_CORETYPE, ...), the
         OpenBLAS and oneDNN libraries loaded in this process (path, config, core, ISA), torch.__config__
  {"cmd": "quit"}
A step = batch -> per-sample losses -> the method's gradient -> Adam -> EMA, as antbench's shared stepper.
Libraries: Debian's python3-torch runs its GEMMs on the system BLAS (libblas.so.3, OpenBLAS when
libopenblas0-pthread provides it) and its convolutions on oneDNN (libdnnl) or im2col + BLAS. OpenBLAS
0.3.21 picks its kernels from the CPU model and falls back to slow Prescott (SSE3) ones on CPUs it does not
know, unless OPENBLAS_CORETYPE names the core: the driver passes the value antbench itself uses.
Errors are replied as {"ok": false, "error": str}. Run with /usr/bin/python3 (Debian python3-torch).
"""
import ctypes
import json
import os
import re
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import Ema, build_model, make_betas, make_schedule, to_model_input  # noqa: E402
from hybrid import Tables, training_loss  # noqa: E402
from methods import METHODS  # noqa: E402


# The same list as lab/perf/kernel_env.ts (antbench's side).
KERNEL_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY",
              "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "MKL_NUM_THREADS")


BUILD_SETTING = re.compile(r"([A-Z_0-9]+)=([^,\s]*)")
BUILD_KEYS = ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP", "PERF_WITH_AVX512", "TORCH_VERSION")


def loaded_library(fragment):
    """Path of a shared library mapped into this process whose file name contains `fragment`, else None."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line and ".so" in line}
    except OSError:
        return None
    hits = sorted(p for p in paths if fragment in os.path.basename(p))
    return hits[0] if hits else None


def openblas():
    """The OpenBLAS torch runs on (ctypes handle of the mapped library), or None."""
    path = loaded_library("libopenblas")
    if path is None:
        return None, None
    lib = ctypes.CDLL(path)
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return path, lib


def openblas_info():
    path, lib = openblas()
    if lib is None:
        return None
    return {"path": path, "config": lib.openblas_get_config().decode().strip(),
            "coreName": lib.openblas_get_corename().decode().strip(), "threads": lib.openblas_get_num_threads()}


class DnnlVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int),
                ("hash", ctypes.c_char_p)]


def dnnl_info():
    path = loaded_library("libdnnl")
    if path is None:
        return None
    lib = ctypes.CDLL(path)
    lib.dnnl_version.restype = ctypes.POINTER(DnnlVersion)
    lib.dnnl_cpu_isa2str.restype = ctypes.c_char_p
    lib.dnnl_cpu_isa2str.argtypes = [ctypes.c_int]
    v = lib.dnnl_version().contents
    return {"path": path, "version": f"{v.major}.{v.minor}.{v.patch} ({(v.hash or b'').decode()})",
            "isa": lib.dnnl_cpu_isa2str(lib.dnnl_get_effective_cpu_isa()).decode()}


def set_threads(n):
    """torch's intra-op (OpenMP) threads and OpenBLAS's; returns OpenBLAS's count (None without it)."""
    torch.set_num_threads(n)
    _, lib = openblas()
    if lib is None:
        return None
    lib.openblas_set_num_threads(n)
    return lib.openblas_get_num_threads()


def info():
    config = torch.__config__.show()
    return {"ok": True, "torch": torch.__version__, "numpy": np.__version__,
            "maxThreads": torch.get_num_threads(), "cpus": os.cpu_count(),
            "parallel": torch.__config__.parallel_info().splitlines()[:6],
            "environment": {k: os.environ.get(k) for k in KERNEL_ENV},
            "openblas": openblas_info(), "onednn": dnnl_info(),
            "mkldnn": {"available": torch.backends.mkldnn.is_available(),
                       "enabled": bool(torch.backends.mkldnn.enabled)},
            "config": [line.strip(" -") for line in config.splitlines()
                       if any(w in line for w in ("MKL-DNN", "CPU capability", "OpenMP", "LAPACK is"))],
            "build": {k: v for k, v in BUILD_SETTING.findall(config) if k in BUILD_KEYS}}


class Bench:
    def __init__(self, spec):
        torch.manual_seed(spec.get("seed", 0))
        rng = np.random.default_rng(spec.get("seed", 0))
        self.model_id = spec["model"]
        self.model = build_model(self.model_id, spec.get("options", {}), spec["dataShape"])
        self.k, T, B = spec["k"], spec["T"], spec["batch"]
        self.alpha_bar = make_schedule(spec.get("schedule", "linear"), T)
        self.tables = Tables(make_betas(spec.get("schedule", "linear"), T))
        self.learn_sigma = bool(spec.get("options", {}).get("learnSigma", self.model_id == "dit"))
        self.method = METHODS[spec["method"]](spec.get("methodOptions", {}), self.k, 0)
        betas = (float(spec.get("beta1", 0.9)), float(spec.get("beta2", 0.999)))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=float(spec.get("lr", 1e-4)), betas=betas, eps=1e-8)
        self.params = list(self.model.parameters())
        self.ema = Ema(self.params, float(spec.get("emaDecay", 0.995)))
        shape = [B] + list(spec["dataShape"])
        self.batches = []
        for i in range(4):
            if "t" in spec:  # antbench's timesteps and clusters of its first batches (same group sizes)
                t = np.asarray(spec["t"][i % len(spec["t"])], dtype=np.int64)
                cl = np.asarray(spec["cluster"][i % len(spec["cluster"])], dtype=np.int64)
            else:
                t = rng.integers(0, T, size=B)
                cl = (t * self.k) // T
            self.batches.append((rng.standard_normal(shape).astype(np.float32),
                                 rng.standard_normal(shape).astype(np.float32),
                                 t.astype(np.int64), cl))
        self.step_count = 0

    def step(self):
        x0n, nn_, tn, cl = self.batches[self.step_count % len(self.batches)]
        x0 = to_model_input(torch.from_numpy(x0n), self.model_id)
        noise = to_model_input(torch.from_numpy(nn_), self.model_id)
        t = torch.from_numpy(tn)

        def per_sample(idx):
            if idx is None:
                return training_loss(self.model, self.alpha_bar, self.tables, x0, noise, t, self.learn_sigma)
            ii = torch.from_numpy(np.asarray(idx))
            return training_loss(self.model, self.alpha_bar, self.tables, x0[ii], noise[ii], t[ii],
                                 self.learn_sigma)

        loss, _ = self.method.step(self.model, per_sample, cl, self.k, self.step_count)
        self.opt.step()
        self.ema.update(self.params, self.step_count)
        self.step_count += 1
        return loss


def main():
    benches = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
            cmd = msg["cmd"]
            if cmd == "quit":
                break
            if cmd == "setup":
                b = Bench(msg)
                benches[msg["id"]] = b
                reply = {"ok": True, "params": sum(p.numel() for p in b.params)}
            elif cmd == "time":
                b = benches[msg["id"]]
                blas_threads = set_threads(int(msg["threads"]))
                for _ in range(int(msg.get("warmup", 0))):
                    b.step()
                ms = []
                for _ in range(int(msg["steps"])):
                    t0 = time.perf_counter()
                    loss = b.step()
                    ms.append((time.perf_counter() - t0) * 1000)
                    if not np.isfinite(loss):
                        raise RuntimeError(f"loss became {loss}")
                reply = {"ok": True, "ms": ms, "threads": torch.get_num_threads(), "blasThreads": blas_threads}
            elif cmd == "info":
                reply = info()
            else:
                reply = {"ok": False, "error": f"unknown cmd {cmd!r}"}
        except Exception as e:  # reply instead of dying: the driver reports the row as failed
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
