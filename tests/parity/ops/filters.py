"""Filters: median, uniform, the gradient filters (sobel, scharr, prewitt, farid), laplace,
unsharp_mask and difference_of_gaussians — on odd sizes, constant images, gray, 16-bit, float and
RGB inputs, every boundary mode, parameters at their edges. Every case is bit-identical."""

import numpy as np
import scipy.ndimage as ndi
import skimage.filters
from skimage.morphology import diamond, disk, footprint_rectangle

from opcases import OpCase, sample_inputs

MODES = ["reflect", "nearest", "mirror", "constant", "wrap"]

# scikit-image 0.26's unsharp_mask slices `channel_axis=-1` along axis 0 (`slice_at_axis` with a
# negative axis), filling only rows 0-2 and leaving the rest uninitialised: the per-channel
# result a user means is the one `channel_axis=2` gives.
UNSHARP_AXIS = 2


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


def uniform_cases(inputs):
    out = []
    for k, size in enumerate([3, 1, 2, 4, 5, (1, 3), (4, 1), (2, 7), 40]):
        mode = MODES[k % len(MODES)]
        cval = 0.3 if mode == "constant" else 0.0
        sz = list(size) if isinstance(size, tuple) else size
        rc = size if isinstance(size, tuple) else (size, size)

        def f(a, rc=rc, mode=mode, cval=cval):
            return ndi.uniform_filter(a, size=rc + ((1,) if is_rgb(a) else ()), mode=mode,
                                      cval=cval)
        out.append(OpCase(f"uniform size={sz} mode={mode}", inputs,
                          f'[[steps]]\nop = "uniform"\nsize = {sz}\n{mode_params(mode)}', f))
    out.append(OpCase("uniform default", inputs, '[[steps]]\nop = "uniform"',
                      lambda a: ndi.uniform_filter(a, size=(3, 3, 1) if is_rgb(a) else 3)))
    return out


def edge_cases(inputs):
    out = []
    for name in ["sobel", "scharr", "prewitt", "farid"]:
        fn = getattr(skimage.filters, name)
        for mode in MODES:
            out.append(OpCase(f"{name} mode={mode}", inputs,
                              f'[[steps]]\nop = "{name}"\n{mode_params(mode)}',
                              lambda a, fn=fn, mode=mode: fn(a, mode=mode, cval=0.3)))
        for axis in (0, 1):
            for mode in ("reflect", "constant", "wrap"):
                out.append(OpCase(f"{name} axis={axis} mode={mode}", inputs,
                                  f'[[steps]]\nop = "{name}"\naxis = {axis}\n{mode_params(mode)}',
                                  lambda a, fn=fn, axis=axis, mode=mode:
                                  fn(a, axis=axis, mode=mode, cval=0.3)))
        out.append(OpCase(f"{name} default", inputs, f'[[steps]]\nop = "{name}"',
                          lambda a, fn=fn: fn(a)))
    for ksize in (3, 7):
        out.append(OpCase(f"laplace ksize={ksize}", inputs,
                          f'[[steps]]\nop = "laplace"\nksize = {ksize}',
                          lambda a, ksize=ksize: skimage.filters.laplace(a, ksize=ksize)))
    return out


def sharpening_cases(inputs, signed):
    out = []
    for radius, amount, keep in [(1.0, 1.0, False), (0.0, 1.0, False), (0.5, 3.0, False),
                                 (2.5, -1.0, False), (10.0, 0.0, False), (1.5, 2.0, True),
                                 (0.7, 1.0, True)]:
        params = f"radius = {radius}\namount = {amount}\npreserve_range = {str(keep).lower()}"

        def f(a, radius=radius, amount=amount, keep=keep):
            return skimage.filters.unsharp_mask(a, radius=radius, amount=amount,
                                                preserve_range=keep,
                                                channel_axis=UNSHARP_AXIS if is_rgb(a) else None)
        out.append(OpCase(f"unsharp_mask radius={radius} amount={amount} preserve_range={keep}",
                          inputs + signed, f'[[steps]]\nop = "unsharp_mask"\n{params}', f))
    out.append(OpCase("unsharp_mask default", inputs + signed, '[[steps]]\nop = "unsharp_mask"',
                      lambda a: skimage.filters.unsharp_mask(
                          a, channel_axis=UNSHARP_AXIS if is_rgb(a) else None)))
    dogs = [(1.0, None, "nearest", 4.0), (0.5, 2.0, "reflect", 4.0),
            ((1.0, 2.0), (2.0, 3.5), "mirror", 3.0), (0.0, None, "constant", 4.0),
            (2.0, 2.0, "wrap", 2.5), (1.3, None, "constant", 4.0)]
    for low, high, mode, truncate in dogs:
        def toml(v):
            return list(v) if isinstance(v, tuple) else v
        params = f"low_sigma = {toml(low)}\n" + (f"high_sigma = {toml(high)}\n" if high else "")
        params += f"{mode_params(mode)}\ntruncate = {truncate}"

        def f(a, low=low, high=high, mode=mode, truncate=truncate):
            return skimage.filters.difference_of_gaussians(
                a, low, high, mode=mode, cval=0.3 if mode == "constant" else 0.0,
                truncate=truncate, channel_axis=-1 if is_rgb(a) else None)
        out.append(OpCase(f"difference_of_gaussians low={low} high={high} mode={mode}",
                          inputs + signed, f'[[steps]]\nop = "difference_of_gaussians"\n{params}',
                          f))
    return out


def cases(rng):
    inputs = sample_inputs(rng)
    signed = [("signed_f64_6x7", rng.normal(0.0, 0.8, size=(6, 7)))]
    return (median_cases(rng, inputs) + uniform_cases(inputs) + edge_cases(inputs)
            + sharpening_cases(inputs, signed))
