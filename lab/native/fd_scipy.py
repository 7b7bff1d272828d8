"""pytorch-fid's Frechet distance (pytorch_fid/fid_score.py: calculate_activation_statistics and
calculate_frechet_distance, formula reproduced from the reference) on two .npy activation files.

Prints one JSON line: {"fd", "loadSeconds", "statsSeconds", "fdSeconds", "numpy", "scipy", "blas"}.
Used by lab/native/fd_vs_scipy.ts; needs python3-numpy and python3-scipy.
"""
import json
import sys
import time

import numpy as np
from scipy import linalg


def frechet(mu1, sigma1, mu2, sigma2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def main(a_path, b_path):
    t0 = time.perf_counter()
    a, b = np.load(a_path), np.load(b_path)
    t1 = time.perf_counter()
    mu1, sigma1 = np.mean(a, axis=0), np.cov(a, rowvar=False)
    mu2, sigma2 = np.mean(b, axis=0), np.cov(b, rowvar=False)
    t2 = time.perf_counter()
    fd = frechet(mu1, sigma1, mu2, sigma2)
    t3 = time.perf_counter()
    try:
        blas = np.show_config.__module__ and [
            l for l in open("/proc/self/maps").read().splitlines() if "blas" in l or "lapack" in l
        ]
        blas = sorted({l.split()[-1] for l in blas})
    except Exception:  # noqa: BLE001
        blas = []
    print(json.dumps({
        "fd": fd, "loadSeconds": t1 - t0, "statsSeconds": t2 - t1, "fdSeconds": t3 - t2,
        "numpy": np.__version__, "scipy": __import__("scipy").__version__, "blas": blas,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
