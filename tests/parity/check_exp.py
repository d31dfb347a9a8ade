#!/usr/bin/env python3
"""Sweep check: `flowrun::numpy::exp::exp_svml` against this machine's `np.exp` (float64).

On x86-64 CPUs with AVX512_SKX numpy evaluates float64 `exp` with Intel SVML (`__svml_exp8_ha`);
`exp_svml` is a scalar port of it and must agree bit for bit. The script

1. checks that numpy here really takes the SVML path (np.exp differs from math.exp = libm on
   some random inputs; if not, the comparison would be against libm and is meaningless),
2. builds the test vectors:
   (a) every Gaussian-kernel argument `(-0.5 / (s*s)) * float(k*k)`, k = 0 .. int(4s + 0.5) + 1,
       for many sigmas in 0.3 .. 50 (integers, halves, and random non-integers), truncate 4;
   (b) random doubles: uniform in [-745, 0], [-50, 0], [-1, 1], plus wide exponent spreads;
   (c) edge cases: ±0, tiny magnitudes, the rare-path thresholds and their neighbours, the
       underflow / subnormal-result range -708 .. -746, overflow range, ±inf, nan,
3. computes np.exp on them (contiguous float64 arrays, i.e. the SIMD path),
4. writes (input bits, expected bits) pairs to a temporary file and runs the ignored Rust test
   `numpy::exp::tests::sweep_against_file` on it, which prints "N of N identical".

Usage: python3 tests/parity/check_exp.py [--random N] [--seed S] [--keep FILE]
Needs cargo; set CARGO_TARGET_DIR as usual.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def libm_exp(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def numpy_uses_svml() -> tuple[bool, int]:
    x = np.random.RandomState(1).uniform(-50.0, 0.0, 100_000)
    simd = np.exp(x)
    libm = np.array([math.exp(v) for v in x])
    diff = int(np.count_nonzero(simd != libm))
    return diff > 0, diff


def kernel_args(rng: np.random.RandomState) -> np.ndarray:
    sigmas = set()
    sigmas.update(float(s) for s in range(1, 51))
    sigmas.update(s / 2 for s in range(1, 101))
    sigmas.update(s / 10 for s in range(3, 501))
    sigmas.update(float(s) for s in rng.uniform(0.3, 50.0, 2000))
    out = []
    for s in sorted(sigmas):
        c = -0.5 / (s * s)
        r = int(4.0 * s + 0.5)
        k2 = np.arange(0, r + 2, dtype=np.float64) ** 2  # exact integers
        out.append(c * k2)
    return np.concatenate(out)


def random_args(rng: np.random.RandomState, n: int) -> np.ndarray:
    parts = [
        rng.uniform(-745.0, 0.0, n),
        rng.uniform(-50.0, 0.0, n),
        rng.uniform(-1.0, 1.0, n),
        rng.uniform(-1e6, 0.0, n // 10),
        rng.uniform(0.0, 709.8, n // 10),
        # log-uniform magnitudes over the whole double range, both signs
        np.sign(rng.uniform(-1, 1, n // 5)) * 2.0 ** rng.uniform(-1074, 10, n // 5),
    ]
    return np.concatenate(parts)


def edge_args() -> np.ndarray:
    v = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 2.0**-54, -(2.0**-54), 2.0**-53,
         1e-17, -1e-17, 1e-10, -1e-10, 0.5, -0.5, 1.0, -1.0, math.log(2), -math.log(2),
         math.inf, -math.inf, math.nan, 1e6, -1e6, 1e300, -1e300, 1.7976931348623157e308,
         -1.7976931348623157e308]
    centres = [707.7032713517042, -707.7032713517042, 708.3964185322641, -708.3964185322641,
               709.782712893384, -709.782712893384, 745.1332191019411, -745.1332191019411,
               -745.1332191019412, -744.44007192138126, -708.0, -709.0, -710.0, -720.0,
               -730.0, -740.0, -745.0, -746.0, 709.7773, 709.78]
    for c in centres:
        x = np.float64(c)
        for _ in range(64):
            v.append(float(x))
            x = np.nextafter(x, np.inf)
        x = np.float64(c)
        for _ in range(64):
            x = np.nextafter(x, -np.inf)
            v.append(float(x))
    v.extend(np.linspace(-746.0, -707.0, 20001).tolist())
    v.extend(np.linspace(707.0, 710.0, 2001).tolist())
    return np.array(v, dtype=np.float64)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--random", type=int, default=200_000, help="size of each random group")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--keep", help="also write the vector file here")
    args = ap.parse_args()

    svml, diff = numpy_uses_svml()
    print(f"numpy {np.__version__}: np.exp != math.exp on {diff} of 100000 random inputs "
          f"-> {'SVML (AVX512_SKX) path' if svml else 'libm path (no SVML here!)'}")
    if not svml:
        print("numpy does not use SVML on this machine; nothing to compare against", file=sys.stderr)
        return 2

    rng = np.random.RandomState(args.seed)
    groups = {
        "kernel": kernel_args(rng),
        "random": random_args(rng, args.random),
        "edge": edge_args(),
    }
    all_pairs = []
    for name, x in groups.items():
        x = np.ascontiguousarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            y = np.exp(x)
        libm = np.array([libm_exp(v) for v in x])
        same = (y.view(np.uint64) == libm.view(np.uint64)) | (np.isnan(y) & np.isnan(libm))
        print(f"{name:7s}: {len(x)} inputs, np.exp differs from libm exp on {len(x) - same.sum()}")
        all_pairs.append(np.stack([x.view(np.uint64), y.view(np.uint64)], axis=1))
    pairs = np.concatenate(all_pairs).astype("<u8")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "exp_vectors.bin"
        pairs.tofile(path)
        env = dict(os.environ, FLOWRUN_EXP_SWEEP=str(path))
        cmd = ["cargo", "test", "--release", "--lib", "numpy::exp::tests::sweep_against_file",
               "--", "--ignored", "--nocapture"]
        print("$", " ".join(cmd))
        res = subprocess.run(cmd, cwd=REPO, env=env)
        return res.returncode


if __name__ == "__main__":
    sys.exit(main())
