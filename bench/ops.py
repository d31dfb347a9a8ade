"""The per-op benchmark: flowrun against a scikit-image loop and an OpenCV loop, one op at a time.

Run it through bench/ops.sh, which finds the Python and builds flowrun (see bench/README.md).
For each row of bench/ops.toml whose ops are all in the flowrun binary (`flowrun schema`), on a
folder of natural-looking 8-bit PNGs (bench/gen_png.py --content natural):

  - flowrun -j2 on a generated workflow (glob source, the row's steps, output.images = OUT/{stem}.png),
  - the scikit-image serial loop (bench/ops_loop.py skimage),
  - the OpenCV loop (bench/ops_loop.py opencv, cv2.setNumThreads(2)) where the row has one,

each timed as a whole process, into a fresh folder; first an untimed round on a few images whose
outputs are compared (flowrun and OpenCV against scikit-image), then the timed repetitions in
alternating order. Writes a markdown report and the raw measurements as TSV.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOOLS = ("flowrun", "skimage", "opencv")
TOOL_LABEL = {"flowrun": "flowrun", "skimage": "scikit-image loop", "opencv": "OpenCV loop"}
# Bump when bench/gen_png.py's natural images change, so that cached data sets are remade.
DATA_VERSION = "natural1"


def log(msg: str) -> None:
    print(f"bench-ops: {msg}", file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log(f"error: {msg}")
    sys.exit(1)


# ---------------------------------------------------------------- the op table


@dataclass
class Row:
    name: str
    steps: list
    skimage: str
    input: str = "gray"
    output: str = "png"
    opencv: str | None = None
    opencv_note: str = ""
    quick: bool = False

    @property
    def ops(self) -> list[str]:
        seen = []
        for s in self.steps:
            if s["op"] not in seen:
                seen.append(s["op"])
        return seen

    @property
    def ext(self) -> str:
        return "tif" if self.output == "tif-f32" else "png"


def load_rows(path: Path) -> list[Row]:
    with open(path, "rb") as f:
        table = tomllib.load(f)
    rows, names = [], set()
    known = {"name", "steps", "skimage", "input", "output", "opencv", "opencv_note", "quick"}
    for i, e in enumerate(table.get("ops", [])):
        where = f"{path.name}: ops[{i}] ({e.get('name', '?')})"
        unknown = set(e) - known
        if unknown:
            die(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
        for k in ("name", "steps", "skimage"):
            if k not in e:
                die(f"{where}: `{k}` is required")
        if e["name"] in names:
            die(f"{where}: the name {e['name']!r} is used twice")
        names.add(e["name"])
        if e.get("input", "gray") not in ("gray", "rgb"):
            die(f"{where}: input is \"gray\" or \"rgb\"")
        if e.get("output", "png") not in ("png", "tif-f32"):
            die(f"{where}: output is \"png\" or \"tif-f32\"")
        if not e["steps"] or not all(isinstance(s, dict) and "op" in s for s in e["steps"]):
            die(f"{where}: steps is a list of inline tables, each with an `op`")
        rows.append(Row(**e))
    if not rows:
        die(f"{path}: no [[ops]] entries")
    return rows


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} as TOML")


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def workflow_text(row: Row, data: Path, out: Path) -> str:
    lines = [
        f"# bench/ops.sh, row {row.name}",
        f"name = {toml_value('ops-' + row.name)}",
        "",
        "[source]",
        'kind = "glob"',
        f"pattern = {toml_value(str(data / '*.png'))}",
        'color = "keep"',
    ]
    for s in row.steps:
        lines += ["", "[[steps]]"] + [f"{toml_key(k)} = {toml_value(v)}" for k, v in s.items()]
    lines += ["", "[output]", f"images = {toml_value(str(out / ('{stem}.' + row.ext)))}"]
    if row.output == "tif-f32":
        lines.append('dtype = "f32"')
    return "\n".join(lines) + "\n"


def steps_inline(row: Row) -> str:
    return " → ".join(toml_value(s) for s in row.steps)


# ---------------------------------------------------------------- flowrun and the machine


def schema_ops(flowrun: str) -> set[str]:
    """Every op name the binary knows: the `const` of each step variant's `op` property."""
    try:
        text = subprocess.run([flowrun, "schema"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        die(f"`{flowrun} schema` failed: {e}")
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            op = node.get("properties", {}).get("op") if isinstance(node.get("properties"), dict) else None
            if isinstance(op, dict) and isinstance(op.get("const"), str):
                found.add(op["const"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(text).get("$defs", {}).get("Step", {}))
    if not found:
        die(f"`{flowrun} schema` lists no ops (has the schema's layout changed?)")
    return found


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def git_commit() -> str:
    try:
        c = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", ".", ":(exclude)bench"]).returncode
    return c + ("-dirty" if dirty else "")


def versions() -> str:
    import imageio
    import scipy
    import skimage

    parts = [f"Python {sys.version.split()[0]}", f"numpy {np.__version__}", f"scipy {scipy.__version__}",
             f"scikit-image {skimage.__version__}", f"imageio {imageio.__version__}"]
    try:
        import PIL

        parts.append(f"Pillow {PIL.__version__}")
    except ImportError:
        pass
    try:
        import cv2

        parts.append(f"OpenCV {cv2.__version__}")
    except ImportError:
        pass
    return ", ".join(parts)


# ---------------------------------------------------------------- the data


def ensure_data(root: Path, count: int, size: int, py: str) -> Path:
    """<root>/<version>-<size>-n<count>/{gray,rgb}/img_000.png ..., made once."""
    d = root / f"{DATA_VERSION}-{size}-n{count}"
    if (d / ".complete").exists():
        for sub in ("gray", "rgb"):
            if len(list((d / sub).glob("*.png"))) != count:
                die(f"{d / sub} does not hold {count} PNGs; delete {d}")
        return d
    tmp = d.with_name(d.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)
    log(f"generating {count} natural-looking {size}² PNGs (gray and RGB) into {d}")
    t0 = time.perf_counter()
    subprocess.run([py, str(BENCH / "gen_png.py"), str(tmp / "gray"), str(count), str(size),
                    "--content", "natural", "--rgb-dir", str(tmp / "rgb")], check=True)
    (tmp / ".complete").touch()
    tmp.rename(d)
    log(f"generated in {time.perf_counter() - t0:.1f} s")
    return d


# ---------------------------------------------------------------- running


@dataclass
class Result:
    wall: list = field(default_factory=list)      # seconds, one per repetition
    cpu: list = field(default_factory=list)       # user + sys seconds of the process and its threads
    out_bytes: list = field(default_factory=list)  # per repetition, total
    error: str = ""                                # the first failure, if any

    def median(self):
        return statistics.median(self.wall) if self.wall else None

    def median_cpu(self):
        return statistics.median(self.cpu) if self.cpu else None


def tail(path: Path, n: int = 8) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def first_error(path: Path) -> str:
    """The most telling line of a failed run's log, for the report."""
    try:
        lines = [l.strip() for l in path.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return "?"
    for l in lines:
        if "error" in l.lower():
            return l
    return lines[-1] if lines else "no output"


class Bench:
    def __init__(self, a, rows: list[Row]):
        self.a = a
        self.rows = rows
        self.py = sys.executable
        self.scratch = a.scratch
        self.runs = self.scratch / f"runs-{os.getpid()}"
        self.runs.mkdir(parents=True)
        self.seq = 0
        self.tsv = []
        self.loads = []

    def files(self, row: Row) -> list[str]:
        return sorted(str(p) for p in (self.data / row.input).glob("*.png"))

    def new_dir(self, label: str) -> Path:
        self.seq += 1
        d = self.runs / f"{self.seq:04d}-{label}"
        d.mkdir(parents=True)
        return d

    def command(self, tool: str, row: Row, run: Path, out: Path, files: list[str], only: int | None):
        if tool == "flowrun":
            wf = run / "workflow.toml"
            wf.write_text(workflow_text(row, self.data / row.input, out))
            cmd = [self.a.flowrun, str(wf), "-q", "--progress", "never", "-j", str(self.a.jobs)]
            if only is not None:
                cmd += ["--only", f"0..{only}"]
            return cmd
        return [self.py, str(BENCH / "ops_loop.py"), tool, str(self.a.table), row.name, str(out), *files]

    def run(self, tool: str, row: Row, files: list[str], only: int | None = None):
        """One whole-process run into a fresh folder: (seconds, out folder, log, bytes written) or
        raises; self.last_cpu is its CPU time (user + sys)."""
        run = self.new_dir(f"{row.name}-{tool}")
        out = run / "out"
        out.mkdir()
        cmd = self.command(tool, row, run, out, files, only)
        lg = run / "log"
        self.loads.append(float(loadavg().split()[0]) if loadavg() != "?" else 0.0)
        subprocess.run(["sync"])
        with open(lg, "wb") as f:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
            t = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.last_cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        want = only if only is not None else len(files)
        got = sorted(out.glob(f"*.{row.ext}"))
        if rc != 0:
            raise RunFailed(f"exit {rc}: {self.short(first_error(lg))[:240]}", lg)
        if len(got) != want:
            raise RunFailed(f"wrote {len(got)} .{row.ext} files, expected {want}", lg)
        return t, out, lg, sum(p.stat().st_size for p in got)

    def short(self, text: str) -> str:
        """A message without the long paths of this run's folders."""
        text = re.sub(re.escape(str(self.runs)) + r"/[^/\s`']*/", "", text)
        return text.replace(str(self.data) + "/", "")

    def drop(self, out: Path) -> None:
        shutil.rmtree(out.parent, ignore_errors=True)
        subprocess.run(["sync"])
        if self.a.settle:
            time.sleep(self.a.settle)


class RunFailed(Exception):
    def __init__(self, msg: str, log_path: Path):
        super().__init__(msg)
        self.log_path = log_path


def compare(a_dir: Path, b_dir: Path, ext: str) -> str:
    """How b's outputs differ from a's: max |difference| and the share of differing samples."""
    import imageio.v2 as imageio

    names = sorted(p.name for p in a_dir.glob(f"*.{ext}"))
    if not names:
        return "no outputs to compare"
    missing = [n for n in names if not (b_dir / n).exists()]
    if missing:
        return f"missing {', '.join(missing[:3])}"
    worst, differ, total, shapes = 0.0, 0, 0, []
    for n in names:
        x = np.asarray(imageio.imread(a_dir / n), np.float64)
        y = np.asarray(imageio.imread(b_dir / n), np.float64)
        if x.shape != y.shape:
            shapes.append(f"{n}: {x.shape} vs {y.shape}")
            continue
        d = np.abs(x - y)
        d[np.isnan(x) & np.isnan(y)] = 0
        worst = max(worst, float(np.nanmax(d)) if d.size else 0.0)
        differ += int(np.count_nonzero(d))
        total += d.size
    if shapes:
        return "shape differs (" + "; ".join(shapes[:2]) + ")"
    if differ == 0:
        return "identical"
    share = 100 * differ / total
    return f"max {worst:g}, {share:.2g} % of samples"


# ---------------------------------------------------------------- formatting


def fmt_s(s: float) -> str:
    return f"{s:.0f}" if s >= 100 else f"{s:.1f}" if s >= 10 else f"{s:.2f}" if s >= 1 else f"{s:.3f}"


def fmt_rate(n: int, s: float) -> str:
    r = n / s
    return f"{r:.0f}" if r >= 100 else f"{r:.1f}" if r >= 10 else f"{r:.2f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def cell(text: str) -> str:
    """Text for a markdown table cell: one line, pipes escaped."""
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


# ---------------------------------------------------------------- main


def parse_args():
    p = argparse.ArgumentParser(prog="bench/ops.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("--flowrun", required=True, help="the flowrun binary")
    p.add_argument("--quick", action="store_true",
                   help="10 images, the rows marked quick, 1 repetition: a smoke test, not a measurement")
    p.add_argument("--ops", help="comma-separated row names of bench/ops.toml (default: all; --quick: the quick ones)")
    p.add_argument("--list", action="store_true", help="list the rows and whether this flowrun has their ops, then exit")
    p.add_argument("--check-table", action="store_true",
                   help="run every selected row's scikit-image and OpenCV calls on one image and compare them, "
                        "without flowrun (to try a new entry), then exit")
    p.add_argument("--count", type=int, help="images (default 100; --quick and --check-table 10)")
    p.add_argument("--size", type=int, default=1024, help="their side in pixels (default 1024)")
    p.add_argument("--reps", type=int, help="timed repetitions per tool and op, median reported (default 3; --quick 1)")
    p.add_argument("--check-images", type=int, help="images in the untimed comparison round (default 3; --quick 2)")
    p.add_argument("--jobs", type=int, default=2, help="flowrun -j (default 2)")
    p.add_argument("--settle", type=float, help="seconds to wait after deleting a run's outputs (default 0.5; --quick 0)")
    p.add_argument("--no-opencv", action="store_true", help="leave out the OpenCV loop")
    p.add_argument("--table", type=Path, default=BENCH / "ops.toml", help="the op table (default bench/ops.toml)")
    p.add_argument("--data", type=Path, default=BENCH / "results" / "ops-data",
                   help="where the generated images are kept and reused (default bench/results/ops-data)")
    p.add_argument("--scratch", type=Path, help="where the runs write (default: a fresh mktemp -d, removed at exit)")
    p.add_argument("--out", type=Path, help="markdown report (default bench/results/ops-latest.md; raw TSV beside it)")
    p.add_argument("--command", default="", help=argparse.SUPPRESS)  # the command line, for the report
    a = p.parse_args()
    a.count = a.count or (10 if a.quick or a.check_table else 100)
    a.reps = a.reps or (1 if a.quick else 3)
    a.check_images = a.check_images if a.check_images is not None else (2 if a.quick else 3)
    a.check_images = min(a.check_images, a.count)
    a.settle = a.settle if a.settle is not None else (0.0 if a.quick else 0.5)
    a.out = a.out or BENCH / "results" / ("ops-quick.md" if a.quick else "ops-latest.md")
    for k in ("count", "size", "reps", "jobs"):
        if getattr(a, k) < 1:
            p.error(f"--{k} must be at least 1")
    return a


def main():
    a = parse_args()
    rows = load_rows(a.table)
    have = schema_ops(a.flowrun)

    if a.ops:
        wanted = [n.strip() for n in a.ops.split(",") if n.strip()]
        by_name = {r.name: r for r in rows}
        bad = [n for n in wanted if n not in by_name]
        if bad:
            die(f"no such row in {a.table.name}: {', '.join(bad)} (rows: {', '.join(by_name)})")
        selected = [by_name[n] for n in wanted]
    elif a.quick:
        selected = [r for r in rows if r.quick]
    else:
        selected = rows

    if a.list:
        print(f"{'row':24} {'input':5} {'opencv':6} {'quick':5} {'ops':34} in this flowrun")
        for r in rows:
            missing = [o for o in r.ops if o not in have]
            status = "yes" if not missing else "no: " + ", ".join(missing)
            print(f"{r.name:24} {r.input:5} {'yes' if r.opencv else '-':6} {'yes' if r.quick else '-':5} "
                  f"{' → '.join(r.ops):34} {status}")
        uncovered = sorted(have - {o for r in rows for o in r.ops})
        if uncovered:
            print(f"ops of this flowrun that no row uses: {', '.join(uncovered)}")
        return

    opencv = not a.no_opencv
    if opencv:
        try:
            import cv2  # noqa: F401
        except ImportError:
            opencv = False
            log("skipped: the OpenCV loop (cv2 is not importable; pip install opencv-python-headless)")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load_start = loadavg()
    if float(load_start.split()[0] if load_start != "?" else 0) > 0.5 * cores:
        log(f"warning: load average is {load_start} on {cores} cores: the machine is busy, the numbers will be noisy")
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = git_commit()
    fr_version = subprocess.run([a.flowrun, "--version"], capture_output=True, text=True).stdout.strip()

    owned = a.scratch is None
    if owned:
        a.scratch = Path(tempfile.mkdtemp(prefix="flowrun-ops."))
    a.scratch.mkdir(parents=True, exist_ok=True)
    a.scratch = a.scratch.resolve()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out = a.out.resolve()
    tsv_path = a.out.with_suffix(".tsv")
    log(f"scratch: {a.scratch}" + (" (removed at exit)" if owned else ""))
    log(f"flowrun: {a.flowrun} ({fr_version}, {commit}); ops in it: {len(have)}")

    b = Bench(a, rows)
    try:
        b.data = ensure_data(a.data.resolve(), a.count, a.size, b.py)
        if a.check_table:
            sys.exit(check_table(b, selected, opencv))
        run_all(a, b, selected, have, opencv, rows)
    finally:
        shutil.rmtree(a.scratch if owned else b.runs, ignore_errors=True)
    load_end = loadavg()

    with open(tsv_path, "w") as f:
        f.write("row\ttool\trep\timages\twall_s\tcpu_s\timages_per_s\tout_bytes\tload1\tstatus\n")
        for line in b.tsv:
            f.write("\t".join(str(x) for x in line) + "\n")

    report = make_report(a, b, selected, have, opencv, dict(
        cpu=cpu_model(), cores=cores, date=date, commit=commit, fr_version=fr_version,
        load_start=load_start, load_end=load_end, versions=versions(), tsv=tsv_path.name))
    a.out.write_text(report)
    print(report)
    log(f"report written to {a.out} (raw: {tsv_path})")


def check_table(b: Bench, selected: list[Row], opencv: bool) -> int:
    """Each row's Python calls on one image: do they run, and how far apart are they?"""
    bad = 0
    print(f"{'row':24} {'scikit-image':14} {'OpenCV':14} OpenCV vs scikit-image")
    for row in selected:
        files = b.files(row)[:1]
        outs, status = {}, {}
        for t in ("skimage", "opencv"):
            if t == "opencv" and not (opencv and row.opencv):
                status[t] = "—"
                continue
            try:
                sec, outs[t], _, _ = b.run(t, row, files)
                status[t] = f"ok {fmt_s(sec)} s"
            except RunFailed as e:
                status[t] = "FAILED"
                bad += 1
                log(f"[{row.name}] {TOOL_LABEL[t]} failed: {e}\n{tail(e.log_path)}")
        diff = compare(outs["skimage"], outs["opencv"], row.ext) if len(outs) == 2 else ""
        print(f"{row.name:24} {status['skimage']:14} {status['opencv']:14} {diff}", flush=True)
        for out in outs.values():
            shutil.rmtree(out.parent, ignore_errors=True)
    return 1 if bad else 0


def run_all(a, b: Bench, selected: list[Row], have: set[str], opencv: bool, rows: list[Row]):
    b.results = {}     # row name -> {tool: Result}
    b.agreement = {}   # row name -> {"flowrun": str, "opencv": str}
    b.skipped = []     # (row, reason)
    b.failed = []      # (row, tool, message)

    if not a.ops and not a.quick:
        uncovered = sorted(have - {o for r in rows for o in r.ops})
        for o in uncovered:
            log(f"warning: op `{o}` of this flowrun has no row in {a.table.name}")
        b.uncovered = uncovered
    else:
        b.uncovered = []

    # Every input once into the page cache, so that no tool pays for the first read.
    for sub in ("gray", "rgb"):
        for p in sorted((b.data / sub).glob("*.png")):
            p.read_bytes()

    for row in selected:
        missing = [o for o in row.ops if o not in have]
        if missing:
            why = "not in this flowrun: " + ", ".join(f"`{o}`" for o in missing)
            log(f"[{row.name}] {why}")
            b.skipped.append((row, why))
            continue
        # Is the workflow valid for this flowrun (parameter names, values)?
        chk = b.new_dir(f"{row.name}-check")
        (chk / "workflow.toml").write_text(workflow_text(row, b.data / row.input, chk / "out"))
        p = subprocess.run([a.flowrun, "check", str(chk / "workflow.toml")], capture_output=True, text=True)
        if p.returncode != 0:
            msg = next((l.strip() for l in (p.stderr + p.stdout).splitlines() if "error" in l), "rejected")
            why = f"workflow rejected by this flowrun: {b.short(msg)[:240]}"
            log(f"[{row.name}] {why}\n{p.stderr.strip()}")
            b.skipped.append((row, why))
            continue
        shutil.rmtree(chk, ignore_errors=True)

        files = b.files(row)
        tools = ["flowrun", "skimage"] + (["opencv"] if opencv and row.opencv else [])
        res = {t: Result() for t in tools}
        b.results[row.name] = res

        # Untimed round on the first images: warms every tool up and compares the outputs.
        k = a.check_images
        outs = {}
        for t in tools:
            try:
                sec, out, _, _ = b.run(t, row, files[:k], only=k if t == "flowrun" else None)
                outs[t] = out
            except RunFailed as e:
                res[t].error = str(e)
                b.failed.append((row, t, str(e)))
                log(f"[{row.name}] {TOOL_LABEL[t]} failed: {e}\n{tail(e.log_path)}")
        agree = {}
        if "skimage" in outs:
            for t in ("flowrun", "opencv"):
                if t in outs:
                    agree[t] = compare(outs["skimage"], outs[t], row.ext)
        b.agreement[row.name] = agree
        for out in outs.values():
            b.drop(out)
        if agree.get("flowrun", "identical") != "identical":
            log(f"[{row.name}] warning: flowrun's outputs differ from scikit-image's: {agree['flowrun']}")
        log(f"[{row.name}] check on {k} images: flowrun vs scikit-image {agree.get('flowrun', 'n/a')}"
            + (f"; OpenCV vs scikit-image {agree['opencv']}" if "opencv" in agree else ""))

        live = [t for t in tools if not res[t].error]
        for rep in range(1, a.reps + 1):
            order = live if rep % 2 else live[::-1]
            for t in order:
                if res[t].error:
                    continue
                try:
                    sec, out, _, nbytes = b.run(t, row, files)
                except RunFailed as e:
                    res[t].error = str(e)
                    b.failed.append((row, t, str(e)))
                    b.tsv.append((row.name, t, rep, len(files), "", "", "", "", b.loads[-1], "failed"))
                    log(f"[{row.name}] rep {rep}/{a.reps} {TOOL_LABEL[t]} failed: {e}\n{tail(e.log_path)}")
                    continue
                res[t].wall.append(sec)
                res[t].cpu.append(b.last_cpu)
                res[t].out_bytes.append(nbytes)
                b.tsv.append((row.name, t, rep, len(files), f"{sec:.6f}", f"{b.last_cpu:.3f}",
                              f"{len(files) / sec:.3f}", nbytes, b.loads[-1], "ok"))
                log(f"[{row.name}] rep {rep}/{a.reps} {TOOL_LABEL[t]}: {fmt_s(sec)} s (CPU {fmt_s(b.last_cpu)} s)")
                b.drop(out)


def make_report(a, b: Bench, selected, have, opencv, m) -> str:
    n = a.count
    L = []
    L.append("# flowrun per-op benchmark" + (" (--quick)" if a.quick else ""))
    L.append("")
    L.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['date']}, {m['fr_version']} ({m['commit']}), "
             f"load average at start {m['load_start']}, at end {m['load_end']}"
             + (f" (1-minute load before each run: {min(b.loads):.2f}–{max(b.loads):.2f})" if b.loads else ""))
    L.append("")
    L.append(m["versions"])
    L.append("")
    if a.command:
        L.append(f"Command: `{a.command}`")
        L.append("")
    L.append(f"Data: {n} natural-looking {a.size}² 8-bit PNGs (`bench/gen_png.py --content natural`: shading, "
             "cells, texture, noise; seeds 0…" f"{n - 1}), gray, and the same scenes in RGB for the rows "
             "marked rgb. Every time is the wall clock of the whole process (interpreter start-up and imports "
             f"included), median of {a.reps} repetition(s), tools alternating order, each run into a fresh folder.")
    L.append("")

    # ------------------------------------------------ timings
    L.append(f"## Per op ({n} × {a.size}² images)")
    L.append("")
    L.append(f"| op | input | flowrun -j{a.jobs} s | img/s | scikit-image loop s | img/s | OpenCV loop s | img/s "
             "| vs scikit-image | vs OpenCV | ≥ 10× skimage | ≥ OpenCV |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|")
    sk_pass, sk_miss, cv_pass, cv_miss = [], [], [], []
    for row in selected:
        res = b.results.get(row.name)
        if res is None:
            continue
        med = {t: r.median() for t, r in res.items()}

        def tcell(t):
            if t not in res:
                return "—", "—"
            if res[t].error:
                return "failed", ""
            return fmt_s(med[t]), fmt_rate(n, med[t])

        fr, sk, cv = tcell("flowrun"), tcell("skimage"), tcell("opencv")
        vs_sk = vs_cv = ok_sk = ok_cv = "—"
        if med.get("flowrun") and not res["flowrun"].error:
            if med.get("skimage") and not res["skimage"].error:
                r = med["skimage"] / med["flowrun"]
                vs_sk, ok_sk = fmt_ratio(r), "✓" if r >= 10 else "✗"
                (sk_pass if r >= 10 else sk_miss).append(row.name)
            if "opencv" in res and med.get("opencv") and not res["opencv"].error:
                r = med["opencv"] / med["flowrun"]
                vs_cv, ok_cv = fmt_ratio(r), "✓" if r >= 1 else "✗"
                (cv_pass if r >= 1 else cv_miss).append(row.name)
        L.append(f"| {row.name} | {row.input} | {fr[0]} | {fr[1]} | {sk[0]} | {sk[1]} | {cv[0]} | {cv[1]} "
                 f"| {vs_sk} | {vs_cv} | {ok_sk} | {ok_cv} |")
    L.append("")
    L.append("Speed-ups are the other tool's time over flowrun's. Targets: flowrun ≥ 10× the scikit-image loop on "
             "every op, and at least as fast as the OpenCV loop on every op OpenCV has.")
    L.append("")
    L.append(f"- ≥ 10× the scikit-image loop: {len(sk_pass)} of {len(sk_pass) + len(sk_miss)} ops"
             + (f" (missed: {', '.join(sk_miss)})" if sk_miss else ""))
    L.append(f"- at least as fast as the OpenCV loop: {len(cv_pass)} of {len(cv_pass) + len(cv_miss)} ops"
             + (f" (missed: {', '.join(cv_miss)})" if cv_miss else "")
             + ("" if opencv else " (the OpenCV loop was left out)"))
    L.append("")
    # CPU time: what each tool spends, whatever else runs on the machine.
    cpu_lines = []
    for row in selected:
        res = b.results.get(row.name)
        if res is None:
            continue
        c = {t: (r.median_cpu() if not r.error else None) for t, r in res.items()}

        def ccell(t):
            return "—" if t not in res else "failed" if c[t] is None else fmt_s(c[t])

        def cratio(t):
            return fmt_ratio(c[t] / c["flowrun"]) if t in res and c[t] and c.get("flowrun") else "—"

        cpu_lines.append(f"| {row.name} | {ccell('flowrun')} | {ccell('skimage')} | {ccell('opencv')} "
                         f"| {cratio('skimage')} | {cratio('opencv')} |")
    if cpu_lines:
        L.append("CPU time of the whole process (user + sys, all its threads; median), which a busy machine "
                 "inflates far less than wall time. On an idle machine a tool's wall time is about its CPU time "
                 f"divided by the cores it keeps busy (up to {a.jobs} for flowrun -j{a.jobs}, 1 for the "
                 "scikit-image loop, up to 2 for OpenCV's threads).")
        L.append("")
        L.append(f"| op | flowrun -j{a.jobs} CPU s | scikit-image loop CPU s | OpenCV loop CPU s "
                 "| skimage / flowrun CPU | OpenCV / flowrun CPU |")
        L.append("|---|---:|---:|---:|---:|---:|")
        L += cpu_lines
        L.append("")
    if b.failed:
        L.append("Failed runs:")
        L.append("")
        for row, t, msg in b.failed:
            L.append(f"- {row.name}, {TOOL_LABEL[t]}: {msg}")
        L.append("")

    if b.skipped or b.uncovered:
        L.append("## Not measured")
        L.append("")
        for row, why in b.skipped:
            L.append(f"- {row.name}: {why}")
        for o in b.uncovered:
            L.append(f"- op `{o}` is in this flowrun but no row of bench/ops.toml uses it")
        L.append("")

    # ------------------------------------------------ agreement
    measured = [r for r in selected if r.name in b.results]
    if measured:
        L.append(f"## Outputs against scikit-image's (first {a.check_images} images, decoded samples)")
        L.append("")
        L.append("| op | flowrun vs scikit-image | OpenCV vs scikit-image | OpenCV's call and how it differs "
                 "| output KB per image (flowrun / skimage / OpenCV) |")
        L.append("|---|---|---|---|---|")
        for row in measured:
            ag = b.agreement.get(row.name, {})
            res = b.results[row.name]
            kb = []
            for t in TOOLS:
                r = res.get(t)
                kb.append(f"{statistics.median(r.out_bytes) / n / 1024:.0f}" if r and r.out_bytes else "—")
            cv_text = ag.get("opencv", "—" if not row.opencv else "n/a")
            note = row.opencv_note or ""
            L.append(f"| {row.name} | {ag.get('flowrun', 'n/a')} | {cv_text} | {cell(note)} | {' / '.join(kb)} |")
        L.append("")
        L.append("Max |difference| in 8-bit levels (or label values for tif-f32 rows) and the share of samples that "
                 "differ. Each tool writes its files with its own encoder settings (flowrun: the image crate's fast "
                 "deflate; imageio/Pillow: zlib level 6; OpenCV: its default level), hence the sizes.")
        L.append("")

        L.append("## What each row runs")
        L.append("")
        L.append("| op | flowrun steps | scikit-image (`img` = img_as_float(imread(path))) | OpenCV (`img` = cv2.imread(path)) |")
        L.append("|---|---|---|---|")
        for row in measured:
            L.append(f"| {row.name} | `{cell(steps_inline(row))}` | `{cell(row.skimage)}` | "
                     + (f"`{cell(row.opencv)}`" if row.opencv else "—") + " |")
        L.append("")
    L.append(f"Raw measurements: `{m['tsv']}`.")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
