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
      torch.set_num_threads(threads); warm-up steps, then the wall time of each timed step in ms
      -> {"ok": true, "ms": [...], "threads": int}
  {"cmd": "quit"}
A step = batch -> per-sample losses -> the method's gradient -> Adam -> EMA, as antbench's shared stepper.
Errors are replied as {"ok": false, "error": str}. Run with /usr/bin/python3 (Debian python3-torch).
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import Ema, build_model, make_betas, make_schedule, to_model_input  # noqa: E402
from hybrid import Tables, training_loss  # noqa: E402
from methods import METHODS  # noqa: E402


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
                torch.set_num_threads(int(msg["threads"]))
                for _ in range(int(msg.get("warmup", 0))):
                    b.step()
                ms = []
                for _ in range(int(msg["steps"])):
                    t0 = time.perf_counter()
                    loss = b.step()
                    ms.append((time.perf_counter() - t0) * 1000)
                    if not np.isfinite(loss):
                        raise RuntimeError(f"loss became {loss}")
                reply = {"ok": True, "ms": ms, "threads": torch.get_num_threads()}
            elif cmd == "info":
                reply = {"ok": True, "torch": torch.__version__, "numpy": np.__version__,
                         "maxThreads": torch.get_num_threads(), "cpus": os.cpu_count(),
                         "parallel": torch.__config__.parallel_info().splitlines()[:6]}
            else:
                reply = {"ok": False, "error": f"unknown cmd {cmd!r}"}
        except Exception as e:  # reply instead of dying: the driver reports the row as failed
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
