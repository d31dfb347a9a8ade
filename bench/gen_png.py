"""Write COUNT deterministic 8-bit gray PNGs of SIZE x SIZE into DIR (img_000.png ...).

usage: gen_png.py DIR COUNT SIZE

Image i is the seed's noise image i (np.random.RandomState(i).normal(...), clipped to [0, 1])
converted to uint8 with round-half-even, so the same arguments always give the same files.
"""
import os
import sys

import imageio.v2 as imageio
import numpy as np


def main():
    outdir, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(outdir, exist_ok=True)
    for i in range(count):
        r = np.random.RandomState(i)
        img = np.clip(r.normal(loc=((i + 1) % 255) / 255, scale=20 / 255, size=(size, size)), 0, 1)
        imageio.imwrite(os.path.join(outdir, f"img_{i:03d}.png"), np.rint(img * 255).astype(np.uint8))


if __name__ == "__main__":
    main()
