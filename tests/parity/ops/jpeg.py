"""JPEG inputs as `skimage.io.imread` reads them (Pillow, libjpeg-turbo): files written by Pillow
— baseline and progressive, 4:4:4, 4:2:2 and 4:2:0, gray and colour, RGB without the YCbCr
transform, restart markers, odd sizes, qualities 5 to 100 — loaded with no steps, every sample
compared bit for bit; the same files through `color = "gray"` and `"rgb"`; and files cut short,
which fail as Pillow's "image file is truncated"."""

import io

import numpy as np
import PIL.Image
import skimage.color

from opcases import OpCase

SIZES = [(1, 1), (1, 9), (9, 1), (7, 5), (8, 8), (17, 33), (37, 53), (64, 48), (101, 77)]


def photo(rng, h, w, channels):
    """Smooth structure plus noise, so every quality level leaves non-trivial coefficients."""
    y, x = np.mgrid[:h, :w]
    planes = [128 + 60 * np.sin(x / 7.0 + c) * np.cos(y / 11.0) + rng.normal(0, 12, (h, w))
              for c in range(channels)]
    a = np.clip(np.stack(planes, -1), 0, 255).astype(np.uint8)
    return a[..., 0] if channels == 1 else a


def jpeg(array, **save):
    """The file Pillow writes for `array`, or None where Pillow's encoder refuses the settings
    (its output buffer is too small for some tiny progressive or optimized files)."""
    out = io.BytesIO()
    try:
        PIL.Image.fromarray(array).save(out, "JPEG", **save)
    except OSError:
        return None
    return out.getvalue()


def files(rng):
    out = []
    for h, w in SIZES:
        for channels in (1, 3):
            a = photo(rng, h, w, channels)
            kind = "gray" if channels == 1 else "rgb"
            for quality in (5, 50, 75, 95, 100):
                for progressive in (False, True):
                    subsamplings = [None] if channels == 1 else [0, 1, 2]
                    for sub in subsamplings:
                        save = {"quality": quality, "progressive": progressive}
                        if sub is not None:
                            save["subsampling"] = sub
                        # Restart markers every 1 or 3 MCUs on some; Huffman tables optimised
                        # on others.
                        restart = (quality + h + (sub or 0)) % 3
                        if restart:
                            save["restart_marker_blocks"] = 1 if restart == 1 else 3
                        if quality == 50 and not progressive:
                            save["optimize"] = True
                        data = jpeg(a, **save)
                        if data is None:
                            continue
                        mode = "p" if progressive else "b"
                        name = f"{kind}_{h}x{w}_q{quality}_{mode}_s{sub}_r{restart}.jpg"
                        out.append((name, data))
            if channels == 3:
                # Stored as RGB (Adobe transform 0, no YCbCr), and restarts by rows.
                for name, save in [("keep_rgb", {"quality": 90, "keep_rgb": True}),
                                   ("keep_rgb_p", {"quality": 80, "keep_rgb": True,
                                                   "progressive": True}),
                                   ("rows", {"quality": 85, "restart_marker_rows": 1})]:
                    data = jpeg(a, **save)
                    if data is not None:
                        out.append((f"rgb_{h}x{w}_{name}.jpg", data))
    return out


def gray_of(image):
    return skimage.color.rgb2gray(image) if image.ndim == 3 else image


def rgb_of(image):
    return image if image.ndim == 3 else np.stack([image] * 3, -1)


def truncated(inputs):
    """Files cut short where Pillow raises "image file is truncated" (checked here)."""
    out = []
    for name, data in inputs[::7]:
        for cut in (len(data) // 2, len(data) - 1):
            cut_data = data[:cut]
            try:
                np.asarray(PIL.Image.open(io.BytesIO(cut_data)))
            except OSError as e:
                if "truncated" in str(e):
                    out.append((name.replace(".jpg", f"_cut{cut}.jpg"), cut_data))
    return out


def cases(rng):
    inputs = files(rng)
    return [
        OpCase(f"jpeg decode ({len(inputs)} files written by Pillow)", inputs, "",
               lambda a: a),
        OpCase("jpeg decode, color=gray", inputs, "", gray_of, color="gray"),
        OpCase("jpeg decode, color=rgb", inputs[::3], "", rgb_of, color="rgb"),
        OpCase("jpeg cut short", truncated(inputs), "", None,
               fails_with="truncated or corrupt jpeg: unexpected end of file"),
    ]
