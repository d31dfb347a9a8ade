"""Filters: median, uniform, the gradient filters (sobel, scharr, prewitt, farid), laplace,
unsharp_mask, difference_of_gaussians, and the metrics sharpness, psnr, ssim and nrmse — on odd
sizes, constant images, gray, 16-bit, float and RGB inputs, every boundary mode, parameters at
their edges. Every case is bit-identical except psnr (numpy's log10 is SVML's on AVX-512)."""

import numpy as np
import scipy.ndimage as ndi
import skimage.filters
import skimage.metrics
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
                          lambda a, ksize=ksize: skimage.filters.laplace(a, ksize=ksize),
                          metrics='sharp = { op = "sharpness", on = "input" }',
                          expected_metrics=lambda a: {"sharp": np.var(skimage.filters.laplace(a))}))
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


def metric_cases(rng):
    # Images of at least 7 × 7 (SSIM's default window); the test image is a 3 × 3 mean.
    imgs = [("u8_37x53", rng.randint(0, 256, (37, 53)).astype(np.uint8)),
            ("u16_7x7", rng.randint(0, 65536, (7, 7)).astype(np.uint16)),
            ("f64_11x13", rng.rand(11, 13)),
            ("rgb8_20x31", rng.randint(0, 256, (20, 31, 3)).astype(np.uint8)),
            ("const_u8_9x8", np.full((9, 8), 77, dtype=np.uint8)),
            ("big_u8_300x200", rng.randint(0, 256, (300, 200)).astype(np.uint8))]
    steps = '[[steps]]\nop = "uniform"\nsize = 3'

    def blurred(a):
        return ndi.uniform_filter(a, size=(3, 3, 1) if is_rgb(a) else 3)

    def ssim(a, **kw):
        return skimage.metrics.structural_similarity(a, blurred(a), channel_axis=-1 if is_rgb(a)
                                                     else None, **kw)
    out = []
    for params, kw in [("", {"data_range": 1.0}),
                       ("win_size = 3", {"win_size": 3, "data_range": 1.0}),
                       ("win_size = 7, data_range = 2.5", {"win_size": 7, "data_range": 2.5}),
                       ("gaussian_weights = true", {"gaussian_weights": True, "data_range": 1.0}),
                       ("gaussian_weights = true, win_size = 5",
                        {"gaussian_weights": True, "win_size": 5, "data_range": 1.0})]:
        small = "win_size = 3" in params or "win_size = 5" in params
        inputs = imgs if small else [i for i in imgs if i[1].shape[0] >= 11 and i[1].shape[1] >= 11]
        out.append(OpCase(f"ssim {params or 'default'}", inputs, steps,
                          metrics=f'ssim = {{ op = "ssim", reference = "input"{", " + params if params else ""} }}',
                          expected_metrics=lambda a, kw=kw: {"ssim": ssim(a, **kw)}))
    out.append(OpCase("ssim window larger than the image", [("u8_5x9", imgs[0][1][:5, :9])],
                      steps, metrics='ssim = { op = "ssim", reference = "input" }',
                      fails_with="larger than the image"))
    # (Not the constant image: its min-max denominator is 0, and the results table writes the
    # resulting inf as null.)
    varied = [i for i in imgs if not i[0].startswith("const")]
    for norm in ["euclidean", "min-max", "mean"]:
        out.append(OpCase(f"nrmse normalization={norm}", varied, steps,
                          metrics=f'e = {{ op = "nrmse", reference = "input", normalization = "{norm}" }}',
                          expected_metrics=lambda a, norm=norm: {
                              "e": skimage.metrics.normalized_root_mse(a, blurred(a),
                                                                       normalization=norm)}))
    # numpy's log10 is Intel SVML's on AVX-512 CPUs: one ulp from the C library's.
    signed = [("signed_f64_8x9", rng.uniform(-1, 1, (8, 9)))]
    out.append(OpCase("psnr", varied + signed, steps,
                      metrics='p = { op = "psnr", reference = "input" }\n'
                              'q = { op = "psnr", reference = "input", data_range = 255 }',
                      expected_metrics=lambda a: {
                          "p": skimage.metrics.peak_signal_noise_ratio(a, blurred(a)),
                          "q": skimage.metrics.peak_signal_noise_ratio(a, blurred(a),
                                                                       data_range=255)},
                      exact=False, rel_tol=1e-15))
    out.append(OpCase("psnr of a reference outside [-1, 1]", [("f64_5x5", rng.rand(5, 5) * 3)],
                      steps, metrics='p = { op = "psnr", reference = "input" }',
                      fails_with="outside [-1, 1]"))
    return out


def cases(rng):
    inputs = sample_inputs(rng)
    signed = [("signed_f64_6x7", rng.normal(0.0, 0.8, size=(6, 7)))]
    return (median_cases(rng, inputs) + uniform_cases(inputs) + edge_cases(inputs)
            + sharpening_cases(inputs, signed) + metric_cases(rng))
