"""Per-sample and layout ops: abs, clip, invert, flip, and the arithmetic of two images — on
odd sizes, a constant image, gray, 16-bit, float and RGB inputs."""

import numpy as np
import skimage.util

from opcases import OpCase, sample_inputs


def cases(rng):
    inputs = sample_inputs(rng)
    # Signed values and zeros of both signs, so that sign rules show.
    signed = [("signed_f64_5x7", np.where(rng.rand(5, 7) < 0.2, -0.0,
                                          rng.normal(0.0, 1.0, size=(5, 7))))]
    out = [
        OpCase("abs", inputs + signed, '[[steps]]\nop = "abs"', lambda a: np.abs(a)),
        OpCase("invert", inputs + signed, '[[steps]]\nop = "invert"',
               lambda a: skimage.util.invert(a)),
        OpCase("invert signed_float", inputs + signed,
               '[[steps]]\nop = "invert"\nsigned_float = true',
               lambda a: skimage.util.invert(a, signed_float=True)),
    ]
    for lo, hi in [(0.25, 0.75), (0.0, None), (None, 0.0), (1.0, 0.0), (-0.0, 0.0)]:
        params = "\n".join(f"{k} = {v!r}" for k, v in (("min", lo), ("max", hi)) if v is not None)
        out.append(OpCase(f"clip min={lo} max={hi}", inputs + signed,
                          f'[[steps]]\nop = "clip"\n{params}',
                          lambda a, lo=lo, hi=hi: np.clip(a, lo, hi)))
    for axis in (0, 1, None):
        params = "" if axis is None else f"axis = {axis}"
        out.append(OpCase(f"flip axis={axis}", inputs, f'[[steps]]\nop = "flip"\n{params}',
                          lambda a, axis=axis: np.flip(a, axis)))
    for op, fn in [("subtract", np.subtract), ("add", np.add), ("multiply", np.multiply),
                   ("divide", np.true_divide)]:
        # input OP abs(input): a branch and a join on every input (abs of zero makes 0/0 nan).
        steps = (f'[[steps]]\nop = "abs"\nname = "a"\n\n[[steps]]\nop = "{op}"\n'
                 f'inputs = ["input", "a"]')
        metrics = 'mse = { op = "mse", on = "' + op + '", reference = "input" }'
        out.append(OpCase(f"{op}(input, abs(input))", inputs + signed, steps,
                          lambda a, fn=fn: fn(a, np.abs(a)), metrics=metrics,
                          expected_metrics=lambda a, fn=fn: {
                              "mse": np.mean((fn(a, np.abs(a)) - a) ** 2)}))
    return out
