"""The per-op benchmark's Python loops: one op of bench/ops.toml over a list of files, serially.

usage: ops_loop.py skimage|opencv OPS_TOML ROW OUTDIR IN...

skimage: for each input, imageio.imread -> img_as_float -> the row's `skimage` expression ->
         img_as_ubyte -> imageio.imwrite(OUTDIR/<stem>.png) (for output = "tif-f32": the result as
         float32 into OUTDIR/<stem>.tif).
opencv:  cv2.setNumThreads(2); for each input, cv2.imread(path, cv2.IMREAD_UNCHANGED) -> the row's
         `opencv` expression -> cv2.imwrite(OUTDIR/<stem>.png) (or float32 .tif).

Only the modules the expression names are imported. Prints wall=...s for the loop alone (the
benchmark times the whole process).
"""
import importlib
import os
import sys
import time

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

import numpy as np

SKIMAGE_MODULES = ("filters", "morphology", "transform", "exposure", "restoration", "feature",
                   "measure", "color", "util")


def load_row(path, name):
    with open(path, "rb") as f:
        table = tomllib.load(f)
    for row in table["ops"]:
        if row["name"] == name:
            return row
    sys.exit(f"ops_loop: no row {name!r} in {path}")


def disk(r):
    """skimage.morphology.disk(r) (x² + y² <= r²) as uint8, for OpenCV's kernels."""
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y <= r * r).astype(np.uint8)


def main():
    tool, ops_toml, name, outdir, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    if tool not in ("skimage", "opencv"):
        sys.exit("ops_loop: the tool is skimage or opencv")
    row = load_row(ops_toml, name)
    expr = row.get(tool)
    if not expr:
        sys.exit(f"ops_loop: row {name!r} has no {tool} expression")
    code = compile(expr.strip(), f"<{os.path.basename(ops_toml)}: {name} {tool}>", "eval")
    tif = row.get("output", "png") == "tif-f32"
    ext = ".tif" if tif else ".png"
    os.makedirs(outdir, exist_ok=True)
    ns = {"np": np}

    if tool == "skimage":
        import imageio.v2 as imageio
        from skimage import img_as_float, img_as_ubyte

        for mod in set(code.co_names) & set(SKIMAGE_MODULES):
            ns[mod] = importlib.import_module(f"skimage.{mod}")
        if "ndi" in code.co_names:
            ns["ndi"] = importlib.import_module("scipy.ndimage")
        t0 = time.perf_counter()
        for path in files:
            ns["img"] = img_as_float(imageio.imread(path))
            out = eval(code, ns)
            stem = os.path.splitext(os.path.basename(path))[0]
            if tif:
                imageio.imwrite(os.path.join(outdir, stem + ext), np.asarray(out, np.float32))
            else:
                imageio.imwrite(os.path.join(outdir, stem + ext), img_as_ubyte(out))
    else:
        import cv2

        cv2.setNumThreads(2)
        ns["cv2"] = cv2
        ns["disk"] = disk
        t0 = time.perf_counter()
        for path in files:
            img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if img is None:
                sys.exit(f"ops_loop: cv2.imread cannot read {path}")
            ns["img"] = img
            out = eval(code, ns)
            stem = os.path.splitext(os.path.basename(path))[0]
            if tif:
                out = np.asarray(out, np.float32)
            elif out.dtype != np.uint8:
                sys.exit(f"ops_loop: row {name!r}: the opencv expression gives {out.dtype}, not uint8")
            if not cv2.imwrite(os.path.join(outdir, stem + ext), out):
                sys.exit(f"ops_loop: cv2.imwrite failed for {stem + ext}")
    print(f"{tool} row={name} N={len(files)} wall={time.perf_counter() - t0:.3f}s")


if __name__ == "__main__":
    main()
