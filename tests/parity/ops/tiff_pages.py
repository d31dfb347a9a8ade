"""Multi-page TIFF inputs with `frames = "each"`: every page an image of its own, page k equal
to `img_as_float(skimage.io.imread(path, key=k))` (tifffile) — stacks of gray, RGB, u8, u16,
float32 and float64 pages, pages of different sizes and types in one file, odd sizes, BigTIFF,
big-endian, deflate and PackBits files (tifffile reads LZW only with imagecodecs), tiled pages,
pages with SubIFDs (not pages), one-page TIFFs and other formats (one image, frame 0)."""

import io

import numpy as np
import PIL.Image
import skimage.color
import tifffile

from opcases import OpCase

SIZES = [(1, 1), (1, 9), (9, 1), (7, 5), (37, 53)]


def page(rng, kind, h, w):
    if kind == "u8":
        return rng.randint(0, 256, size=(h, w)).astype(np.uint8)
    if kind == "u16":
        return rng.randint(0, 65536, size=(h, w)).astype(np.uint16)
    if kind == "rgb8":
        return rng.randint(0, 256, size=(h, w, 3)).astype(np.uint8)
    if kind == "rgb16":
        return rng.randint(0, 65536, size=(h, w, 3)).astype(np.uint16)
    if kind == "f32":
        return rng.normal(0.5, 0.3, size=(h, w)).astype(np.float32)
    if kind == "f64":
        return rng.normal(0.5, 0.3, size=(h, w))
    raise ValueError(kind)


def tiff(pages, **options):
    """The bytes tifffile writes for `pages`, one page each (appended, so they may differ)."""
    out = io.BytesIO()
    with tifffile.TiffWriter(out, bigtiff=options.pop("bigtiff", False),
                             byteorder=options.pop("byteorder", None)) as t:
        for p in pages:
            rgb = p.ndim == 3
            t.write(p, photometric="rgb" if rgb else "minisblack", **options)
    return out.getvalue()


def pillow(pages, **options):
    """The bytes Pillow writes for 8-bit `pages`."""
    out = io.BytesIO()
    first, *rest = [PIL.Image.fromarray(p) for p in pages]
    first.save(out, "TIFF", save_all=True, append_images=rest, **options)
    return out.getvalue()


def stack(array, **options):
    """A stack written as one series: tifffile stores it as one page per plane."""
    out = io.BytesIO()
    rgb = array.ndim == 4
    tifffile.imwrite(out, array, photometric="rgb" if rgb else "minisblack", **options)
    return out.getvalue()


def tiled(rng):
    """Pages stored in 16 × 16 tiles (the last row and column of tiles padded)."""
    out = io.BytesIO()
    with tifffile.TiffWriter(out) as t:
        for kind in ("u16", "rgb8", "f32"):
            t.write(page(rng, kind, 40, 70), tile=(16, 16),
                    photometric="rgb" if kind == "rgb8" else "minisblack")
    return out.getvalue()


def pyramid(rng):
    """Pages with a reduced-resolution SubIFD each: SubIFDs are not pages (tifffile's
    `pages` and `key` skip them)."""
    out = io.BytesIO()
    with tifffile.TiffWriter(out) as t:
        for _ in range(2):
            a = page(rng, "u8", 64, 48)
            t.write(a, subifds=1, photometric="minisblack")
            t.write(a[::2, ::2], subfiletype=1, photometric="minisblack")
    return out.getvalue()


def files(rng):
    out = []
    for h, w in SIZES:
        for kind in ("u8", "u16", "rgb8", "rgb16", "f32", "f64"):
            n = 1 + (h * w + len(kind)) % 4
            pages = [page(rng, kind, h, w) for _ in range(n)]
            out.append((f"{kind}_{h}x{w}_{n}pages.tif", tiff(pages)))
        out.append((f"stack_u8_{h}x{w}.tif", stack(
            np.stack([page(rng, "u8", h, w) for _ in range(5)]))))
        out.append((f"stack_rgb8_{h}x{w}.tif", stack(
            np.stack([page(rng, "rgb8", h, w) for _ in range(3)]))))
    mixed = [page(rng, "u8", 7, 5), page(rng, "rgb16", 9, 1), page(rng, "f32", 1, 9),
             page(rng, "rgb8", 37, 53), np.full((6, 8), 77, np.uint8), page(rng, "f64", 3, 4)]
    out += [
        ("mixed.tif", tiff(mixed)),
        ("mixed_big.tif", tiff(mixed, bigtiff=True)),
        ("mixed_be.tif", tiff(mixed, byteorder=">")),
        ("mixed_deflate.tif", tiff(mixed, compression="zlib")),
        ("pillow_packbits.tif", pillow([mixed[3], mixed[0]], compression="packbits")),
        ("const_pages.tif", tiff([np.full((6, 8), v, np.uint8) for v in (0, 77, 255)])),
        ("one_page.tif", tiff([page(rng, "u16", 7, 5)])),
    ]
    out += [("tiled.tif", tiled(rng)), ("pyramid.tif", pyramid(rng))]
    # Other formats are one image each, frame 0.
    out.append(("plain", page(rng, "rgb8", 7, 5)))
    return out


def gray_of(image):
    return skimage.color.rgb2gray(image) if image.ndim == 3 else image


def cases(rng):
    inputs = files(rng)
    pages = 0
    for _, data in inputs:
        if isinstance(data, bytes):
            with tifffile.TiffFile(io.BytesIO(data)) as t:
                pages += len(t.pages)
        else:
            pages += 1
    return [
        OpCase(f"tiff pages, frames=each ({len(inputs)} files, {pages} pages)", inputs, "",
               lambda a: a, frames="each"),
        OpCase("tiff pages, frames=each, color=gray", inputs, "", gray_of, color="gray",
               frames="each"),
    ]
