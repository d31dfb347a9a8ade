"""Morphology and labels: the grey ops (erosion, dilation, opening, closing, white/black tophat),
the binary ops, remove_small_objects / remove_small_holes, label, and the metrics objects,
area_mean and area_max — on odd sizes, 1x1, constant, all-zero and all-one images, u8 / u16 /
float inputs (NaN and both zeros included, where scipy's comparison order shows), every
footprint kind (even sides too), every mode; colour images refused."""

import warnings

import numpy as np
import skimage.measure
import skimage.morphology as morph

from opcases import SHAPES, OpCase, sample_inputs

FOOTPRINTS = {
    "disk=0": lambda: morph.disk(0),
    "disk=1": lambda: morph.disk(1),
    "disk=2": lambda: morph.disk(2),
    "disk=7": lambda: morph.disk(7),
    "diamond=2": lambda: morph.diamond(2),
    "square=1": lambda: morph.footprint_rectangle((1, 1)),
    "square=2": lambda: morph.footprint_rectangle((2, 2)),
    "square=3": lambda: morph.footprint_rectangle((3, 3)),
    "square=11": lambda: morph.footprint_rectangle((11, 11)),
    "rectangle=[2, 3]": lambda: morph.footprint_rectangle((2, 3)),
    "rectangle=[1, 4]": lambda: morph.footprint_rectangle((1, 4)),
    "rectangle=[5, 1]": lambda: morph.footprint_rectangle((5, 1)),
    "rectangle=[7, 6]": lambda: morph.footprint_rectangle((7, 6)),
}


def fp_toml(name):
    """`footprint = { disk = 2 }` for "disk=2"; nothing for the default."""
    if name is None:
        return ""
    k, v = name.split("=", 1)
    return f"footprint = {{ {k} = {v} }}\n"


def quiet(fn):
    """fn, with scikit-image's deprecation warnings (binary_*, min_size) silenced."""

    def run(*a, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*a, **kw)

    return run


def special_inputs(rng):
    """Float images where the comparison order shows: NaN, 0.0 and -0.0, infinities."""
    values = np.array([0.0, -0.0, 0.25, 0.5, 1.0, np.nan, -0.0, 0.0])
    out = []
    for h, w in [(9, 11), (1, 7), (6, 1), (23, 17)]:
        out.append((f"special_f64_{h}x{w}", values[rng.randint(0, len(values), size=(h, w))]))
    zeros = np.where(rng.rand(8, 9) < 0.5, 0.0, -0.0)
    out.append(("zeros_f64_8x9", zeros))
    return out


def binary_inputs(rng):
    """Thresholded images as a user has them: 0 / 255 PNGs, u16, floats; shapes and speckle."""
    out = []
    for h, w in SHAPES + [(64, 48)]:
        for density in (0.3, 0.7):
            a = (rng.rand(h, w) < density).astype(np.uint8) * 255
            out.append((f"speckle{int(density * 10)}_u8_{h}x{w}", a))
    yy, xx = np.mgrid[:41, :57]
    shapes = np.zeros((41, 57), np.uint8)
    for cy, cx, r in [(10, 12, 6), (28, 30, 9), (8, 45, 3), (35, 5, 2)]:
        shapes[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 255
    shapes[20, :] = 255  # a line across
    shapes[:, 50] = 255  # and one down
    shapes[2:5, 2:5] = 0
    out.append(("shapes_u8_41x57", shapes))
    holes = np.full((30, 34), 255, np.uint8)
    holes[rng.rand(30, 34) < 0.15] = 0
    holes[0:4, 10:13] = 0  # a hole on the border
    holes[12:20, 12:20] = 0  # a big one
    out.append(("holes_u8_30x34", holes))
    out.append(("u16_17x13", (rng.rand(17, 13) < 0.5) * rng.randint(1, 65536, size=(17, 13))
                .astype(np.uint16)))
    f = np.where(rng.rand(15, 19) < 0.4, 0.0, rng.normal(0.0, 1.0, size=(15, 19)))
    f[rng.rand(15, 19) < 0.1] = np.nan
    f[rng.rand(15, 19) < 0.1] = -0.0
    out.append(("mixed_f64_15x19", f))
    out.append(("zero_u8_5x6", np.zeros((5, 6), np.uint8)))
    out.append(("one_u8_5x6", np.full((5, 6), 255, np.uint8)))
    out.append(("zero_u8_1x1", np.zeros((1, 1), np.uint8)))
    out.append(("one_u8_1x1", np.full((1, 1), 255, np.uint8)))
    return out


def label_inputs(rng):
    """Integer-valued float images (labels), with NaN, infinities, huge and negative values."""
    out = []
    for h, w in [(1, 1), (1, 9), (9, 1), (7, 5), (37, 53)]:
        out.append((f"labels_f64_{h}x{w}", rng.randint(0, 4, size=(h, w)).astype(np.float64)))
    odd = rng.choice([0.0, 1.0, 2.0, -2.0, 2.7, -0.5, 0.9, np.nan, np.inf, -np.inf, 1e30],
                     size=(21, 23))
    out.append(("odd_f64_21x23", odd))
    return out


GREY = {
    "erosion": morph.erosion,
    "dilation": morph.dilation,
    "opening": morph.opening,
    "closing": morph.closing,
    "white_tophat": morph.white_tophat,
    "black_tophat": morph.black_tophat,
}
BINARY = {
    "binary_erosion": morph.binary_erosion,
    "binary_dilation": morph.binary_dilation,
    "binary_opening": morph.binary_opening,
    "binary_closing": morph.binary_closing,
}
GREY_MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "max", "min", "ignore"]


def grey_cases(rng):
    gray = sample_inputs(rng, kinds=("u8", "u16", "f64"))
    special = special_inputs(rng)
    out = []
    for op, fn in GREY.items():
        for fp in [None] + list(FOOTPRINTS):
            fpa = None if fp is None else FOOTPRINTS[fp]()
            out.append(OpCase(f"{op} footprint={fp}", gray + special,
                              f'[[steps]]\nop = "{op}"\n{fp_toml(fp)}',
                              lambda a, fn=fn, fpa=fpa: fn(a, fpa)))
        for mode in GREY_MODES:
            for fp in ["rectangle=[2, 3]", "disk=2", "square=3"]:
                fpa = FOOTPRINTS[fp]()
                cval = 0.3 if mode == "constant" else 0.0
                params = f'mode = "{mode}"\n' + (f"cval = {cval}\n" if mode == "constant" else "")
                out.append(OpCase(f"{op} footprint={fp} mode={mode}", gray + special,
                                  f'[[steps]]\nop = "{op}"\n{fp_toml(fp)}{params}',
                                  lambda a, fn=fn, fpa=fpa, mode=mode, cval=cval:
                                  fn(a, fpa, mode=mode, cval=cval)))
    # Zero of either sign as cval, against images with both zeros.
    for cval in (-0.0, 0.0, -1.5):
        out.append(OpCase(f"erosion cval={cval}", special,
                          f'[[steps]]\nop = "erosion"\nmode = "constant"\ncval = {cval}',
                          lambda a, cval=cval: morph.erosion(a, mode="constant", cval=cval)))
    return out


def binary_cases(rng):
    ins = binary_inputs(rng)
    out = []
    for op, fn in BINARY.items():
        fn = quiet(fn)
        for fp in [None, "disk=1", "disk=2", "disk=7", "square=2", "square=3", "square=11",
                   "rectangle=[2, 3]", "rectangle=[7, 6]", "diamond=2"]:
            fpa = None if fp is None else FOOTPRINTS[fp]()
            out.append(OpCase(f"{op} footprint={fp}", ins,
                              f'[[steps]]\nop = "{op}"\n{fp_toml(fp)}',
                              lambda a, fn=fn, fpa=fpa: fn(a, fpa).astype(np.float64)))
        for mode in ("ignore", "max", "min"):
            for fp in ("rectangle=[2, 3]", "disk=2"):
                fpa = FOOTPRINTS[fp]()
                out.append(OpCase(f"{op} footprint={fp} mode={mode}", ins,
                                  f'[[steps]]\nop = "{op}"\n{fp_toml(fp)}mode = "{mode}"',
                                  lambda a, fn=fn, fpa=fpa, mode=mode:
                                  fn(a, fpa, mode=mode).astype(np.float64)))
    return out


def region_cases(rng):
    ins = binary_inputs(rng)
    out = []
    rso = quiet(morph.remove_small_objects)
    rsh = quiet(morph.remove_small_holes)
    for size in (None, 0, 1, 4, 10, 10**9):
        for conn in (1, 2):
            p = ("" if size is None else f"max_size = {size}\n") + f"connectivity = {conn}"
            kw = {} if size is None else {"max_size": size}
            out.append(OpCase(f"remove_small_objects max_size={size} connectivity={conn}", ins,
                              f'[[steps]]\nop = "remove_small_objects"\n{p}',
                              lambda a, kw=kw, conn=conn:
                              rso(a != 0, connectivity=conn, **kw).astype(np.float64)))
            out.append(OpCase(f"remove_small_holes max_size={size} connectivity={conn}", ins,
                              f'[[steps]]\nop = "remove_small_holes"\n{p}',
                              lambda a, kw=kw, conn=conn:
                              rsh(a != 0, connectivity=conn, **kw).astype(np.float64)))
    out.append(OpCase("remove_small_objects min_size=4 (deprecated name)", ins,
                      '[[steps]]\nop = "remove_small_objects"\nmin_size = 4',
                      lambda a: rso(a != 0, min_size=4).astype(np.float64)))
    out.append(OpCase("remove_small_holes area_threshold=4 (deprecated name)", ins,
                      '[[steps]]\nop = "remove_small_holes"\narea_threshold = 4',
                      lambda a: rsh(a != 0, area_threshold=4).astype(np.float64)))
    labels = label_inputs(rng)
    for conn in (None, 1, 2):
        for bg in (None, 1, -2):
            p = ("" if conn is None else f"connectivity = {conn}\n") + \
                ("" if bg is None else f"background = {bg}\n")
            out.append(OpCase(f"label connectivity={conn} background={bg}", ins + labels,
                              f'[[steps]]\nop = "label"\n{p}',
                              lambda a, conn=conn, bg=bg: quiet(skimage.measure.label)(
                                  a, background=bg, connectivity=conn).astype(np.float64)))
    return out


def component_metrics(a, conn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lab = skimage.measure.label(a != 0, connectivity=conn)
        areas = np.bincount(lab.ravel())[1:]
        return {"n": lab.max(), "am": np.mean(areas), "ax": np.max(areas, initial=0)}


def metric_cases(rng):
    ins = binary_inputs(rng) + sample_inputs(rng, kinds=("u8", "f64"))
    out = []
    for conn in (None, 1, 2):
        p = "" if conn is None else f", connectivity = {conn}"
        metrics = "\n".join(f'{col} = {{ op = "{op}"{p} }}'
                            for col, op in [("n", "objects"), ("am", "area_mean"),
                                            ("ax", "area_max")])
        out.append(OpCase(f"objects / area_mean / area_max connectivity={conn}", ins, "",
                          metrics=metrics,
                          expected_metrics=lambda a, conn=conn: component_metrics(a, conn)))
    # Per channel of a colour image.
    rgb = [("rgb_u8_13x9", (rng.rand(13, 9, 3) < 0.4).astype(np.uint8) * 255)]
    out.append(OpCase("objects channel=each", rgb, "",
                      metrics='n = { op = "objects", channel = "each" }',
                      expected_metrics=lambda a: {
                          f"n[{c}]": component_metrics(a[..., c], None)["n"] for c in range(3)}))
    return out


def refusal_cases(rng):
    rgb = [("rgb_u8_7x5", rng.randint(0, 256, size=(7, 5, 3)).astype(np.uint8))]
    out = []
    for op in list(GREY) + list(BINARY) + ["remove_small_objects", "remove_small_holes",
                                           "label"]:
        out.append(OpCase(f"{op} refuses RGB", rgb, f'[[steps]]\nop = "{op}"',
                          fails_with="works on gray images, and this one has 3 channels"))
    out.append(OpCase("objects refuses RGB", rgb, "", metrics='n = { op = "objects" }',
                      fails_with="this one has 3 channels"))
    return out


def cases(rng):
    return (grey_cases(rng) + binary_cases(rng) + region_cases(rng) + metric_cases(rng)
            + refusal_cases(rng))
