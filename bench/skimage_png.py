"""The scikit-image serial loop of the PNG comparison.

usage: skimage_png.py SIGMA OUTDIR IN.png...

For each input: imageio.imread -> skimage.filters.gaussian(img, SIGMA) -> img_as_ubyte ->
imageio.imwrite(OUTDIR/<same name>.png). Prints wall=...s for the loop (imports excluded).
"""
import os
import sys
import time

import imageio.v2 as imageio
import skimage.filters as filters
from skimage import img_as_ubyte


def main():
    sigma, outdir, files = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    t0 = time.perf_counter()
    for path in files:
        img = imageio.imread(path)
        out = filters.gaussian(img, sigma)
        imageio.imwrite(os.path.join(outdir, os.path.basename(path)), img_as_ubyte(out))
    print(f"skimage-serial N={len(files)} sigma={sigma} wall={time.perf_counter() - t0:.3f}s")


if __name__ == "__main__":
    main()
