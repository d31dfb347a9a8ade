"""Thresholds and exposure: threshold (every method), rescale_intensity, equalize_hist,
equalize_adapthist, adjust_gamma / adjust_log / adjust_sigmoid, and the metrics median,
percentile, entropy, count_above, fraction_above, nonzero, otsu, li, yen — on odd sizes, constant
images, gray, 16-bit, float and RGB inputs, each parameter at its edges.

Where scikit-image raises for some inputs (isodata on a constant image, minimum without two
maxima, negative samples for the exposure corrections), those inputs form a case of their own
that must fail with flowrun's message."""

import warnings

import numpy as np
import skimage.exposure as exposure
import skimage.filters as filters
import skimage.measure
from skimage import img_as_float

from opcases import OpCase, sample_inputs


def quiet(fn):
    """fn with scikit-image's warnings (colour images given to gray functions) silenced."""
    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    return run


# scikit-image's reasons, and the words flowrun's message for each must contain.
REASONS = [
    ("Too many bins", "too narrow"),
    ("not finite", "not finite"),
    ("index 0 is out of bounds", "isodata"),
    ("Unable to find two maxima", "two maxima"),
    ("Maximum iteration", "max_num_iter"),
    ("non-negative values", "non-negative"),
    ("initial guess", "initial_guess"),
    ("argmax of an empty sequence", "at least 2 bins"),
    ("must be between -1 and 1", "between -1 and 1"),
]


def reason(exc):
    text = str(exc)
    for theirs, ours in REASONS:
        if theirs in text:
            return ours
    raise AssertionError(f"no flowrun wording known for {type(exc).__name__}: {text}")


def split(inputs, fn):
    """(inputs fn accepts, {flowrun's words: inputs it raises for}), fn taking the image as
    flowrun sees it."""
    ok, bad = [], {}
    for name, a in inputs:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                fn(img_as_float(np.asarray(a)))
            ok.append((name, a))
        except Exception as e:
            bad.setdefault(reason(e), []).append((name, a))
    return ok, bad


def cases_for(label, inputs, steps, expected, metrics="", **kw):
    """One case for the inputs scikit-image accepts (the image compared, or with `metrics` the
    metrics), and one per reason that must fail for the others."""
    ok, bad = split(inputs, expected)
    out = []
    if ok:
        if metrics:
            out.append(OpCase(label, ok, steps, metrics=metrics,
                              expected_metrics=quiet(expected), **kw))
        else:
            out.append(OpCase(label, ok, steps, quiet(expected), **kw))
    for words, refused in bad.items():
        out.append(OpCase(f"{label} (refused: {words})", refused, steps, metrics=metrics,
                          fails_with=words))
    return out


def toml_params(params):
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)
    return "\n".join(f"{k} = {value(v)}" for k, v in params.items())


def step(op, **params):
    return f'[[steps]]\nop = "{op}"\n{toml_params(params)}'


def extra_inputs(rng):
    """Images the histogram methods need: two modes, two values, a narrow float range."""
    lo = rng.normal(60, 12, size=(20, 31))
    hi = rng.normal(185, 18, size=(17, 31))
    bimodal = np.clip(np.concatenate([lo, hi]), 0, 255).astype(np.uint8)
    two = np.where(rng.rand(9, 7) < 0.3, 200, 40).astype(np.uint8)
    narrow = 0.5 + rng.rand(11, 13) * 1e-9
    positive = rng.rand(13, 17)
    # Two values one ulp apart: too narrow a range for most bin counts.
    ulp = 0.5 + (np.arange(12).reshape(3, 4) % 2) * 2.0**-53
    rgb = np.stack([bimodal, 255 - bimodal, bimodal // 2], -1)
    return [("bimodal_u8_37x31", bimodal), ("two_u8_9x7", two), ("narrow_f64_11x13", narrow),
            ("positive_f64_13x17", positive), ("ulp_f64_3x4", ulp), ("bimodal_rgb8_37x31", rgb)]


def threshold_cases(inputs):
    out = []
    methods = [
        ("otsu", {}, filters.threshold_otsu), ("otsu", {"nbins": 2}, filters.threshold_otsu),
        ("otsu", {"nbins": 1000}, filters.threshold_otsu),
        ("li", {}, filters.threshold_li), ("li", {"tolerance": 0.01}, filters.threshold_li),
        ("li", {"initial_guess": 0.3}, filters.threshold_li),
        ("yen", {}, filters.threshold_yen), ("yen", {"nbins": 1}, filters.threshold_yen),
        ("yen", {"nbins": 17}, filters.threshold_yen),
        ("isodata", {}, filters.threshold_isodata), ("isodata", {"nbins": 1},
                                                     filters.threshold_isodata),
        ("isodata", {"nbins": 7}, filters.threshold_isodata),
        ("mean", {}, filters.threshold_mean),
        ("minimum", {}, filters.threshold_minimum),
        ("minimum", {"nbins": 32, "max_num_iter": 3}, filters.threshold_minimum),
        ("triangle", {}, filters.threshold_triangle),
        ("triangle", {"nbins": 2}, filters.threshold_triangle),
    ]
    for method, params, fn in methods:
        label = f"threshold method={method} {params}"
        out += cases_for(label, inputs, step("threshold", method=method, **params),
                         lambda a, fn=fn, p=params: (a > fn(a, **p)).astype(float))
    for value in (0.5, 0.0, -1.0, 1.0):
        out.append(OpCase(f"threshold value={value}", inputs, step("threshold", value=value),
                          lambda a, v=value: (a > v).astype(float)))
    gray = [(n, a) for n, a in inputs if np.asarray(a).ndim == 2]
    rgb = [(n, a) for n, a in inputs if np.asarray(a).ndim == 3]
    local = [({"block_size": 3}, {}), ({"block_size": 1}, {}),
             ({"block_size": 15, "offset": 0.01}, {"offset": 0.01}),
             ({"block_size": [3, 7]}, {}), ({"block_size": 5, "param": 2.5}, {"param": 2.5})]
    for mode in ("reflect", "nearest", "mirror", "constant", "wrap"):
        local.append(({"block_size": 7, "mode": mode, "cval": 0.25},
                      {"mode": mode, "cval": 0.25}))
        local.append(({"block_size": 5, "local_method": "mean", "mode": mode, "cval": 0.25},
                      {"method": "mean", "mode": mode, "cval": 0.25}))
        local.append(({"block_size": 5, "local_method": "median", "mode": mode, "cval": 0.25},
                      {"method": "median", "mode": mode, "cval": 0.25}))
    local += [({"block_size": [3, 9], "local_method": "mean", "offset": -0.02},
               {"method": "mean", "offset": -0.02}),
              ({"block_size": 1, "local_method": "mean"}, {"method": "mean"}),
              ({"block_size": 41, "local_method": "mean"}, {"method": "mean"}),
              ({"block_size": [3, 9], "local_method": "median", "offset": 0.01},
               {"method": "median", "offset": 0.01}),
              ({"block_size": 1, "local_method": "median"}, {"method": "median"}),
              ({"block_size": 11, "local_method": "median"}, {"method": "median"})]
    for params, sk in local:
        b = params["block_size"]
        out.append(OpCase(f"threshold method=local {params}", gray,
                          step("threshold", method="local", **params),
                          lambda a, b=b, sk=sk: (a > filters.threshold_local(a, b, **sk))
                          .astype(float)))
    out.append(OpCase("threshold method=local on RGB", rgb,
                      step("threshold", method="local"), fails_with="thresholds gray images"))
    return out


def metric_cases(inputs):
    out = []
    metrics = [
        ("otsu", {}, lambda a: filters.threshold_otsu(a)),
        ("otsu", {"nbins": 9}, lambda a: filters.threshold_otsu(a, nbins=9)),
        ("li", {}, lambda a: filters.threshold_li(a)),
        ("yen", {}, lambda a: filters.threshold_yen(a)),
        ("yen", {"nbins": 64}, lambda a: filters.threshold_yen(a, nbins=64)),
        ("median", {}, np.median),
        ("percentile", {"q": 0}, lambda a: np.percentile(a, 0)),
        ("percentile", {"q": 2.5}, lambda a: np.percentile(a, 2.5)),
        ("percentile", {"q": 50}, lambda a: np.percentile(a, 50)),
        ("percentile", {"q": 99.9}, lambda a: np.percentile(a, 99.9)),
        ("percentile", {"q": 100}, lambda a: np.percentile(a, 100)),
        ("entropy", {}, lambda a: skimage.measure.shannon_entropy(a)),
        ("entropy", {"base": 2.718281828459045},
         lambda a: skimage.measure.shannon_entropy(a, base=2.718281828459045)),
        ("entropy", {"base": 10}, lambda a: skimage.measure.shannon_entropy(a, base=10)),
        ("count_above", {"threshold": 0.5}, lambda a: np.count_nonzero(a > 0.5)),
        ("count_above", {"threshold": 0.0}, lambda a: np.count_nonzero(a > 0.0)),
        ("fraction_above", {"threshold": 0.25}, lambda a: np.mean(a > 0.25)),
        ("nonzero", {}, np.count_nonzero),
    ]
    for k, (op, params, fn) in enumerate(metrics):
        col = f"m{k}"
        entry = f'{col} = {{ op = "{op}", on = "input"' + "".join(
            f", {key} = {v!r}" for key, v in params.items()) + " }"
        out += cases_for(f"metric {op} {params}", inputs, step("threshold", value=0.5),
                         lambda a, fn=fn, col=col: {col: fn(a)}, metrics=entry)
    return out


def exposure_cases(inputs, negative):
    out = []
    ranges = [
        ({}, {}),
        ({"in_range": "dtype"}, {"in_range": "dtype"}),
        ({"in_range": [0.2, 0.7]}, {"in_range": (0.2, 0.7)}),
        ({"in_range": [0.5, 0.5]}, {"in_range": (0.5, 0.5)}),
        ({"in_range": {"percentiles": [2, 98]}}, "percentiles"),
        ({"in_range": {"percentiles": [0, 100]}}, "percentiles"),
        ({"out_range": [-3.0, 5.0]}, {"out_range": (-3.0, 5.0)}),
        ({"out_range": "image"}, {"out_range": "image"}),
        ({"in_range": [0.9, 0.1], "out_range": [1, 0]},
         {"in_range": (0.9, 0.1), "out_range": (1, 0)}),
    ]
    for params, sk in ranges:
        if sk == "percentiles":
            lo, hi = params["in_range"]["percentiles"]
            fn = (lambda a, lo=lo, hi=hi: exposure.rescale_intensity(
                a, in_range=tuple(float(v) for v in np.percentile(a, (lo, hi)))))
        else:
            fn = (lambda a, sk=sk: exposure.rescale_intensity(a, **sk))
        out.append(OpCase(f"rescale_intensity {params}", inputs + negative,
                          step("rescale_intensity", **params), quiet(fn)))
    for nbins in (256, 1, 2, 7, 1000):
        out += cases_for(f"equalize_hist nbins={nbins}", inputs + negative,
                         step("equalize_hist", nbins=nbins),
                         lambda a, n=nbins: exposure.equalize_hist(a, nbins=n))
    clahe = [({}, {}), ({"kernel_size": 3}, {"kernel_size": 3}),
             ({"kernel_size": [5, 9]}, {"kernel_size": (5, 9)}),
             ({"kernel_size": 1}, {"kernel_size": 1}), ({"kernel_size": 64}, {"kernel_size": 64}),
             ({"clip_limit": 0.0}, {"clip_limit": 0.0}), ({"clip_limit": -1.0}, {"clip_limit": -1.0}),
             ({"clip_limit": 0.5, "kernel_size": 4}, {"clip_limit": 0.5, "kernel_size": 4}),
             ({"clip_limit": 1.0}, {"clip_limit": 1.0}),
             ({"nbins": 1}, {"nbins": 1}), ({"nbins": 3}, {"nbins": 3}),
             ({"nbins": 17, "kernel_size": 6}, {"nbins": 17, "kernel_size": 6}),
             ({"nbins": 16384}, {"nbins": 16384}), ({"nbins": 20000}, {"nbins": 20000})]
    for params, sk in clahe:
        out += cases_for(f"equalize_adapthist {params}", inputs + negative,
                         step("equalize_adapthist", **params),
                         lambda a, sk=sk: exposure.equalize_adapthist(a, **sk))
    corrections = [
        ("adjust_gamma", {}, {}), ("adjust_gamma", {"gamma": 2.2}, {"gamma": 2.2}),
        ("adjust_gamma", {"gamma": 0.45, "gain": 0.8}, {"gamma": 0.45, "gain": 0.8}),
        ("adjust_gamma", {"gamma": 0.5}, {"gamma": 0.5}),
        ("adjust_gamma", {"gamma": 2}, {"gamma": 2}),
        ("adjust_gamma", {"gamma": 0}, {"gamma": 0}),
        ("adjust_gamma", {"gamma": 3.7, "gain": 2.0}, {"gamma": 3.7, "gain": 2.0}),
        ("adjust_log", {}, {}), ("adjust_log", {"gain": 0.7}, {"gain": 0.7}),
        ("adjust_log", {"inv": True}, {"inv": True}),
        ("adjust_log", {"inv": True, "gain": 1.3}, {"inv": True, "gain": 1.3}),
        ("adjust_sigmoid", {}, {}),
        ("adjust_sigmoid", {"cutoff": 0.3, "gain": 5}, {"cutoff": 0.3, "gain": 5}),
        ("adjust_sigmoid", {"inv": True}, {"inv": True}),
        ("adjust_sigmoid", {"cutoff": 0.0, "gain": -40.0}, {"cutoff": 0.0, "gain": -40.0}),
    ]
    for op, params, sk in corrections:
        fn = getattr(exposure, op)
        # np.power (but for its exact exponents) and np.log2 / 2 ** x come from Intel SVML on
        # AVX-512 CPUs, which flowrun does not reproduce: within 1e-12 there, bit for bit else.
        svml = (op == "adjust_log"
                or (op == "adjust_gamma" and params.get("gamma", 1) not in (0, 0.5, 1, 2)))
        out += cases_for(f"{op} {params}", inputs + negative, step(op, **params),
                         lambda a, fn=fn, sk=sk: fn(a, **sk), exact=not svml)
    return out


def cases(rng):
    inputs = sample_inputs(rng) + extra_inputs(rng)
    negative = [("signed_f64_5x7", rng.normal(0.0, 1.0, size=(5, 7)))]
    return threshold_cases(inputs) + metric_cases(inputs) + exposure_cases(inputs, negative)
