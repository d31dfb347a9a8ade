#!/usr/bin/env python3
"""Writes the small deterministic test folder `workflows/data/cells/` (Python stdlib only).

Six 40x30 PNGs named so that natural order differs from byte order
(cell1, cell2, cell3, cell10, cell11, cell20):
  - 8-bit grey: cell1, cell3, cell11
  - 8-bit RGB:  cell2, cell20
  - 16-bit grey: cell10
Each image is a few smooth Gaussian "cells" on a gradient background plus deterministic
pseudo-noise from a fixed LCG, so re-running the script reproduces the files byte for byte.

Usage: python3 workflows/data/make_data.py   (from anywhere)
"""
import math
import os
import struct
import zlib

WIDTH, HEIGHT = 40, 30
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cells")


class Lcg:
    """Numerical Recipes LCG: deterministic on every platform and Python version."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next_unit(self):
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state / 2**32


def field(seed, channel=0):
    """Float image in [0, 1]: background gradient + 3 Gaussian blobs + noise."""
    rng = Lcg(seed * 7919 + channel)
    blobs = [
        (rng.next_unit() * WIDTH, rng.next_unit() * HEIGHT, 2.5 + 3.0 * rng.next_unit())
        for _ in range(3)
    ]
    rows = []
    for y in range(HEIGHT):
        row = []
        for x in range(WIDTH):
            v = 0.15 + 0.2 * x / (WIDTH - 1)
            for cx, cy, r in blobs:
                v += 0.6 * math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
            v += 0.08 * (rng.next_unit() - 0.5)
            row.append(min(1.0, max(0.0, v)))
        rows.append(row)
    return rows


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png(rows_bytes, bit_depth, color_type):
    ihdr = struct.pack(">IIBBBBB", WIDTH, HEIGHT, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows_bytes)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def gray8(seed):
    f = field(seed)
    return png([bytes(round(v * 255) for v in row) for row in f], 8, 0)


def gray16(seed):
    f = field(seed)
    return png([b"".join(struct.pack(">H", round(v * 65535)) for v in row) for row in f], 16, 0)


def rgb8(seed):
    chans = [field(seed, c) for c in range(3)]
    rows = []
    for y in range(HEIGHT):
        rows.append(bytes(round(chans[c][y][x] * 255) for x in range(WIDTH) for c in range(3)))
    return png(rows, 8, 2)


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {
        "cell1.png": gray8(1),
        "cell2.png": rgb8(2),
        "cell3.png": gray8(3),
        "cell10.png": gray16(10),
        "cell11.png": gray8(11),
        "cell20.png": rgb8(20),
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {OUT}")


if __name__ == "__main__":
    main()
