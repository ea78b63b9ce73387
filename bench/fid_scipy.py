#!/usr/bin/env python3
"""Baseline for ndevid's FID benchmark: FID computed the way the reference repos do it.

    mu, sigma = mean and np.cov of each feature set (float64)
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)        # dense, non-symmetric, O(d^3) complex Schur
    keep covmean.real (the repos drop the imaginary part silently; here its size is reported)
    fid = |mu1 - mu2|^2 + tr(sigma1) + tr(sigma2) - 2 tr(covmean)

Usage: fid_scipy.py REAL.npy FAKE.npy   -> prints one JSON object (last line of stdout).
Run it with Debian's interpreter (/usr/bin/python3 with python3-numpy + python3-scipy) for the recorded numbers.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import scipy
from scipy import linalg


def sqrtm(m):
    # scipy < 1.16: sqrtm(A, disp=False) -> (root, errest); newer versions deprecate `disp`.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = linalg.sqrtm(m, disp=False)
        except TypeError:
            r = linalg.sqrtm(m)
    return r[0] if isinstance(r, tuple) else r


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    t_load = time.perf_counter()
    x1 = np.load(sys.argv[1]).astype(np.float64)
    x2 = np.load(sys.argv[2]).astype(np.float64)
    t0 = time.perf_counter()
    mu1, s1 = x1.mean(axis=0), np.cov(x1, rowvar=False)
    mu2, s2 = x2.mean(axis=0), np.cov(x2, rowvar=False)
    t1 = time.perf_counter()
    covmean = sqrtm(s1.dot(s2))
    offset_used = False
    if not np.isfinite(covmean).all():
        # pytorch-fid's fallback: add eps to the diagonals.
        offset = np.eye(s1.shape[0]) * 1e-6
        covmean = sqrtm((s1 + offset).dot(s2 + offset))
        offset_used = True
    max_imag = float(np.max(np.abs(covmean.imag))) if np.iscomplexobj(covmean) else 0.0
    covmean = covmean.real
    diff = mu1 - mu2
    fid = float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))
    t2 = time.perf_counter()
    print(json.dumps({
        "fid": fid,
        "method": "scipy.linalg.sqrtm(sigma1 @ sigma2).real",
        "seconds": t2 - t0,
        "seconds_cov": t1 - t0,
        "seconds_sqrtm": t2 - t1,
        "seconds_load": t0 - t_load,
        "max_abs_imag_discarded": max_imag,
        "eps_offset_used": offset_used,
        "n_real": int(x1.shape[0]),
        "n_fake": int(x2.shape[0]),
        "d": int(x1.shape[1]),
        "python": sys.executable,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "omp_threads": os.environ.get("OMP_NUM_THREADS", ""),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
