"""Replay an antbench parity case in PyTorch and write the reference trajectory next to it.

Usage: /usr/bin/python3 lab/torch/parity.py [--dtype float32|float64|both] CASE_DIR...

A case directory is written by lab/parity/export.ts:
  case.json   config (model, schedule, k, method, Adam/EMA settings, parameter names and shapes, orders)
  init.npy    initial weights, flat float32, antbench's variable order and layouts
  x0.npy, noise.npy  [S, B, ...dataShape] float32;  t.npy, cluster.npy  [S, B]
For each precision (--dtype; default: the case's referenceDtypes) this writes torch{32,64}_losses.npy [S], torch{32,64}_cluster_grads.npy [m, P] (gradients
of the per-cluster mean losses at step 0), torch{32,64}_update.npy [P] (the method's combined gradient at
step 0), torch{32,64}_weights1.npy / _final.npy / _ema.npy [P], all flat in antbench's order and layouts,
and prints one JSON line per case.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import Ema, build_model, make_betas, make_schedule, to_model_input  # noqa: E402
from hybrid import Tables, training_loss  # noqa: E402
from methods import METHODS, cluster_gradients  # noqa: E402


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]).numpy()


def unflatten(vec, shapes):
    out, off = [], 0
    for s in shapes:
        n = int(np.prod(s)) if len(s) else 1
        out.append(vec[off:off + n].reshape(s))
        off += n
    if off != vec.size:
        raise ValueError(f"weights have {vec.size} values, the parameter shapes need {off}")
    return out


def run_case(case_dir, dtype):
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    torch.manual_seed(0)  # unused by the computation (every random input is read from the case)
    tdt = torch.float32 if dtype == "float32" else torch.float64
    ndt = np.float32 if dtype == "float32" else np.float64
    prefix = "torch32_" if dtype == "float32" else "torch64_"
    model_cfg = case["model"]
    model = build_model(model_cfg["id"], model_cfg["options"], case["dataShape"])
    names = [p["name"] for p in case["params"]]
    if model.antbench_names() != names:
        raise ValueError(f"{case_dir}: parameter order differs:\n torch    {model.antbench_names()}\n"
                         f" antbench {names}")
    init = np.load(os.path.join(case_dir, "init.npy"))
    model.load_antbench(unflatten(init.astype(np.float32), [tuple(p["shape"]) for p in case["params"]]))
    model = model.to(tdt)
    alpha_bar = make_schedule(case["schedule"]["id"], case["schedule"]["T"])
    tables = Tables(make_betas(case["schedule"]["id"], case["schedule"]["T"]))
    learn_sigma = bool(model_cfg["options"].get("learnSigma", False))
    exported_ab = np.asarray(case["schedule"]["alphaBar"])
    if np.max(np.abs(exported_ab - alpha_bar)) > 1e-12:
        raise ValueError(f"{case_dir}: noise schedule differs from antbench's by "
                         f"{np.max(np.abs(exported_ab - alpha_bar))}")
    x0s = np.load(os.path.join(case_dir, "x0.npy")).astype(ndt)
    noises = np.load(os.path.join(case_dir, "noise.npy")).astype(ndt)
    ts = np.load(os.path.join(case_dir, "t.npy")).astype(np.int64)
    clusters = np.load(os.path.join(case_dir, "cluster.npy")).astype(np.int64)
    k, tr = case["k"], case["train"]
    mid = case["method"]["id"]
    if mid == "pcgrad":
        method = METHODS[mid](case["method"]["options"], k, tr["steps"], orders=case["pcgradOrders"])
    else:
        method = METHODS[mid](case["method"]["options"], k, tr["steps"])
    opt = torch.optim.Adam(model.parameters(), lr=tr["lr"], betas=(tr["beta1"], tr["beta2"]), eps=1e-8,
                           weight_decay=0)
    params = list(model.parameters())
    ema = Ema(params, tr["emaDecay"]) if tr["emaDecay"] > 0 else None
    losses = np.zeros(tr["steps"])
    out = {}
    for step in range(tr["steps"]):
        x0 = to_model_input(torch.from_numpy(x0s[step]), model_cfg["id"])
        noise = to_model_input(torch.from_numpy(noises[step]), model_cfg["id"])
        t = torch.from_numpy(ts[step])

        def per_sample(idx, x0=x0, noise=noise, t=t):
            if idx is None:
                return training_loss(model, alpha_bar, tables, x0, noise, t, learn_sigma)
            ii = torch.from_numpy(np.asarray(idx))
            return training_loss(model, alpha_bar, tables, x0[ii], noise[ii], t[ii], learn_sigma)

        if step == 0:
            _, g, _, _ = cluster_gradients(model, per_sample, clusters[0], k)
            gl = []
            for gi in g:  # flat torch-order gradient -> antbench order via the model's .grad views
                off = 0
                for p in params:
                    p.grad = gi[off:off + p.numel()].reshape(p.shape).clone()
                    off += p.numel()
                gl.append(flat(model.antbench_grads()))
            out["cluster_grads"] = np.stack(gl)
            model.zero_grad(set_to_none=True)
        loss, _ = method.step(model, per_sample, clusters[step], k, step)
        losses[step] = loss
        if step == 0:
            out["update"] = flat(model.antbench_grads())
        opt.step()
        if ema is not None:
            ema.update(params, step)
        if step == 0:
            out["weights1"] = flat(model.antbench_params())
    out["losses"] = losses
    out["final"] = flat(model.antbench_params())
    if ema is not None:
        saved = [p.detach().clone() for p in params]
        with torch.no_grad():
            for p, s in zip(params, ema.shadow):
                p.copy_(s)
            out["ema"] = flat(model.antbench_params())
            for p, s in zip(params, saved):
                p.copy_(s)
    for name, arr in out.items():
        np.save(os.path.join(case_dir, prefix + name + ".npy"), np.asarray(arr, dtype=np.float64))
    summary = {"case": case.get("name", case_dir), "dtype": dtype, "steps": tr["steps"],
               "firstLoss": float(losses[0]), "lastLoss": float(losses[-1])}
    if hasattr(method, "summary"):
        summary["method"] = method.summary()
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dtype", choices=["case", "float32", "float64", "both"], default="case",
                    help="case: the precisions listed in each case.json (referenceDtypes)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for case_dir in args.cases:
        if args.dtype == "case":
            with open(os.path.join(case_dir, "case.json")) as f:
                dtypes = json.load(f).get("referenceDtypes", ["float32", "float64"])
        else:
            dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
        for dt in dtypes:
            print(json.dumps(run_case(case_dir, dt)), flush=True)


if __name__ == "__main__":
    main()
