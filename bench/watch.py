#!/usr/bin/env python3
"""Watch mode against a batch run, side by side on the same files.

Throughput: N PNGs already in a folder (`flowrun run` on a fresh copy, then `flowrun watch
--max-images N` on another fresh copy, where the files are the backlog), and a burst of N files
copied into a watched folder (`cp` closes each file after writing, so each is taken at once).

Latency: from a file's completion (rename into place, or the close of a plain write) to its row on
the watch's stdout, over a number of single files dropped one at a time; and the same with
`--poll`, where a file waits for the poll interval and then the settle time.

    python3 bench/watch.py --flowrun target/release/flowrun [--count 1000] [--size 256]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
from PIL import Image

WORKFLOW = """
name = "w"
[source]
kind = "glob"
pattern = "in/*.png"
[[steps]]
op = "gaussian"
name = "blur"
sigma = 2.0
[metrics]
var = { op = "variance", on = "blur" }
[output]
images = "out/{stem}.png"
results = "out/results.csv"
"""


def make_pngs(folder, count, size):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(0)
    for i in range(count):
        Image.fromarray((rng.rand(size, size) * 255).astype(np.uint8)).save(
            os.path.join(folder, f"img{i:05}.png")
        )


def fresh(src, jobs):
    d = tempfile.mkdtemp(prefix="flowrun-watch-bench-")
    with open(os.path.join(d, "wf.toml"), "w") as f:
        f.write(WORKFLOW)
    if src:
        shutil.copytree(src, os.path.join(d, "in"))
        old = time.time() - 10
        for n in os.listdir(os.path.join(d, "in")):
            os.utime(os.path.join(d, "in", n), (old, old))
    else:
        os.makedirs(os.path.join(d, "in"))
    return d


class Watch:
    """A running watch, with the time each stdout row arrived."""

    def __init__(self, flowrun, cwd, args):
        self.p = subprocess.Popen(
            [flowrun, "watch", "wf.toml", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.rows = {}
        self.started = threading.Event()
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()
        self.started.wait(30)

    def _out(self):
        for line in self.p.stdout:
            parts = line.split()
            if parts and parts[0] in ("ok", "failed"):
                self.rows[parts[2]] = time.perf_counter()

    def _err(self):
        for line in self.p.stderr:
            if "watching" in line:
                self.started.set()


def throughput(args, src):
    n = args.count
    d = fresh(src, args.jobs)
    t = time.perf_counter()
    subprocess.run([args.flowrun, "run", "wf.toml", "-q"], cwd=d, check=True)
    batch = time.perf_counter() - t
    shutil.rmtree(d)

    d = fresh(src, args.jobs)
    t = time.perf_counter()
    subprocess.run(
        [args.flowrun, "watch", "wf.toml", "-q", "--max-images", str(n)], cwd=d, check=True
    )
    backlog = time.perf_counter() - t
    shutil.rmtree(d)

    d = fresh(None, args.jobs)
    w = Watch(args.flowrun, d, ["--max-images", str(n)])
    t = time.perf_counter()
    for name in sorted(os.listdir(src)):
        shutil.copyfile(os.path.join(src, name), os.path.join(d, "in", name))
    w.p.wait()
    burst = time.perf_counter() - t
    shutil.rmtree(d)
    print(f"throughput, {n} PNGs {args.size}x{args.size}, gaussian sigma 2 + variance:")
    print(f"  flowrun run                 {batch:7.3f} s  ({n / batch:7.1f} images/s)")
    print(f"  flowrun watch, backlog      {backlog:7.3f} s  ({n / backlog:7.1f} images/s)  {backlog / batch:.2f}x run")
    print(f"  flowrun watch, burst (cp)   {burst:7.3f} s  ({n / burst:7.1f} images/s)  {burst / batch:.2f}x run")


def latency(args, src, extra, label, rename):
    d = fresh(None, args.jobs)
    w = Watch(args.flowrun, d, ["--settle", args.settle, *extra])
    names = sorted(os.listdir(src))[: args.drops]
    lat = []
    for name in names:
        dst = os.path.join(d, "in", name)
        if rename:
            tmp = os.path.join(d, "in", "." + name + ".tmp")
            shutil.copyfile(os.path.join(src, name), tmp)
            t = time.perf_counter()
            os.rename(tmp, dst)
        else:
            with open(os.path.join(src, name), "rb") as f:
                data = f.read()
            with open(dst, "wb") as f:
                f.write(data)
            t = time.perf_counter()
        key = os.path.join("in", name)
        deadline = time.perf_counter() + 30
        while key not in w.rows and time.perf_counter() < deadline:
            time.sleep(0.001)
        lat.append((w.rows.get(key, float("nan")) - t) * 1e3)
        time.sleep(0.05)
    w.p.terminate()
    w.p.wait()
    shutil.rmtree(d)
    print(
        f"  {label:34} median {statistics.median(lat):7.1f} ms, max {max(lat):7.1f} ms over {len(lat)} files"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowrun", default="target/release/flowrun")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--drops", type=int, default=20)
    ap.add_argument("--settle", default="1s")
    ap.add_argument("--jobs", type=int, default=0)
    args = ap.parse_args()
    args.flowrun = os.path.abspath(args.flowrun)
    src = tempfile.mkdtemp(prefix="flowrun-watch-src-")
    make_pngs(src, args.count, args.size)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    throughput(args, src)
    print(f"latency, completion to row (--settle {args.settle}):")
    latency(args, src, [], "rename into place (events)", True)
    latency(args, src, [], "plain write, closed (events)", False)
    latency(args, src, ["--poll", "250ms"], "rename into place (--poll 250ms)", True)
    shutil.rmtree(src)


if __name__ == "__main__":
    main()
