#!/usr/bin/env bash
# The per-op benchmark: flowrun -j2 against a scikit-image serial loop and an OpenCV loop, for every
# op of bench/ops.toml that the flowrun binary has, on natural-looking 1024² PNGs. See
# bench/README.md. This script finds the tools (a Python, flowrun) and hands over to bench/ops.py.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

usage() {
    cat <<EOF
usage: bench/ops.sh [options]

  --quick             10 images, the rows marked quick = true, 1 repetition: a smoke test
                      (about 2 minutes on a quiet 2-core machine), not a measurement
  --ops A,B,...       only these rows of bench/ops.toml (by name)
  --list              list the rows, and whether this flowrun has their ops; run nothing
  --check-table       run each row's scikit-image and OpenCV calls on one image and compare them,
                      without flowrun (to try a new entry); then exit
  --count N           images (default 100; --quick 10)
  --size N            their side in pixels (default 1024)
  --reps N            timed repetitions per tool and op, median reported (default 3; --quick 1)
  --check-images N    images in the untimed round whose outputs are compared (default 3; --quick 2)
  --jobs N            flowrun -j (default 2)
  --settle S          seconds to wait after deleting a run's outputs (default 0.5; --quick 0)
  --no-opencv         leave out the OpenCV loop
  --table FILE        the op table (default bench/ops.toml)
  --data DIR          where the generated images are kept and reused (default bench/results/ops-data)
  --scratch DIR       where the runs write (default: a fresh mktemp -d under \$TMPDIR or /tmp,
                      removed at exit); for measurements, a local disk, not tmpfs
  --out FILE          markdown report (default bench/results/ops-latest.md, --quick ops-quick.md);
                      the raw measurements go to the same name with .tsv
  --python PATH       a Python with numpy, scipy, scikit-image, imageio and (for the OpenCV loop)
                      opencv-python-headless (default: \$PYTHON, else the repo's .venv/bin/python if
                      it exists, else python3). To make one:
                        python3 -m venv .venv && .venv/bin/pip install -r tests/parity/requirements.txt opencv-python-headless
  --flowrun PATH      use this flowrun binary and do not build
  --no-build          do not run cargo build; use the binary in cargo's target directory
  -h, --help          this text

Respects CARGO_TARGET_DIR. Every time is the wall clock of the whole process (start-up included).
EOF
}

die() { echo "bench-ops: error: $*" >&2; exit 1; }
log() { echo "bench-ops: $*" >&2; }

PY_ARG="${PYTHON:-}"
FLOWRUN=""
BUILD=1
LIST=0
PASS=()
CMDLINE="bench/ops.sh $*"
while [[ $# -gt 0 ]]; do
    case $1 in
        --python) [[ $# -ge 2 && -n $2 ]] || die "--python needs a value"; PY_ARG=$2; shift ;;
        --flowrun) [[ $# -ge 2 && -n $2 ]] || die "--flowrun needs a value"; FLOWRUN=$2; BUILD=0; shift ;;
        --no-build) BUILD=0 ;;
        --list) LIST=1; PASS+=("$1") ;;
        -h|--help) usage; exit 0 ;;
        --quick|--no-opencv|--check-table) PASS+=("$1") ;;
        --ops|--count|--size|--reps|--check-images|--jobs|--settle|--table|--data|--scratch|--out)
            [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"; PASS+=("$1" "$2"); shift ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

# ---------------------------------------------------------------- Python
# --python, else $PYTHON, else the repo's .venv if it exists, else python3 on PATH. Nothing is
# installed: a Python without the packages stops the script with how to get them.
if [[ -n $PY_ARG ]]; then
    PY=$PY_ARG; PY_FROM="--python / \$PYTHON"
elif [[ -x $ROOT/.venv/bin/python ]]; then
    PY="$ROOT/.venv/bin/python"; PY_FROM="the repo's .venv"
else
    PY=python3; PY_FROM="python3 on PATH"
fi
command -v "$PY" >/dev/null 2>&1 || die "no Python: '$PY' ($PY_FROM) is not an executable"
PY=$(command -v "$PY")
PY_MISSING=$("$PY" - 2>/dev/null <<'PYEOF'
import importlib
missing = []
for name in ("numpy", "scipy", "skimage", "imageio", "PIL"):
    try:
        importlib.import_module(name)
    except Exception:
        missing.append(name)
try:
    import tomllib  # noqa: F401
except ModuleNotFoundError:
    try:
        import tomli  # noqa: F401
    except ModuleNotFoundError:
        missing.append("tomllib (Python >= 3.11) or tomli")
print(" ".join(missing))
PYEOF
) || PY_MISSING="(the import check itself failed)"
if [[ -n $PY_MISSING ]]; then
    cat >&2 <<EOF
bench-ops: the per-op benchmark needs numpy, scipy, scikit-image, imageio and Pillow, and for the
bench-ops: OpenCV loop opencv-python-headless. Make a venv at the repository root, which
bench-ops: bench/ops.sh then finds by itself:
bench-ops:
bench-ops:     python3 -m venv .venv && .venv/bin/pip install -r tests/parity/requirements.txt opencv-python-headless
bench-ops:
bench-ops: or pass --python PATH (or set PYTHON) to a Python that has them.
EOF
    die "$PY ($PY_FROM) cannot import: $PY_MISSING"
fi
log "python: $PY ($PY_FROM)"

# ---------------------------------------------------------------- flowrun
if [[ -z $FLOWRUN ]]; then
    command -v cargo >/dev/null || die "cargo is needed to build flowrun (or pass --flowrun PATH)"
    if (( BUILD )); then
        log "cargo build --release --bin flowrun (target dir: ${CARGO_TARGET_DIR:-$ROOT/target})"
        (cd "$ROOT" && cargo build --release --bin flowrun) || die "cargo build --release failed"
    fi
    TARGET_DIR=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 \
        | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') \
        || die "cargo metadata failed"
    FLOWRUN="$TARGET_DIR/release/flowrun"
fi
[[ -x $FLOWRUN ]] || die "flowrun binary not found or not executable: $FLOWRUN"
FLOWRUN=$(cd "$(dirname "$FLOWRUN")" && pwd)/$(basename "$FLOWRUN")

exec "$PY" "$BENCH_DIR/ops.py" --flowrun "$FLOWRUN" --command "$CMDLINE" ${PASS[@]+"${PASS[@]}"}
