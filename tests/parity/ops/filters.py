"""Filters: median — on odd sizes, constant images, gray, 16-bit, float and RGB inputs, every
boundary mode, footprints at their edges. Every case is bit-identical."""

import numpy as np
import skimage.filters
from skimage.morphology import diamond, disk, footprint_rectangle

from opcases import OpCase, sample_inputs

MODES = ["reflect", "nearest", "mirror", "constant", "wrap"]

def is_rgb(a):
    return a.ndim == 3


def mode_params(mode, cval=0.3):
    return f'mode = "{mode}"' + (f"\ncval = {cval}" if mode == "constant" else "")


def footprint_of(spec):
    kind, arg = spec
    if kind == "disk":
        return disk(arg)
    if kind == "diamond":
        return diamond(arg)
    if kind == "square":
        return footprint_rectangle((arg, arg))
    return footprint_rectangle(tuple(arg))


def toml_footprint(spec):
    kind, arg = spec
    return f"footprint = {{ {kind} = {list(arg) if isinstance(arg, tuple) else arg} }}"


def median_expected(spec, mode, cval):
    def f(a):
        if spec is None:
            return skimage.filters.median(a, mode=mode, cval=cval)
        fp = footprint_of(spec)
        if is_rgb(a):
            fp = fp[..., None]
        return skimage.filters.median(a, fp, mode=mode, cval=cval)
    return f


def median_cases(rng, inputs):
    # More distinct values than the rank dictionary hashes: the sorted dictionary.
    big = [("f64_80x70", rng.rand(80, 70)), ("u8_64x90", rng.randint(0, 256, (64, 90)).astype(np.uint8))]
    out = []
    for mode in MODES:
        out.append(OpCase(f"median mode={mode}", inputs + big,
                          f'[[steps]]\nop = "median"\n{mode_params(mode)}',
                          median_expected(None, mode, 0.3 if mode == "constant" else 0.0)))
    specs = [("square", 3), ("disk", 1), ("disk", 2), ("diamond", 2), ("square", 5),
             ("square", 4), ("rectangle", (1, 2)), ("rectangle", (2, 3)), ("rectangle", (1, 1)),
             ("rectangle", (3, 1)), ("disk", 3), ("diamond", 4), ("disk", 5), ("square", 9),
             ("rectangle", (2, 16))]
    for k, spec in enumerate(specs):
        mode = MODES[k % len(MODES)]
        cval = 0.3 if mode == "constant" else 0.0
        out.append(OpCase(f"median {toml_footprint(spec)} mode={mode}", inputs + big,
                          f'[[steps]]\nop = "median"\n{toml_footprint(spec)}\n{mode_params(mode)}',
                          median_expected(spec, mode, cval)))
    return out


def cases(rng):
    inputs = sample_inputs(rng)
    return median_cases(rng, inputs)
