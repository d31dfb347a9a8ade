#!/usr/bin/env python3
"""Parity check: flowrun against numpy / scipy / scikit-image / imageio.

Three groups of cases, each one line of output:

  ref    for each `seed-*.json` in the reference directory (made by the real Python job,
         seed_pipeline.py), run `workflows/blur.toml` with that workload, once with -j 1 and once
         with -j 2: every BMP's sha256 and every input variance must be identical, every output
         variance within 1e-15 relative, and the -j 1 and -j 2 runs must agree byte for byte.
  noise  N random noise workloads (shapes, sigmas, boundary modes, truncate, cval), the expected
         values computed here, in process, exactly like the seed job.
  glob   PNG files (8-bit grey, 16-bit grey, 8-bit RGB, RGBA) through a glob source, expected
         values from skimage.io.imread -> img_as_float -> gaussian -> metrics -> img_as_ubyte ->
         imageio BMP.
  graph  workflows/background.toml on the sample cells, and graphs with a branch and a join
         (bg = gaussian(input); comb = subtract/add/multiply/divide(input, bg); out =
         abs/clip/invert(comb)) over the same PNGs: every metric of every node, and mse between
         nodes, against numpy / skimage.metrics. Every op runs in every check.
  ops    the per-op workloads of tests/parity/ops/<family>.py (see opcases.py): odd sizes,
         constant images, gray / 16-bit / float / RGB inputs, each op's parameters at their
         edges; every output pixel (written as float64 .npy) and every metric compared. Among
         them, ops/jpeg.py: JPEG files written by Pillow, every decoded sample compared; and
         ops/tiff_pages.py: multi-page TIFFs read with frames = "each", page k against
         skimage.io.imread(path, key=k).

Tolerances (docs/exactness.md, "Tolerances"): BMP bytes and input-side numbers identical; anything
computed from the Gaussian within 1e-15 relative. (On AVX-512 CPUs numpy's np.exp is Intel SVML and
differs by 1 ulp from libm on some kernel taps, so filtered values may differ in the last bit.)

`--self-test` checks only the Python side: that the in-process reference reproduces the seed
reference files exactly, that RandomState gives the documented first values, and that imageio +
Pillow still write the BMP layout of docs/exactness.md ("BMP files"). A normal run includes the
cheap part of the self-test as its first case.

The reference files: `--reference DIR`; by default `../shared/reference` beside the repository if
it exists, else the copies committed in `tests/fixtures/reference`. `--skip-reference` runs without
them: no `ref` group, and the self-test leaves out its comparison with the reference files.

The random cases are drawn from `--seed` (fixed by default, printed; `--seed random` picks one);
rerun with the printed seed to replay a failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

try:
    import imageio as imageio_pkg
    import imageio.v2 as imageio
    import numpy as np
    import scipy.ndimage as ndi
    import skimage
    import skimage.color
    import skimage.filters
    import skimage.io
    import skimage.metrics
    import skimage.util
    from skimage import img_as_float, img_as_ubyte
except ImportError as e:  # reported by main(), after argument parsing (so --help works)
    IMPORT_ERROR: ImportError | None = e
else:
    IMPORT_ERROR = None

REPO = Path(__file__).resolve().parents[2]
# The reference files: the shared folder beside the repository when there is one, else the copies
# committed in the repository (identical files), so that a bare clone runs the `ref` group too.
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
FIXTURE_REFERENCE = REPO / "tests" / "fixtures" / "reference"
DEFAULT_SEED = 20240611
REL_TOL = 1e-15
MODES = ["nearest", "reflect", "mirror", "constant", "wrap"]
INT_SIGMAS = [1, 2, 3, 5, 10]
FRAC_SIGMAS = [0.5, 0.8, 1.7, 2.5, 3.3, 4.25, 10.0]
PAIR_SIGMAS = [[1.5, 3.0], [0.5, 2.0], [3.3, 0.7], [2, 5], [10, 1.25]]
TRUNCATES = [1.0, 2.0, 2.5, 3.0, 6.0]


class Mismatch(Exception):
    """A case failed; the message says where and by how much."""


# ----------------------------------------------------------------------------------------------
# The Python reference (the seed job, in process)


def load_my_data(index: int, shape, max_index: int = 255) -> np.ndarray:
    """The seed's load_my_data, verbatim."""
    r = np.random.RandomState(index)
    image = r.normal(loc=((index + 1) % max_index) / max_index, scale=20 / max_index, size=shape)
    return np.clip(image, 0, 1)


def bmp_bytes(image: np.ndarray, tmpdir: Path) -> bytes:
    """`imageio.imwrite(name.bmp, img_as_ubyte(image))`, returned as bytes."""
    path = tmpdir / "expected.bmp"
    imageio.imwrite(path, img_as_ubyte(image))
    return path.read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gaussian(image, sigma, mode="nearest", cval=0.0, truncate=4.0, channel_axis=None):
    if isinstance(sigma, (list, tuple)):
        sigma = tuple(float(s) for s in sigma)
    else:
        sigma = float(sigma)
    return skimage.filters.gaussian(
        image, sigma=sigma, mode=mode, cval=cval, truncate=truncate, channel_axis=channel_axis
    )


def gaussian_exp(image, sigma, mode="nearest", cval=0.0, truncate=4.0, channel_axis=None,
                 exp=math.exp):
    """scipy.ndimage.gaussian_filter re-done with the kernel's exp chosen: `math.exp` is glibc's
    (= Rust's f64::exp), `np.exp` is numpy's (Intel SVML on AVX-512, 1 ulp off on some taps).

    With `exp=np.exp` this equals skimage.filters.gaussian bit for bit (checked by --self-test),
    so the libm variant differs from the reference only by the documented exp difference.
    """
    ndim = image.ndim
    sigmas = list(sigma) if isinstance(sigma, (list, tuple)) else [sigma] * ndim
    if channel_axis is not None:
        sigmas = sigmas + [0] if len(sigmas) == ndim - 1 else sigmas
        sigmas[channel_axis % ndim] = 0
    out = np.zeros(image.shape, dtype=np.float64)
    src = image
    for axis, s in enumerate(float(v) for v in sigmas):
        if s <= 1e-15:
            continue
        r = int(truncate * s + 0.5)
        c = -0.5 / (s * s)
        phi = np.array([exp(c * float(k * k)) for k in range(-r, r + 1)], dtype=np.float64)
        w = phi / phi.sum()
        ndi.correlate1d(src, w[::-1], axis, out, mode, cval, 0)
        src = out
    if src is image:
        out[...] = image
    return out


def noise_expected(index, shape, sigma, mode, cval, truncate, tmpdir):
    img = load_my_data(index, shape)
    iv = float(np.var(img))
    out = gaussian(img, sigma, mode=mode, cval=cval, truncate=truncate)
    ov = float(np.var(out))
    ov_libm = float(np.var(gaussian_exp(img, sigma, mode, cval, truncate)))
    return {"input_variance": iv, "output_variance": ov, "output_variance_libm": ov_libm,
            "bmp": sha256(bmp_bytes(out, tmpdir))}


# ----------------------------------------------------------------------------------------------
# Comparisons


def rel_close(got: float, want: float, tol: float = REL_TOL) -> bool:
    if got == want:
        return True
    if not (math.isfinite(got) and math.isfinite(want)):
        return False
    return abs(got - want) <= tol * max(abs(got), abs(want))


def describe(got, want) -> str:
    if isinstance(got, float) and isinstance(want, float) and want != 0:
        return f"got {got!r}, want {want!r} (rel diff {abs(got - want) / abs(want):.3g})"
    return f"got {got!r}, want {want!r}"


LIBM = -1.0  # check_value's result when only the libm-exp reference matched


def check_value(where: str, got, want, exact: bool, libm=None) -> float:
    """Raises Mismatch unless equal (exact) or within REL_TOL; returns the relative difference.

    `libm`: the same value computed with a glibc-exp kernel (gaussian_exp). A filtered value may
    equal it bit for bit instead: on AVX-512 numpy's exp is 1 ulp off on some kernel taps, and a
    variance of a nearly flat output (small image, large sigma, wrap/constant edges) amplifies
    that ~1e-16 pixel difference far past 1e-15 relative (cancellation in x - mean). Equality with
    the libm reference proves the difference is that and nothing else. Returns LIBM then.
    """
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        raise Mismatch(f"{where}: not a number: {got!r}")
    got = float(got)
    if exact and got != want:
        raise Mismatch(f"{where}: not bit-identical: {describe(got, want)}")
    if not rel_close(got, want):
        if libm is not None and got == libm:
            return LIBM
        extra = "" if libm is None else f"; libm-exp reference {libm!r}"
        raise Mismatch(f"{where}: beyond {REL_TOL:g} relative: {describe(got, want)}{extra}")
    return 0.0 if got == want else abs(got - want) / max(abs(got), abs(want))


@dataclass
class Stats:
    """Counts of how close the float comparisons were, for the case's summary line."""

    exact: int = 0
    inexact: int = 0
    worst: float = 0.0
    libm: int = 0

    def add(self, rel: float):
        if rel == 0.0:
            self.exact += 1
        elif rel == LIBM:
            self.libm += 1
        else:
            self.inexact += 1
            self.worst = max(self.worst, rel)

    def __str__(self):
        s = f"{self.exact + self.inexact + self.libm} values, {self.exact} bit-identical"
        if self.inexact:
            s += f", worst {self.worst:.2g} rel"
        if self.libm:
            s += (f", {self.libm} ill-conditioned beyond 1e-15 but bit-identical to the "
                  f"libm-exp reference")
        return s


# ----------------------------------------------------------------------------------------------
# Running flowrun


@dataclass
class Run:
    cmd: list
    cwd: Path
    rows: list = field(default_factory=list)
    seconds: float = 0.0

    def replay(self) -> str:
        return f"(cd {shlex.quote(str(self.cwd))} && {shlex.join(str(c) for c in self.cmd)})"


def run_flowrun(flowrun: Path, workflow: Path, sets: dict, results: Path, jobs: int, cwd: Path,
                expect_rows: int) -> Run:
    cmd = [str(flowrun), "run", str(workflow)]
    for key, value in sets.items():
        cmd += ["--set", f"{key}={value}"]
    cmd += ["--set", f"output.results={results}", "-j", str(jobs), "--progress", "never", "-q"]
    run = Run(cmd=cmd, cwd=cwd)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise Mismatch(f"flowrun timed out after 600 s\n    replay: {run.replay()}")
    run.seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
        raise Mismatch(f"flowrun exited with {proc.returncode}\n    replay: {run.replay()}\n"
                       + "\n".join("    | " + line for line in tail.splitlines()))
    try:
        rows = json.loads(results.read_text())
    except (OSError, ValueError) as e:
        raise Mismatch(f"cannot read results {results}: {e}\n    replay: {run.replay()}")
    if not isinstance(rows, list):
        raise Mismatch(f"results {results} is not a JSON array\n    replay: {run.replay()}")
    rows = sorted(rows, key=lambda r: r.get("index", -1))
    if [r.get("index") for r in rows] != list(range(expect_rows)):
        raise Mismatch(f"results have indexes {[r.get('index') for r in rows]}, want "
                       f"0..{expect_rows - 1}\n    replay: {run.replay()}")
    for r in rows:
        if r.get("status") != "ok" or r.get("error") is not None:
            raise Mismatch(f"image {r.get('index')} ({r.get('input')}): status "
                           f"{r.get('status')!r}, error {r.get('error')!r}\n    replay: {run.replay()}")
    run.rows = rows
    return run


def output_file(run: Run, row: dict) -> Path:
    out = row.get("output")
    if not isinstance(out, str):
        raise Mismatch(f"image {row['index']}: no output path in results: {out!r}")
    p = Path(out)
    return p if p.is_absolute() else run.cwd / p


# ----------------------------------------------------------------------------------------------
# Cases


def seed_workloads(refdir: Path):
    files = sorted(refdir.glob("seed-*.json"),
                   key=lambda p: json.loads(p.read_text())["workload"]["count"]
                   * math.prod(json.loads(p.read_text())["workload"]["shape"]))
    if not files:
        raise SystemExit(f"parity: no seed-*.json in {refdir} "
                         f"(--skip-reference runs without them)")
    return files


def self_test(refdir: Path | None, workdir: Path, max_pixels: int | None) -> str:
    """The Python side alone: proves the in-process reference equals the seed reference files.

    BMPs and input variances must be identical; output variances too, except on a CPU whose
    numpy exp differs from the one that made the references (then within 1e-15, and said so).
    With `refdir` None (--skip-reference) only the checks that need no reference file run.
    """
    notes = []
    # docs/exactness.md, "Noise": the documented first values of the legacy stream.
    want = [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458]
    got = np.random.RandomState(0).normal(size=4).tolist()
    if got != want:
        raise Mismatch(f"RandomState(0).normal(size=4) = {got}, want {want}")
    # docs/exactness.md, "BMP files": Pillow's 8-bit BMP header (3780 px/m, 256 colours important) and
    # the 24-bit RGB layout; if pip pulled a Pillow that writes differently, say so here.
    b = bmp_bytes(np.zeros((2, 3)), workdir)
    hdr = (b[:2], int.from_bytes(b[10:14], "little"), int.from_bytes(b[28:30], "little"),
           int.from_bytes(b[38:42], "little"), int.from_bytes(b[50:54], "little"), len(b))
    if hdr != (b"BM", 1078, 8, 3780, 256, 1078 + 4 * 2):
        raise Mismatch(f"imageio/Pillow 8-bit BMP header changed: {hdr}")
    b = bmp_bytes(np.zeros((2, 3, 3)), workdir)
    want_hex = ("424d4e000000000000003600000028000000030000000200000001001800"
                "0000000018000000c40e0000c40e00000000000000000000")
    if b[:54].hex() != want_hex or len(b) != 78:
        raise Mismatch(f"imageio/Pillow 24-bit BMP header changed: {b[:54].hex()}")
    # uint8 -> float is x * (1/255) (docs/exactness.md, "Reading images"), which differs from
    # x / 255.
    u8 = np.arange(256, dtype=np.uint8)
    if not np.array_equal(img_as_float(u8), u8 * (1.0 / 255)):
        raise Mismatch("img_as_float(uint8) is not x * (1/255)")

    # gaussian_exp with numpy's exp must be skimage.filters.gaussian exactly, so that its libm
    # variant (the fallback in check_value) differs from the reference in the exp only.
    rs = np.random.RandomState(7)
    for shape, sigma, mode, channel_axis in [((37, 53), 2.5, "nearest", None),
                                             ((5, 7), 10, "wrap", None),
                                             ((1, 30), [1.5, 3.0], "mirror", None),
                                             ((12, 1), 3.3, "constant", None),
                                             ((9, 11, 3), 1.7, "reflect", -1),
                                             ((9, 11, 3), [0.5, 2.0], "constant", -1)]:
        img = rs.random_sample(shape)
        want_img = gaussian(img, sigma, mode=mode, cval=0.25, truncate=3.0,
                            channel_axis=channel_axis)
        got_img = gaussian_exp(img, sigma, mode, 0.25, 3.0, channel_axis, exp=np.exp)
        if not np.array_equal(got_img, want_img):
            raise Mismatch(f"gaussian_exp(np.exp) != skimage gaussian for {shape} sigma={sigma} "
                           f"mode={mode}: max diff {np.abs(got_img - want_img).max()}")

    if refdir is None:
        return "Python side ok; reference files skipped (--skip-reference)"
    checked = 0
    for ref in seed_workloads(refdir):
        data = json.loads(ref.read_text())
        w = data["workload"]
        n, shape, sigma = w["count"], tuple(w["shape"]), w["sigma"]
        if max_pixels is not None and n * math.prod(shape) > max_pixels:
            continue
        inexact = 0
        for i in range(n):
            e = noise_expected(i, shape, sigma, "nearest", 0.0, 4.0, workdir)
            where = f"{ref.name}[{i}]"
            check_value(f"{where} input_variance", e["input_variance"], data["input_variance"][i],
                        exact=True)
            rel = check_value(f"{where} output_variance", e["output_variance"],
                              data["output_variance"][i], exact=False)
            inexact += rel != 0.0
            if e["bmp"] != data["bmp_sha256"][i]:
                raise Mismatch(f"{where} BMP sha256 {e['bmp']}, reference {data['bmp_sha256'][i]}")
        checked += 1
        notes.append(f"{ref.name} exact" if inexact == 0 else
                     f"{ref.name}: {inexact}/{n} output variances 1-ulp off (different exp?)")
    if checked == 0:
        raise Mismatch("no reference file was small enough to check")
    return "; ".join(notes)


def case_reference(flowrun: Path, ref: Path, workdir: Path) -> str:
    data = json.loads(ref.read_text())
    w = data["workload"]
    n, (h, wd), sigma = w["count"], w["shape"], w["sigma"]
    base = workdir / ref.stem
    runs, stats = {}, Stats()
    for jobs in (1, 2):
        outdir = base / f"j{jobs}"
        outdir.mkdir(parents=True, exist_ok=True)
        sets = {"source.count": n, "source.shape": f"[{h}, {wd}]", "steps.blur.sigma": sigma,
                "output.images": f"{outdir}/image_{{index:2}}.bmp"}
        run = run_flowrun(flowrun, REPO / "workflows" / "blur.toml", sets, outdir / "results.json",
                          jobs, REPO, n)
        try:
            for i, row in enumerate(run.rows):
                path = output_file(run, row)
                if path.name != f"image_{i:2d}.bmp":
                    raise Mismatch(f"image {i}: written to {path.name!r}, want 'image_{i:2d}.bmp'")
                digest = sha256(path.read_bytes())
                if digest != data["bmp_sha256"][i]:
                    raise Mismatch(f"image {i}: BMP sha256 {digest}, reference {data['bmp_sha256'][i]}")
                check_value(f"image {i} input_variance", row.get("input_variance"),
                            data["input_variance"][i], exact=True)
                stats.add(check_value(f"image {i} output_variance", row.get("output_variance"),
                                      data["output_variance"][i], exact=False))
        except Mismatch as e:
            raise Mismatch(f"{e}\n    replay: {run.replay()}")
        runs[jobs] = run
    for i in range(n):
        a, b = runs[1].rows[i], runs[2].rows[i]
        for key in ("input", "status", "input_variance", "output_variance"):
            if a.get(key) != b.get(key):
                raise Mismatch(f"-j 1 and -j 2 differ at image {i} {key}: {a.get(key)!r} vs "
                               f"{b.get(key)!r}\n    replay: {runs[2].replay()}")
        if output_file(runs[1], a).read_bytes() != output_file(runs[2], b).read_bytes():
            raise Mismatch(f"-j 1 and -j 2 BMPs differ at image {i}\n    replay: {runs[2].replay()}")
    return (f"{ref.name} count={n} shape={h}x{wd} sigma={sigma}: -j1 {runs[1].seconds:.2f}s, "
            f"-j2 {runs[2].seconds:.2f}s, identical; output_variance {stats}")


@dataclass
class NoiseCase:
    count: int
    shape: tuple
    sigma: object  # int, float or [sy, sx]
    mode: str
    cval: float | None
    truncate: float | None
    pattern: str  # the images pattern's file name part

    def label(self):
        s = self.sigma if not isinstance(self.sigma, list) else f"[{self.sigma[0]},{self.sigma[1]}]"
        text = f"noise count={self.count} shape={self.shape[0]}x{self.shape[1]} sigma={s} mode={self.mode}"
        if self.cval is not None:
            text += f" cval={self.cval}"
        if self.truncate is not None:
            text += f" truncate={self.truncate}"
        return text


def draw_noise_cases(rng: random.Random, n: int):
    """Deterministic from rng; modes cycle so each appears once in any 5 consecutive cases,
    the first cases take the awkward shapes."""
    special = [(37, 53), (1, 1), (1, rng.randint(2, 96)), (rng.randint(2, 96), 1), (2, 3),
               (rng.choice([16, 32, 48, 64]), rng.choice([16, 40, 96])), (96, 96), (5, 7)]
    modes = MODES[:]
    rng.shuffle(modes)
    kinds = ["int", "frac", "pair"]
    patterns = ["image_{index:2}.bmp", "image_{index:02}.bmp", "img{index}.bmp"]
    cases = []
    for k in range(n):
        shape = special[k] if k < len(special) else (rng.randint(1, 96), rng.randint(1, 96))
        kind = kinds[k % 3]
        if kind == "int":
            sigma = rng.choice(INT_SIGMAS)
        elif kind == "frac":
            sigma = rng.choice(FRAC_SIGMAS + [round(rng.uniform(0.3, 6.0), 3)])
        else:
            sigma = list(rng.choice(PAIR_SIGMAS))
        mode = modes[k % len(modes)]
        cval = None
        if mode == "constant":
            cval = rng.choice([0.0, 1.0, round(rng.uniform(0, 1), 4), round(rng.uniform(0, 1), 4)])
        truncate = rng.choice(TRUNCATES) if rng.random() < 0.35 else None
        cases.append(NoiseCase(rng.randint(1, 4), shape, sigma, mode, cval, truncate,
                               patterns[k % len(patterns)]))
    # Edges scikit-image accepts, each an identity along some axis: sigma 0 (per axis or both)
    # and truncate 0 (a one-tap kernel). Fixed, so they do not move the random draws above.
    cases += [NoiseCase(2, (23, 31), 0.0, "nearest", None, None, patterns[0]),
              NoiseCase(2, (23, 31), [0.0, 2.5], "reflect", None, None, patterns[1]),
              NoiseCase(2, (23, 31), [1.5, 0.0], "wrap", None, None, patterns[2]),
              NoiseCase(2, (23, 31), 3.0, "mirror", None, 0.0, patterns[0])]
    return cases


def python_name(pattern: str, i: int) -> str:
    return (pattern.replace("{index:2}", f"{i:2d}").replace("{index:02}", f"{i:02d}")
            .replace("{index}", str(i)))


def case_noise(flowrun: Path, case: NoiseCase, k: int, workdir: Path) -> str:
    outdir = workdir / f"noise-{k:02d}"
    outdir.mkdir(parents=True, exist_ok=True)
    sigma_toml = (f"[{case.sigma[0]}, {case.sigma[1]}]" if isinstance(case.sigma, list)
                  else repr(case.sigma))
    sets = {"source.count": case.count, "source.shape": f"[{case.shape[0]}, {case.shape[1]}]",
            "steps.blur.sigma": sigma_toml, "steps.blur.mode": case.mode,
            "output.images": f"{outdir}/{case.pattern}"}
    if case.cval is not None:
        sets["steps.blur.cval"] = repr(case.cval)
    if case.truncate is not None:
        sets["steps.blur.truncate"] = repr(case.truncate)
    run = run_flowrun(flowrun, REPO / "workflows" / "blur.toml", sets, outdir / "results.json",
                      2, REPO, case.count)
    stats = Stats()
    try:
        for i, row in enumerate(run.rows):
            if row.get("input") != f"noise:{i}":
                raise Mismatch(f"image {i}: input {row.get('input')!r}, want 'noise:{i}'")
            e = noise_expected(i, case.shape, case.sigma, case.mode,
                               0.0 if case.cval is None else case.cval,
                               4.0 if case.truncate is None else case.truncate, outdir)
            path = output_file(run, row)
            if path.name != python_name(case.pattern, i):
                raise Mismatch(f"image {i}: written to {path.name!r}, want "
                               f"{python_name(case.pattern, i)!r}")
            check_value(f"image {i} input_variance", row.get("input_variance"),
                        e["input_variance"], exact=True)
            stats.add(check_value(f"image {i} output_variance", row.get("output_variance"),
                                  e["output_variance"], exact=False,
                                  libm=e["output_variance_libm"]))
            digest = sha256(path.read_bytes())
            if digest != e["bmp"]:
                raise Mismatch(f"image {i}: BMP sha256 {digest}, expected {e['bmp']}"
                               f" ({first_bmp_difference(path.read_bytes(), outdir)})")
    except Mismatch as e:
        raise Mismatch(f"{e}\n    replay: {run.replay()}")
    return f"{case.label()}: {stats}"


def first_bmp_difference(got: bytes, tmpdir: Path) -> str:
    """Where the last expected BMP (tmpdir/expected.bmp) and `got` first differ."""
    want = (tmpdir / "expected.bmp").read_bytes()
    if len(got) != len(want):
        return f"size {len(got)} vs {len(want)} bytes"
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"first difference at byte {i}: {a} vs {b}"
    return "same bytes?"


# Glob: a few small PNGs of each kind.
GLOB_FILES = ["a_gray8.png", "b_gray16.png", "c_rgb8.png", "d_rgba8.png", "e_gray8_tall.png"]
METRICS = ["variance", "mean", "min", "max"]


def write_pngs(rng: np.random.RandomState, indir: Path):
    indir.mkdir(parents=True, exist_ok=True)
    imgs = {
        "a_gray8.png": rng.randint(0, 256, size=(23, 31)).astype(np.uint8),
        "b_gray16.png": rng.randint(0, 65536, size=(19, 27)).astype(np.uint16),
        "c_rgb8.png": rng.randint(0, 256, size=(21, 17, 3)).astype(np.uint8),
        "d_rgba8.png": rng.randint(0, 256, size=(15, 22, 4)).astype(np.uint8),
        "e_gray8_tall.png": rng.randint(0, 256, size=(40, 3)).astype(np.uint8),
    }
    for name, img in imgs.items():
        imageio.imwrite(indir / name, img)


def glob_expected(path: Path, color: str, sigma, mode, cval, truncate, tmpdir: Path):
    img = skimage.io.imread(path)
    if img.ndim == 3:
        img = img[..., :3]  # drop alpha
    img = img_as_float(img)
    if color == "gray" and img.ndim == 3:
        img = skimage.color.rgb2gray(img)
    elif color == "rgb" and img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    rgb = img.ndim == 3
    axis = -1 if rgb else None
    out = gaussian(img, sigma, mode=mode, cval=cval, truncate=truncate, channel_axis=axis)
    out_libm = gaussian_exp(img, sigma, mode, cval, truncate, channel_axis=axis)
    vals, libm = {}, {}
    for name, fn in (("variance", np.var), ("mean", np.mean), ("min", np.min), ("max", np.max)):
        vals[f"in_{name}"] = float(fn(img))
        vals[f"out_{name}"] = float(fn(out))
        libm[f"out_{name}"] = float(fn(out_libm))
    return vals, libm, sha256(bmp_bytes(out, tmpdir)), rgb


def case_glob(flowrun: Path, k: int, color: str, rng: random.Random, workdir: Path,
              indir: Path) -> str:
    name = f"glob-{k}"
    sigma = rng.choice([1.5, 2, 0.7, [1.0, 2.5], 3.3])
    mode = rng.choice(MODES)
    cval = round(rng.uniform(0, 1), 3) if mode == "constant" else 0.0
    truncate = rng.choice([4.0, 4.0, 2.5, 3.0])
    sigma_toml = f"[{sigma[0]}, {sigma[1]}]" if isinstance(sigma, list) else repr(sigma)
    metrics = "\n".join(f'in_{m} = {{ op = "{m}", on = "input" }}\n'
                        f'out_{m} = {{ op = "{m}" }}' for m in METRICS)
    toml = f"""# written by tests/parity/parity.py
name = "{name}"

[source]
kind = "glob"
pattern = "{indir.name}/*.png"
color = "{color}"

[[steps]]
op = "gaussian"
name = "blur"
sigma = {sigma_toml}
mode = "{mode}"
cval = {cval!r}
truncate = {truncate!r}

[metrics]
{metrics}

[output]
images = "{name}/{{stem}}.bmp"
results = "{name}/results.csv"
"""
    wf = workdir / f"{name}.toml"
    wf.write_text(toml)
    run = run_flowrun(flowrun, wf, {}, workdir / name / "results.json", 2, workdir, len(GLOB_FILES))
    stats_in, stats_out = Stats(), Stats()
    label = (f"glob color={color} files={len(GLOB_FILES)} sigma={sigma_toml.replace(' ', '')} "
             f"mode={mode}" + (f" cval={cval}" if mode == "constant" else "")
             + (f" truncate={truncate}" if truncate != 4.0 else ""))
    try:
        for i, row in enumerate(run.rows):
            fname = GLOB_FILES[i]
            if Path(str(row.get("input"))).name != fname:
                raise Mismatch(f"row {i}: input {row.get('input')!r}, want .../{fname}")
            vals, libm, digest, rgb = glob_expected(indir / fname, color, sigma, mode, cval, truncate,
                                              workdir / name)
            # rgb2gray is a BLAS matmul in numpy (order and FMA unspecified), so a grey-converted
            # colour image is only equal to the last bit or so, not bit-exact.
            input_exact = not (color == "gray" and fname in ("c_rgb8.png", "d_rgba8.png"))
            for key, want in vals.items():
                if key.startswith("in_"):
                    stats_in.add(check_value(f"{fname} {key}", row.get(key), want, input_exact))
                else:
                    stats_out.add(check_value(f"{fname} {key}", row.get(key), want, exact=False,
                                              libm=libm[key]))
            path = output_file(run, row)
            if path.name != Path(fname).stem + ".bmp":
                raise Mismatch(f"{fname}: written to {path.name!r}")
            got = path.read_bytes()
            if sha256(got) != digest:
                raise Mismatch(f"{fname}: BMP sha256 {sha256(got)}, expected {digest} "
                               f"({first_bmp_difference(got, workdir / name)})")
    except Mismatch as e:
        raise Mismatch(f"{e}\n    workflow: {wf}\n    replay: {run.replay()}")
    return f"{label}: input {stats_in}; filtered {stats_out}"


# Graph: a branch and a join — bg = gaussian(input), comb = OP(input, bg), out = UNARY(comb) —
# with metrics on every node and mse between nodes, against numpy / scikit-image.
COMBINE = {"subtract": np.subtract, "add": np.add, "multiply": np.multiply,
           "divide": np.true_divide}
UNARY = {
    "abs": ("", np.abs),
    "clip": ("min = 0.25\nmax = 0.75", lambda a: np.clip(a, 0.25, 0.75)),
    "clip-min": ("min = 0.0", lambda a: np.clip(a, 0.0, None)),
    "clip-max": ("max = 0.5", lambda a: np.clip(a, None, 0.5)),
    "invert": ("", lambda a: skimage.util.invert(a)),
    "invert-signed": ("signed_float = true", lambda a: skimage.util.invert(a, signed_float=True)),
    "flip": ("axis = 0", lambda a: np.flip(a, 0)),
    "flip-1": ("axis = 1", lambda a: np.flip(a, 1)),
    "flip-all": ("", lambda a: np.flip(a)),
}
GRAPH_METRICS = ["variance", "mean", "std", "min", "max", "sum"]


def graph_expected(path: Path, sigma, combine: str, unary: str, exp=None):
    """Every metric of the graph workflow for one file (`exp`: the kernel's exp, see gaussian_exp;
    None: skimage's own gaussian)."""
    img = skimage.io.imread(path)
    if img.ndim == 3:
        img = img[..., :3]
    img = img_as_float(img)
    axis = -1 if img.ndim == 3 else None
    if exp is None:
        bg = gaussian(img, sigma, channel_axis=axis)
    else:
        bg = gaussian_exp(img, sigma, channel_axis=axis, exp=exp)
    comb = COMBINE[combine](img, bg)
    out = UNARY[unary][1](comb)
    fns = {"variance": np.var, "mean": np.mean, "std": np.std, "min": np.min, "max": np.max,
           "sum": np.sum}
    vals = {}
    for node, a in (("input", img), ("bg", bg), ("comb", comb), ("out", out)):
        for m in GRAPH_METRICS:
            vals[f"{node}_{m}"] = float(fns[m](a))
    vals["mse_comb_input"] = float(skimage.metrics.mean_squared_error(comb, img))
    vals["mse_out_bg"] = float(skimage.metrics.mean_squared_error(out, bg))
    return vals


def case_graph(flowrun: Path, k: int, rng: random.Random, workdir: Path, indir: Path) -> str:
    """Case k takes the k-th combine and unary op (in turn), so that len(UNARY) cases run every op."""
    name = f"graph-{k}"
    sigma = rng.choice([1.0, 2.5, 4.0])
    combine = sorted(COMBINE)[k % len(COMBINE)]
    unary = sorted(UNARY)[k % len(UNARY)]
    op, params = unary.split("-")[0], UNARY[unary][0]
    metrics = "\n".join(f'{node}_{m} = {{ op = "{m}", on = "{node}" }}'
                        for node in ("input", "bg", "comb", "out") for m in GRAPH_METRICS)
    toml = f"""# written by tests/parity/parity.py
name = "{name}"

[source]
kind = "glob"
pattern = "{indir.name}/*.png"

[[steps]]
op = "gaussian"
name = "bg"
from = "input"
sigma = {sigma!r}

[[steps]]
op = "{combine}"
name = "comb"
inputs = ["input", "bg"]

[[steps]]
op = "{op}"
name = "out"
{params}

[metrics]
{metrics}
mse_comb_input = {{ op = "mse", on = "comb", reference = "input" }}
mse_out_bg = {{ op = "mse", on = "out", reference = "bg" }}

[output]
results = "{name}/results.json"
"""
    wf = workdir / f"{name}.toml"
    wf.write_text(toml)
    run = run_flowrun(flowrun, wf, {}, workdir / name / "results.json", 2, workdir, len(GLOB_FILES))
    exact, filtered = Stats(), Stats()
    label = f"graph sigma={sigma} {combine}(input, gaussian(input)) -> {unary}"
    try:
        for i, row in enumerate(run.rows):
            fname = GLOB_FILES[i]
            want = graph_expected(indir / fname, sigma, combine, unary)
            libm = graph_expected(indir / fname, sigma, combine, unary, exp=math.exp)
            for key, value in want.items():
                if key.startswith("input_"):
                    exact.add(check_value(f"{fname} {key}", row.get(key), value, True))
                else:
                    filtered.add(check_value(f"{fname} {key}", row.get(key), value, False,
                                             libm=libm[key]))
    except Mismatch as e:
        raise Mismatch(f"{e}\n    workflow: {wf}\n    replay: {run.replay()}")
    return f"{label}: input {exact}; downstream {filtered}"


def case_background(flowrun: Path, workdir: Path) -> str:
    """workflows/background.toml as committed, on the sample cells, against the same pipeline in
    numpy / scikit-image: bg = gaussian(img, 25), flat = img - bg, clipped = np.clip(flat, 0, 1)."""
    wf = REPO / "workflows" / "background.toml"
    out = workdir / "background"
    sets = {"output.images": f"{out}/{{stem}}_flat.png", "steps.bg.save": f"{out}/{{stem}}_bg.png",
            "expect.ok": 6}
    files = sorted((REPO / "workflows" / "data" / "cells").glob("*.png"),
                   key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)])
    run = run_flowrun(flowrun, wf, sets, out / "results.json", 2, REPO, len(files))
    exact, close = Stats(), Stats()
    try:
        for row, path in zip(run.rows, files):
            img = img_as_float(skimage.io.imread(path))
            rgb = img.ndim == 3
            if rgb:
                img = skimage.color.rgb2gray(img[..., :3])
            bg = gaussian(img, 25.0)
            bg_libm = gaussian_exp(img, 25.0)
            flat, flat_libm = img - bg, img - bg_libm
            clipped, clipped_libm = np.clip(flat, 0.0, 1.0), np.clip(flat_libm, 0.0, 1.0)
            want = {"input_mean": (np.mean(img), np.mean(img)),
                    "bg_mean": (np.mean(bg), np.mean(bg_libm)),
                    "bg_std": (np.std(bg), np.std(bg_libm)),
                    "flat_min": (np.min(flat), np.min(flat_libm)),
                    "flat_mean": (np.mean(flat), np.mean(flat_libm)),
                    "change": (skimage.metrics.mean_squared_error(flat, img),
                               skimage.metrics.mean_squared_error(flat_libm, img)),
                    "result_variance": (np.var(clipped), np.var(clipped_libm))}
            for key, (value, libm) in want.items():
                # rgb2gray is a BLAS matmul (order and FMA unspecified): equal to the last bits.
                if key == "input_mean" and not rgb:
                    exact.add(check_value(f"{path.name} {key}", row.get(key), float(value), True))
                else:
                    close.add(check_value(f"{path.name} {key}", row.get(key), float(value),
                                          False, libm=float(libm)))
    except Mismatch as e:
        raise Mismatch(f"{e}\n    replay: {run.replay()}")
    return f"workflows/background.toml: input {exact}; graph {close}"


# ----------------------------------------------------------------------------------------------


def run_op_case(opcases, flowrun: Path, case, workdir: Path) -> str:
    try:
        return opcases.run_case(flowrun, case, workdir)
    except opcases.OpMismatch as e:
        raise Mismatch(str(e))


def find_reference(given: Path | None) -> Path | None:
    """The reference directory to use, or None after saying why there is none.

    `given` (from --reference) is taken relative to the current directory, or else to the
    repository. Without it: the shared folder beside the repository, else the committed fixtures,
    with a line saying which.
    """
    if given is not None:
        refdir = given
        if not refdir.is_absolute() and not refdir.is_dir() and (REPO / refdir).is_dir():
            refdir = REPO / refdir
        refdir = refdir.resolve()
        if refdir.is_dir():
            return refdir
        print(f"parity: reference directory {refdir} not found; pass --skip-reference to run "
              f"every case that does not need it", file=sys.stderr)
        return None
    if SHARED_REFERENCE.is_dir():
        return SHARED_REFERENCE.resolve()
    if FIXTURE_REFERENCE.is_dir():
        print(f"parity: no {SHARED_REFERENCE}; using the reference files committed in "
              f"{FIXTURE_REFERENCE.relative_to(REPO)}")
        return FIXTURE_REFERENCE
    print(f"parity: no reference directory: neither {SHARED_REFERENCE} nor {FIXTURE_REFERENCE} "
          f"exists; pass --reference DIR, or --skip-reference to run every case that does not "
          f"need one", file=sys.stderr)
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flowrun", type=Path, default=REPO / "target" / "release" / "flowrun",
                    help="the flowrun binary (default: target/release/flowrun)")
    ap.add_argument("--cases", type=int, default=12, help="random noise cases (default 12)")
    ap.add_argument("--seed", default=str(DEFAULT_SEED),
                    help=f"seed of the random cases: an integer (default {DEFAULT_SEED}) or 'random'")
    ap.add_argument("--reference", type=Path,
                    help="directory with seed-*.json (default: ../shared/reference beside the "
                    "repository if it exists, else tests/fixtures/reference)")
    ap.add_argument("--workdir", type=Path, help="where to write (default: a temporary directory, "
                    "removed unless a case fails)")
    ap.add_argument("--self-test", action="store_true",
                    help="check only the Python side against every reference file; no flowrun")
    ap.add_argument("--skip-reference", action="store_true",
                    help="run without reference files: skip the `ref` group (the seed-*.json "
                    "runs) and the self-test's comparison with those files")
    args = ap.parse_args(argv)

    if IMPORT_ERROR is not None:
        print(f"parity: cannot import the Python side ({IMPORT_ERROR}); install it with\n"
              f"    python3 -m pip install -r {REPO / 'tests' / 'parity' / 'requirements.txt'}",
              file=sys.stderr)
        return 2
    seed = random.SystemRandom().randrange(2**32) if args.seed == "random" else int(args.seed)
    refdir = None if args.skip_reference else find_reference(args.reference)
    if refdir is None and not args.skip_reference:
        return 2
    flowrun = args.flowrun.resolve()
    if not args.self_test and not os.access(flowrun, os.X_OK):
        print(f"parity: flowrun binary {flowrun} not found or not executable", file=sys.stderr)
        return 2

    if args.workdir:
        workdir = args.workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        keep = True
    else:
        workdir = Path(tempfile.mkdtemp(prefix="flowrun-parity-"))
        keep = False

    print(f"parity: seed={seed} (replay: --seed {seed} --cases {args.cases}), python "
          f"{sys.version.split()[0]}, numpy {np.__version__}, skimage {skimage.__version__}, "
          f"imageio {imageio_pkg.__version__}")
    print(f"parity: flowrun={flowrun} reference={refdir or '(skipped)'} workdir={workdir}")
    if refdir is None:
        print("parity: --skip-reference: skipping the `ref` group (the seed-*.json runs) and the "
              "self-test's comparison with the reference files")
    sys.stdout.flush()

    cases = []  # (label, thunk)
    if args.self_test:
        cases.append(("self-test", lambda: self_test(refdir, workdir / "self-test", None)))
    else:
        cases.append(("self-test", lambda: self_test(refdir, workdir / "self-test", 10**6)))
        if refdir is not None:
            for ref in seed_workloads(refdir):
                cases.append((f"ref {ref.name}",
                              lambda ref=ref: case_reference(flowrun, ref, workdir)))
        rng = random.Random(seed)
        for k, case in enumerate(draw_noise_cases(rng, args.cases)):
            cases.append((case.label(),
                          lambda case=case, k=k: case_noise(flowrun, case, k, workdir)))
        indir = workdir / "png"
        write_pngs(np.random.RandomState(seed % 2**32), indir)
        for k, color in enumerate(["keep", "rgb", "gray"]):
            cases.append((f"glob color={color}",
                          lambda k=k, color=color: case_glob(flowrun, k, color, rng, workdir, indir)))
        cases.append(("workflows/background.toml", lambda: case_background(flowrun, workdir)))
        # The per-op workloads of tests/parity/ops/ (see opcases.py).
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import opcases
        for family, fam_cases in opcases.load_families(seed):
            for k, oc in enumerate(fam_cases):
                cases.append((f"op {family}: {oc.label}",
                              lambda oc=oc, family=family, k=k: run_op_case(
                                  opcases, flowrun, oc, workdir / "ops" / f"{family}-{k}")))
        graph_rng = random.Random(seed + 1)
        for k in range(len(UNARY)):
            cases.append((f"graph {k}",
                          lambda k=k: case_graph(flowrun, k, graph_rng, workdir, indir)))

    (workdir / "self-test").mkdir(parents=True, exist_ok=True)
    passed = failed = 0
    t0 = time.perf_counter()
    for n, (label, thunk) in enumerate(cases):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # the reference pipeline emits no warnings
                detail = thunk()
        except Mismatch as e:
            failed += 1
            print(f"FAIL case {n}: {label}\n    {e}")
        except Exception as e:  # a bug here or an unexpected flowrun output: still one failure
            failed += 1
            print(f"FAIL case {n}: {label}\n    {type(e).__name__}: {e}")
        else:
            passed += 1
            print(f"ok  case {n}: {detail}")
        sys.stdout.flush()
    print(f"parity: {time.perf_counter() - t0:.1f}s, seed {seed}"
          + (f", files kept in {workdir}" if failed or keep else ""))
    if not failed and not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"parity: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
