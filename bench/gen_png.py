"""Write COUNT deterministic 8-bit PNGs of SIZE x SIZE into DIR (img_000.png ...).

usage: gen_png.py DIR COUNT SIZE                      the seed's noise images, gray (bench/run.sh)
       gen_png.py DIR COUNT SIZE --content natural [--rgb-dir RGBDIR]
                                                      natural-looking images (bench/ops.sh)

noise: image i is the seed's noise image i (np.random.RandomState(i).normal(...), clipped to
[0, 1]) converted to uint8 with round-half-even.

natural: image i is a scene drawn from np.random.RandomState(i) — an uneven illumination (a
gradient and smooth low-frequency shading), 40-140 cells (soft-edged ellipses of different
sizes, brightness and colour, some with a brighter nucleus and dark specks), fine granular
texture inside the cells and a coarser mottling everywhere, and sensor noise — so that filters,
thresholds, morphology, labels and histograms all see the structure they are made for. With
--rgb-dir the same scene is also written in colour there (stained cells on a tinted background);
the gray file is its luminance (skimage's rgb2gray weights), both rounded half-even from float.

The same arguments always give the same files (numpy's RandomState stream and scipy.ndimage
are deterministic).
"""
import argparse
import os

import imageio.v2 as imageio
import numpy as np


def noise_image(i, size):
    r = np.random.RandomState(i)
    img = np.clip(r.normal(loc=((i + 1) % 255) / 255, scale=20 / 255, size=(size, size)), 0, 1)
    return np.rint(img * 255).astype(np.uint8)


def natural_scene(i, size):
    """The float RGB scene of image i, (size, size, 3) in [0, 1]."""
    from scipy import ndimage as ndi

    r = np.random.RandomState(i)
    n = size
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n

    # Illumination: a linear gradient and smooth shading (a 6x6 random grid, cubic-upsampled).
    a = r.uniform(0, 2 * np.pi)
    grad = 0.5 + 0.5 * (np.cos(a) * (xx - 0.5) + np.sin(a) * (yy - 0.5)) * 1.4
    coarse = r.uniform(-1, 1, size=(6, 6)).astype(np.float32)
    shade = ndi.zoom(coarse, n / 6, order=3, mode="nearest", grid_mode=True)[:n, :n]
    base_level = r.uniform(0.08, 0.22)
    background = base_level + 0.12 * grad + 0.05 * shade
    tint = np.array([1.0, 0.93, 0.85], np.float32) * r.uniform(0.9, 1.1, size=3).astype(np.float32)
    rgb = background[..., None] * tint

    # Coarse mottling everywhere, fine granular texture (used inside the cells).
    mottle = ndi.gaussian_filter(r.normal(size=(n, n)).astype(np.float32), 6.0)
    mottle *= 0.03 / max(float(mottle.std()), 1e-6)
    grain = ndi.gaussian_filter(r.normal(size=(n, n)).astype(np.float32), 1.2)
    grain *= 1.0 / max(float(grain.std()), 1e-6)
    rgb += mottle[..., None]

    # Cells: soft-edged ellipses, each with its own stain colour; some with a nucleus.
    stains = np.array([[0.95, 0.55, 0.75], [0.55, 0.45, 0.90], [0.90, 0.80, 0.45], [0.60, 0.90, 0.60]], np.float32)
    cells = np.zeros((n, n), np.float32)  # coverage, for the texture
    for _ in range(r.randint(40, 141)):
        cy, cx = r.uniform(0, n, size=2)
        ry = r.uniform(0.006, 0.045) * n
        rx = ry * r.uniform(0.6, 1.6)
        th = r.uniform(0, np.pi)
        level = r.uniform(0.25, 0.6)
        colour = stains[r.randint(len(stains))] * r.uniform(0.85, 1.15, size=3).astype(np.float32)
        nucleus = r.uniform() < 0.5
        edge = r.uniform(0.8, 2.5)  # soft edge width, pixels
        reach = max(rx, ry) + 4 * edge
        y0, y1 = int(max(cy - reach, 0)), int(min(cy + reach + 1, n))
        x0, x1 = int(max(cx - reach, 0)), int(min(cx + reach + 1, n))
        if y0 >= y1 or x0 >= x1:
            continue
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        dy, dx = gy - cy, gx - cx
        u = (dx * np.cos(th) + dy * np.sin(th)) / rx
        v = (-dx * np.sin(th) + dy * np.cos(th)) / ry
        d = np.sqrt(u * u + v * v)  # 1 on the boundary
        alpha = 1 / (1 + np.exp((d - 1) * min(rx, ry) / edge))
        body = level * alpha
        if nucleus:
            body += 0.25 * level / (1 + np.exp((d - 0.4) * min(rx, ry) / edge))
        rgb[y0:y1, x0:x1] += body[..., None] * colour
        cells[y0:y1, x0:x1] = np.maximum(cells[y0:y1, x0:x1], alpha)
        # dark specks (holes) inside some cells
        for _ in range(r.randint(0, 4)):
            sy = cy + r.uniform(-0.6, 0.6) * ry
            sx = cx + r.uniform(-0.6, 0.6) * rx
            sr = r.uniform(1.0, 3.5)
            s = np.exp(-((gy - sy) ** 2 + (gx - sx) ** 2) / (2 * sr * sr))
            rgb[y0:y1, x0:x1] -= (0.5 * level * s * alpha)[..., None] * colour

    rgb += (0.04 * grain * cells)[..., None]
    # Sensor noise: signal-dependent (shot) plus a read-noise floor, per channel.
    sigma = np.sqrt(0.0002 + 0.0015 * np.clip(rgb, 0, None))
    rgb += sigma * r.normal(size=rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 1)


def to_u8(x):
    return np.rint(np.asarray(x, np.float64) * 255).astype(np.uint8)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir")
    p.add_argument("count", type=int)
    p.add_argument("size", type=int)
    p.add_argument("--content", choices=["noise", "natural"], default="noise")
    p.add_argument("--rgb-dir", help="natural only: also write the colour images here")
    a = p.parse_args()
    if a.rgb_dir and a.content != "natural":
        p.error("--rgb-dir needs --content natural")
    os.makedirs(a.dir, exist_ok=True)
    if a.rgb_dir:
        os.makedirs(a.rgb_dir, exist_ok=True)
    for i in range(a.count):
        name = f"img_{i:03d}.png"
        if a.content == "noise":
            imageio.imwrite(os.path.join(a.dir, name), noise_image(i, a.size))
            continue
        rgb = natural_scene(i, a.size)
        gray = rgb @ np.array([0.2125, 0.7154, 0.0721], np.float32)
        imageio.imwrite(os.path.join(a.dir, name), to_u8(np.clip(gray, 0, 1)))
        if a.rgb_dir:
            imageio.imwrite(os.path.join(a.rgb_dir, name), to_u8(rgb))


if __name__ == "__main__":
    main()
