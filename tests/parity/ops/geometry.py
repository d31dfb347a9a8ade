"""Geometry, colour, denoising and edges: rot90, transpose, crop, pad, rgb2gray, gray2rgb,
resize, rescale, denoise_tv and canny — on odd sizes, a constant image, gray, 16-bit, float and
RGB inputs, every mode, parameters at their edges."""

import numpy as np
import skimage.color
import skimage.filters
import skimage.util

from opcases import OpCase, sample_inputs


def toml_value(v):
    """A Python value as TOML (numbers, booleans, strings, nested lists)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(v)


def step(op, **params):
    lines = [f'[[steps]]\nop = "{op}"']
    lines += [f"{k} = {toml_value(v)}" for k, v in params.items() if v is not None]
    return "\n".join(lines)


def label(op, **params):
    return op + "".join(f" {k}={v}" for k, v in params.items() if v is not None)


def layout_cases(inputs, rgb_only, gray_only):
    out = []
    for k in (0, 1, 2, 3, -1, 6):
        out.append(OpCase(label("rot90", k=k), inputs, step("rot90", k=k),
                          lambda a, k=k: np.rot90(a, k)))
    out.append(OpCase("transpose", inputs, step("transpose"),
                      lambda a: np.swapaxes(a, 0, 1)))
    for cw in (0, 1, [1, 0], [[2, 1], [0, 3]]):
        def crop(a, cw=cw):
            w = cw if isinstance(cw, int) else (cw if isinstance(cw[0], list) else [cw, cw])
            w = [[w, w], [w, w]] if isinstance(w, int) else w
            return skimage.util.crop(a, [tuple(w[0]), tuple(w[1])] + [(0, 0)] * (a.ndim - 2))
        big = [(n, a) for n, a in inputs if min(a.shape[:2]) >= 4]
        out.append(OpCase(label("crop", crop_width=cw), big, step("crop", crop_width=cw), crop))
    out.append(OpCase("crop too much", [("u8_3x3", np.zeros((3, 3), np.uint8))],
                      step("crop", crop_width=[[2, 2], [0, 0]]),
                      fails_with="crop_width removes 4 rows from an image of 3×3"))
    out.append(OpCase("rgb2gray", rgb_only, step("rgb2gray"),
                      lambda a: skimage.color.rgb2gray(a)))
    # Generic float samples: a blur first.
    out.append(OpCase("gaussian sigma=1.5 then rgb2gray", rgb_only,
                      step("gaussian", sigma=1.5) + "\n\n" + step("rgb2gray"),
                      lambda a: skimage.color.rgb2gray(
                          skimage.filters.gaussian(a, 1.5, channel_axis=-1))))
    # The source's color = "gray" is the same conversion (one pixel wide: numpy's ddot).
    out.append(OpCase("source color=gray", rgb_only, "", lambda a: skimage.color.rgb2gray(a),
                      color="gray"))
    out.append(OpCase("rgb2gray on gray", gray_only[:1], step("rgb2gray"),
                      fails_with="rgb2gray needs an RGB image (3 channels), got 1 channel(s)"))
    out.append(OpCase("gray2rgb", gray_only, step("gray2rgb"),
                      lambda a: skimage.color.gray2rgb(a)))
    out.append(OpCase("gray2rgb on rgb", rgb_only[:1], step("gray2rgb"),
                      fails_with="gray2rgb needs a gray image, got 3 channels"))
    return out


def np_pad(a, pad_width, mode, **kw):
    """np.pad as the `pad` step applies it: rows and columns only."""
    pw = pad_width
    if isinstance(pw, int):
        pw = [[pw, pw], [pw, pw]]
    elif not isinstance(pw[0], list):
        pw = [pw, pw]
    pw = [tuple(p) for p in pw] + [(0, 0)] * (a.ndim - 2)
    for key in ("constant_values", "end_values", "stat_length"):
        if key in kw and isinstance(kw[key], list) and isinstance(kw[key][0], list):
            fill = (1, 1) if key == "stat_length" else (0, 0)
            kw[key] = [tuple(p) for p in kw[key]] + [fill] * (a.ndim - 2)
    return np.pad(a, pw, mode=mode, **kw)


def pad_cases(inputs):
    out = []
    widths = [0, 2, [1, 3], [[3, 0], [1, 2]], [[20, 11], [13, 40]]]
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "maximum",
                 "minimum", "mean", "median"):
        for pw in widths:
            out.append(OpCase(label("pad", pad_width=pw, mode=mode), inputs,
                              step("pad", pad_width=pw, mode=mode),
                              lambda a, pw=pw, mode=mode: np_pad(a, pw, mode)))
    extra = [
        ("constant", {"constant_values": 0.25}),
        ("constant", {"constant_values": [[-1.5, 2.0], [0.5, 7.0]]}),
        ("linear_ramp", {"end_values": [0.75, -2.0]}),
        ("linear_ramp", {"end_values": [[1.0, 0.0], [0.5, 0.25]]}),
        ("maximum", {"stat_length": 2}),
        ("minimum", {"stat_length": [[1, 3], [2, 1]]}),
        ("mean", {"stat_length": [3, 9]}),
        ("median", {"stat_length": [[4, 1], [2, 5]]}),
        ("mean", {"stat_length": 100}),
        ("reflect", {"reflect_type": "odd"}),
        ("symmetric", {"reflect_type": "odd"}),
    ]
    for mode, kw in extra:
        for pw in ([[3, 0], [1, 2]], [[20, 11], [13, 40]]):
            out.append(OpCase(label("pad", pad_width=pw, mode=mode, **kw), inputs,
                              step("pad", pad_width=pw, mode=mode, **kw),
                              lambda a, pw=pw, mode=mode, kw=kw: np_pad(a, pw, mode, **dict(kw))))
    return out


def quiet(f):
    """`f` with warnings silenced (scikit-image warns where flowrun computes the same)."""
    def g(a):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(a)
    return g


def resize_cases(inputs):
    from skimage.transform import rescale, resize
    out = []
    shapes = [[5, 8], [1, 1], [40, 30], [12, 100], [2, 1]]
    for order in (0, 1, 3):
        for mode in ("reflect", "constant", "edge", "symmetric", "wrap"):
            for shape in shapes:
                out.append(OpCase(label("resize", output_shape=shape, order=order, mode=mode),
                                  inputs, step("resize", output_shape=shape, order=order, mode=mode),
                                  lambda a, s=shape, o=order, m=mode: resize(a, s, order=o, mode=m)))
    for order in (2, 4, 5):
        for mode in ("reflect", "constant", "edge", "symmetric", "wrap"):
            shape = [13, 9]
            out.append(OpCase(label("resize", output_shape=shape, order=order, mode=mode),
                              inputs, step("resize", output_shape=shape, order=order, mode=mode),
                              lambda a, s=shape, o=order, m=mode: resize(a, s, order=o, mode=m)))
    extra = [
        dict(mode="constant", cval=0.3), dict(mode="constant", cval=2.5, order=3),
        dict(mode="constant", cval=-1.0, order=1), dict(clip=False, order=3),
        dict(anti_aliasing=False), dict(anti_aliasing=True, order=0), dict(anti_aliasing=True),
        dict(anti_aliasing_sigma=0.8), dict(anti_aliasing_sigma=[1.5, 0.0], order=3),
    ]
    for kw in extra:
        for shape in ([5, 8], [40, 30]):
            def want(a, s=shape, kw=kw):
                kw = dict(kw)
                sig = kw.get("anti_aliasing_sigma")
                if isinstance(sig, list) and a.ndim == 3:
                    kw["anti_aliasing_sigma"] = sig + [0.0]
                return resize(a, s, **kw)
            out.append(OpCase(label("resize", output_shape=shape, **kw), inputs,
                              step("resize", output_shape=shape, **kw), quiet(want)))
    for scale in (0.5, 2, 0.37, [0.5, 1.7], 3.0):
        for order in (0, 1, 3):
            def want(a, sc=scale, o=order):
                return rescale(a, sc, order=o, channel_axis=-1 if a.ndim == 3 else None)
            out.append(OpCase(label("rescale", scale=scale, order=order), inputs,
                              step("rescale", scale=scale, order=order), want))
    out.append(OpCase("rescale scale=0.25 mode=edge anti_aliasing_sigma=1.2", inputs,
                      step("rescale", scale=0.25, mode="edge", anti_aliasing_sigma=1.2),
                      quiet(lambda a: rescale(a, 0.25, mode="edge", anti_aliasing_sigma=1.2,
                                              channel_axis=-1 if a.ndim == 3 else None))))
    return out


def structured_inputs():
    """Shapes with flat areas and straight edges, where ties in the edge steps are common."""
    sq = np.zeros((24, 30), np.uint8)
    sq[6:18, 8:22] = 200
    yy, xx = np.mgrid[0:41, 0:47]
    disk = (((yy - 20) ** 2 + (xx - 23) ** 2) < 15 ** 2).astype(np.uint8) * 180 + 30
    ramp = (np.add.outer(np.arange(33), 2 * np.arange(29)) * 700).astype(np.uint16)
    return [("u8_square", sq), ("u8_disk", disk), ("u16_ramp", ramp)]


def edge_cases(inputs, gray_only, rgb_only):
    from skimage.feature import canny
    from skimage.restoration import denoise_tv_chambolle
    out = []
    gray = gray_only + structured_inputs()
    variants = [
        dict(), dict(sigma=0.0), dict(sigma=2.5), dict(sigma=[1.0, 3.0]),
        dict(low_threshold=0.05, high_threshold=0.3), dict(low_threshold=0.0, high_threshold=0.0),
        dict(low_threshold=0.2, high_threshold=0.2),
        dict(use_quantiles=True), dict(use_quantiles=True, low_threshold=0.5, high_threshold=0.9),
        dict(use_quantiles=True, low_threshold=0.0, high_threshold=1.0),
        dict(mode="constant", cval=0.7), dict(mode="nearest"), dict(mode="reflect"),
        dict(mode="mirror"), dict(mode="wrap"),
    ]
    for kw in variants:
        def want(a, kw=kw):
            kw = dict(kw)
            if isinstance(kw.get("sigma"), list):
                kw["sigma"] = tuple(kw["sigma"])
            return canny(a, **kw).astype(np.float64)
        out.append(OpCase(label("canny", **kw), gray, step("canny", **kw), want))
    out.append(OpCase("canny on RGB", rgb_only[:1], step("canny"),
                      fails_with="canny needs a gray image, got 3 channels"))
    out.append(OpCase("rgb2gray then canny", rgb_only, step("rgb2gray") + "\n\n" + step("canny"),
                      lambda a: canny(skimage.color.rgb2gray(a)).astype(np.float64)))
    for kw in (dict(), dict(weight=0.5), dict(weight=0.02, eps=1e-6), dict(max_num_iter=1),
               dict(max_num_iter=7, eps=0.0)):
        def want(a, kw=kw):
            return denoise_tv_chambolle(a, channel_axis=-1 if a.ndim == 3 else None, **kw)
        out.append(OpCase(label("denoise_tv", **kw), inputs + structured_inputs(),
                          step("denoise_tv", **kw), want))
    return out


def cases(rng):
    inputs = sample_inputs(rng)
    rgb_only = [(n, a) for n, a in inputs if a.ndim == 3]
    gray_only = [(n, a) for n, a in inputs if a.ndim == 2]
    out = layout_cases(inputs, rgb_only, gray_only)
    out += pad_cases(inputs)
    out += resize_cases(inputs)
    out += edge_cases(inputs, gray_only, rgb_only)
    return out
