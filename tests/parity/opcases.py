"""Per-op parity workloads: one flowrun run per case, its image written as `.npy` (float64,
exactly the pipeline's values) and its metrics in a JSON table, compared with the same
computation in numpy / scipy / scikit-image — bit for bit where `exact`, else within `rel_tol`.

A family of ops keeps its cases in `tests/parity/ops/<family>.py`, as a function
`cases(rng: numpy.random.RandomState) -> list[OpCase]`; `parity.py` runs them all (the `ops`
group). A case names its inputs (arrays, written as PNG or TIFF files the way a user would have
them), the steps and metrics of its workflow (TOML text), and what scikit-image gives for them.
Every mismatch names the case — op and parameters — the file and the first differing pixel.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import imageio.v2 as imageio
import numpy as np
import skimage.io
import tifffile
from skimage import img_as_float


class OpMismatch(Exception):
    """A case failed; the message says where and by how much."""


@dataclass
class OpCase:
    """One workload: the files, the workflow's steps and metrics, and the expected values."""

    #: What it checks, e.g. "median footprint={disk=2} on 37x53 gray u8".
    label: str
    #: (file name, array): uint8 / uint16 arrays become PNG files, float arrays TIFF files
    #: (float32 or float64 as given); `(H, W)` gray, `(H, W, 3)` RGB, `(H, W, 4)` RGBA. Or
    #: (file name with its extension, bytes): a file as it is (e.g. a JPEG written by Pillow).
    inputs: list
    #: The `[[steps]]` tables (TOML text); the last step's image is compared.
    steps: str
    #: `image -> expected final image`, given the input as scikit-image reads it
    #: (`img_as_float(skimage.io.imread(path))`, alpha dropped); None: no image compared.
    expected: Callable | None = None
    #: `[metrics]` entries (TOML text, one per line).
    metrics: str = ""
    #: `image -> {column: value}` for the metrics.
    expected_metrics: Callable | None = None
    #: Bit-identical, or within `rel_tol` (relative to the larger magnitude, absolute below 1).
    exact: bool = True
    rel_tol: float = 1e-12
    #: The source's `color`.
    color: str = "keep"
    #: The source's `frames`: with "each", every page of a multi-page TIFF input is compared,
    #: page k against `skimage.io.imread(path, key=k)`.
    frames: str = "first"
    #: The image fails (and its row says this, a substring): for refused shapes or channels.
    fails_with: str | None = None
    #: Worst relative difference seen (filled in when run).
    worst: float = field(default=0.0, init=False)


def write_input(path: Path, array) -> None:
    if isinstance(array, bytes):
        path.write_bytes(array)
    elif array.dtype in (np.uint8, np.uint16):
        imageio.imwrite(path.with_suffix(".png"), array)
    else:
        tifffile.imwrite(path.with_suffix(".tif"), array)


def read_as_skimage(path: Path, key=None) -> np.ndarray:
    if key is None:
        img = skimage.io.imread(path)
    else:
        with warnings.catch_warnings():
            # skimage deprecates plugin arguments such as tifffile's `key`; it still passes it.
            warnings.simplefilter("ignore", FutureWarning)
            img = skimage.io.imread(path, key=key)
    if img.ndim == 3 and img.shape[-1] == 4:
        img = img[..., :3]
    return img_as_float(img)


def _first_difference(got: np.ndarray, want: np.ndarray, exact: bool, rel_tol: float):
    """(index, got, want) of the first pixel that differs, or None; and the worst difference."""
    g, w = got.reshape(-1), want.reshape(-1)
    both_nan = np.isnan(g) & np.isnan(w)
    if exact:
        same = (g.view(np.uint64) == w.view(np.uint64)) | both_nan
        worst = 0.0 if same.all() else math.inf
    else:
        scale = np.maximum(np.maximum(np.abs(g), np.abs(w)), 1.0)
        diff = np.where(both_nan | (g == w), 0.0, np.abs(g - w) / scale)
        diff = np.where(np.isnan(diff), math.inf, diff)
        same = diff <= rel_tol
        worst = float(diff.max()) if diff.size else 0.0
    if same.all():
        return None, worst
    k = int(np.argmin(same))
    return (np.unravel_index(k, got.shape), float(g[k]), float(w[k])), worst


def run_case(flowrun: Path, case: OpCase, workdir: Path) -> str:
    """Runs one case; returns its summary line, or raises OpMismatch."""
    if workdir.exists():
        shutil.rmtree(workdir)
    indir = workdir / "in"
    indir.mkdir(parents=True)
    for name, array in case.inputs:
        write_input(indir / name, array if isinstance(array, bytes) else np.asarray(array))
    metrics = case.metrics.strip()
    each = case.frames == "each"
    frames = f'frames = "{case.frames}"' if each else ""
    pattern = "out/{stem}_{frame}.npy" if each else "out/{stem}.npy"
    toml = f"""# written by tests/parity/opcases.py: {case.label}
[source]
kind = "glob"
pattern = "in/*"
color = "{case.color}"
{frames}

{case.steps.strip()}

[metrics]
{metrics}

[output]
images = "{pattern}"
dtype = "f64"
results = "out/results.json"
"""
    wf = workdir / "w.toml"
    wf.write_text(toml)
    cmd = [str(flowrun), "run", str(wf), "-q", "--progress", "never", "-j", "2"]
    replay = f"(cd {workdir} && {' '.join(cmd)})"
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300)
    if proc.returncode not in (0, 1):
        raise OpMismatch(f"{case.label}: flowrun exited {proc.returncode}: "
                         f"{(proc.stderr or proc.stdout).strip()[-1500:]}\n    replay: {replay}")
    rows = json.loads((workdir / "out" / "results.json").read_text())
    # A row's input is the file's path (`path#page` with frames = "each"): rows are found by
    # the file's stem, or by `name#page`.
    by_label = {(Path(r["input"]).name if each else Path(r["input"]).stem): r for r in rows}
    images = []
    for name, _ in case.inputs:
        stem = Path(name).stem
        if not each:
            images.append((stem, stem, None, f"{stem}.npy"))
            continue
        src = next(indir.glob(stem + ".*"))
        pages = 1
        if src.suffix == ".tif":
            with tifffile.TiffFile(src) as t:
                pages = len(t.pages)
        images += [(f"{src.name}#{k}", stem, k if src.suffix == ".tif" else None,
                    f"{stem}_{k}.npy") for k in range(pages)]
    if each and len(rows) != len(images):
        raise OpMismatch(f"{case.label}: {len(rows)} rows for {len(images)} pages\n"
                         f"    replay: {replay}")
    checked = 0
    for name, stem, key, out_name in images:
        row = by_label.get(name)
        if row is None:
            raise OpMismatch(f"{case.label}: no row for {name}\n    replay: {replay}")
        if case.fails_with is not None:
            if row["status"] != "failed" or case.fails_with not in (row.get("error") or ""):
                raise OpMismatch(f"{case.label}: {name} should fail with {case.fails_with!r}, "
                                 f"got {row['status']}: {row.get('error')!r}\n    replay: {replay}")
            continue
        if row["status"] != "ok":
            raise OpMismatch(f"{case.label}: {name} failed: {row.get('error')}\n"
                             f"    replay: {replay}")
        src = next(indir.glob(stem + ".*"))
        image = read_as_skimage(src, key)
        if case.expected is not None:
            with np.errstate(all="ignore"):
                want = np.asarray(case.expected(image.copy()), dtype=np.float64)
            got = np.load(workdir / "out" / out_name)
            if got.shape != want.shape:
                raise OpMismatch(f"{case.label}: {name}: shape {got.shape}, scikit-image "
                                 f"{want.shape}\n    replay: {replay}")
            diff, worst = _first_difference(got, want, case.exact, case.rel_tol)
            case.worst = max(case.worst, worst)
            if diff is not None:
                (where, g, w) = diff
                raise OpMismatch(f"{case.label}: {name}: pixel {tuple(int(i) for i in where)}: "
                                 f"flowrun {g!r}, scikit-image {w!r}\n    replay: {replay}")
            checked += want.size
        if case.expected_metrics is not None:
            with np.errstate(all="ignore"):
                expected = case.expected_metrics(image.copy())
            for col, want in expected.items():
                got = row.get(col)
                want = float(want)
                if got is None and math.isnan(want):
                    continue
                if got is None:
                    raise OpMismatch(f"{case.label}: {name}: no value for `{col}`, want "
                                     f"{want!r}\n    replay: {replay}")
                got = float(got)
                if case.exact and got != want and not (math.isnan(got) and math.isnan(want)):
                    raise OpMismatch(f"{case.label}: {name}: `{col}` = {got!r}, "
                                     f"scikit-image {want!r}\n    replay: {replay}")
                rel = 0.0 if got == want else abs(got - want) / max(abs(got), abs(want), 1.0)
                case.worst = max(case.worst, rel)
                if rel > case.rel_tol:
                    raise OpMismatch(f"{case.label}: {name}: `{col}` = {got!r}, scikit-image "
                                     f"{want!r} (rel {rel:.3g})\n    replay: {replay}")
                checked += 1
    how = "bit-identical" if case.worst == 0.0 else f"worst {case.worst:.2g} rel"
    if case.fails_with is not None:
        return f"{case.label}: refused as expected"
    return f"{case.label}: {checked} values, {how}"


def load_families(rng_seed: int):
    """Every family module under tests/parity/ops/: [(family, [OpCase])]."""
    import importlib.util

    out = []
    for path in sorted((Path(__file__).parent / "ops").glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"parity_ops_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out.append((path.stem, module.cases(np.random.RandomState(rng_seed % 2**32))))
    return out


# Shapes and images every family can draw from: odd sizes, a constant image, gray and RGB.
SHAPES = [(1, 1), (1, 9), (9, 1), (7, 5), (37, 53)]


def sample_inputs(rng: np.random.RandomState, shapes=SHAPES, kinds=("u8", "u16", "f64", "rgb8")):
    """A spread of input files: each shape in each kind, plus a constant image."""
    inputs = []
    for h, w in shapes:
        for kind in kinds:
            name = f"{kind}_{h}x{w}"
            if kind == "u8":
                a = rng.randint(0, 256, size=(h, w)).astype(np.uint8)
            elif kind == "u16":
                a = rng.randint(0, 65536, size=(h, w)).astype(np.uint16)
            elif kind == "f64":
                a = rng.normal(0.5, 0.3, size=(h, w))
            elif kind == "rgb8":
                a = rng.randint(0, 256, size=(h, w, 3)).astype(np.uint8)
            else:
                raise ValueError(kind)
            inputs.append((name, a))
    inputs.append(("const_u8_6x8", np.full((6, 8), 77, dtype=np.uint8)))
    return inputs
