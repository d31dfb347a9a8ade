#!/usr/bin/env bash
# flowrun benchmark: the seed (numpy / scikit-image / imageio, serial and Dask) against flowrun on
# the same rows, a per-image overhead measurement, and a real-PNG comparison with scikit-image,
# libvips and ImageMagick. See bench/README.md.
#
# The script finds its tools itself: the seed script beside it (bench/seed_pipeline.py), a Python
# with the seed's packages (--python, $PYTHON, the repo's .venv, or python3), flowrun built with
# cargo, and vips / ImageMagick / GNU parallel / GNU time on PATH when they are there (the parts
# that need a missing one are skipped, and say so). It installs nothing.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

usage() {
    cat <<EOF
usage: bench/run.sh [options]

  --quick             small rows only (10x512², 500x32², 2x2048²), 1 repetition, no PNG section
                      unless --png is given; about a minute on a quiet 2-core machine
  --reps N            repetitions per measurement, median reported (default 3; 1 with --quick)
  --out FILE          markdown report (default bench/results/latest.md); the raw measurements go
                      to the same name with .tsv
  --png / --no-png    run / skip the real-PNG comparison (default: run in full mode, skip in --quick)
  --png-count N       number of PNGs for the PNG comparison (default 100)
  --png-size N        their side in pixels (default 1024)
  --rows LIST         override the rows, e.g. 10x512,500x32 (N x side, square images)
  --dask-timeout S    wall-clock cap for one seed Dask run; 0 = none (default 120)
  --settle S          seconds to wait at the start, and after deleting outputs when the disk is
                      too small to keep them all (default 60; 1 with --quick)
  --overhead-count N  images in the per-image overhead run (default 200000)
  --python PATH       a Python with numpy, scipy, scikit-image, imageio and dask (default:
                      \$PYTHON, else the repo's .venv/bin/python if it exists, else python3).
                      To make the repo's .venv:
                        python3 -m venv .venv && .venv/bin/pip install -r tests/parity/requirements.txt dask
  --seed PATH         the seed script (default bench/seed_pipeline.py, the scikit-image gallery
                      example's job as a timed script)
  --flowrun PATH      use this flowrun binary and do not build
  --write-floor PATH  the write_floor example binary (default: built with flowrun, or found in
                      examples/ beside --flowrun); without it the output-files section is skipped
  --no-build          do not run cargo build; use the binary in the cargo target directory
  --scratch DIR       where the runs write (default: a fresh \`mktemp -d\`, under \$TMPDIR or
                      /tmp, removed at exit); must have room for the largest row's outputs a few
                      times over. For measurements use a folder on a local disk (e.g. ext4), not
                      tmpfs
  -h, --help          this text

Respects CARGO_TARGET_DIR. Every time is the wall clock of the whole process (start-up included).
vips, ImageMagick and GNU parallel are used from PATH when present; without them their rows of the
PNG comparison are skipped (with a line saying so). GNU time, for flowrun's peak RSS, likewise.
EOF
}

die() { echo "bench: error: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
warn() { echo "bench: warning: $*" >&2; }

# ---------------------------------------------------------------- options
QUICK=0
REPS=""
SETTLE=""
OUT="$BENCH_DIR/results/latest.md"
PNG=""
PNG_COUNT=100
PNG_SIZE=1024
ROWS_ARG=""
DASK_TIMEOUT=120
OVERHEAD_COUNT=200000
PY_ARG="${PYTHON:-}"
SEED="$BENCH_DIR/seed_pipeline.py"
FLOWRUN=""
WRITE_FLOOR=""
BUILD=1
SCRATCH=""
SIGMA=10

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) QUICK=1 ;;
        --reps) need_arg "$@"; REPS=$2; shift ;;
        --out) need_arg "$@"; OUT=$2; shift ;;
        --png) PNG=1 ;;
        --no-png) PNG=0 ;;
        --png-count) need_arg "$@"; PNG_COUNT=$2; shift ;;
        --png-size) need_arg "$@"; PNG_SIZE=$2; shift ;;
        --rows) need_arg "$@"; ROWS_ARG=$2; shift ;;
        --dask-timeout) need_arg "$@"; DASK_TIMEOUT=$2; shift ;;
        --settle) need_arg "$@"; SETTLE=$2; shift ;;
        --overhead-count) need_arg "$@"; OVERHEAD_COUNT=$2; shift ;;
        --python) need_arg "$@"; PY_ARG=$2; shift ;;
        --seed) need_arg "$@"; SEED=$2; shift ;;
        --flowrun) need_arg "$@"; FLOWRUN=$2; BUILD=0; shift ;;
        --write-floor) need_arg "$@"; WRITE_FLOOR=$2; shift ;;
        --no-build) BUILD=0 ;;
        --scratch) need_arg "$@"; SCRATCH=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

[[ -z $REPS ]] && { if (( QUICK )); then REPS=1; else REPS=3; fi; }
[[ -z $SETTLE ]] && { if (( QUICK )); then SETTLE=1; else SETTLE=60; fi; }
is_uint "$SETTLE" || die "--settle must be a whole number of seconds"
[[ -z $PNG ]] && { if (( QUICK )); then PNG=0; else PNG=1; fi; }
is_uint "$REPS" && (( REPS >= 1 )) || die "--reps must be a positive integer, got '$REPS'"
is_uint "$PNG_COUNT" && (( PNG_COUNT >= 1 )) || die "--png-count must be a positive integer"
is_uint "$PNG_SIZE" && (( PNG_SIZE >= 1 )) || die "--png-size must be a positive integer"
is_uint "$DASK_TIMEOUT" || die "--dask-timeout must be a whole number of seconds"
is_uint "$OVERHEAD_COUNT" && (( OVERHEAD_COUNT >= 1 )) || die "--overhead-count must be a positive integer"

# rows: "N H W" (σ is always $SIGMA)
ROWS=()
if [[ -n $ROWS_ARG ]]; then
    IFS=',' read -r -a _r <<<"$ROWS_ARG"
    for r in "${_r[@]}"; do
        [[ $r =~ ^([0-9]+)x([0-9]+)(x([0-9]+))?$ ]] || die "bad row '$r' in --rows (want NxSIDE or NxHxW)"
        n=${BASH_REMATCH[1]} h=${BASH_REMATCH[2]} w=${BASH_REMATCH[4]:-${BASH_REMATCH[2]}}
        ROWS+=("$n $h $w")
    done
elif (( QUICK )); then
    ROWS=("10 512 512" "500 32 32" "2 2048 2048")
else
    ROWS=("10 2048 2048" "50 2048 2048" "20 1024 1024" "50 512 512" "500 512 512" "5000 32 32" "50000 32 32")
fi

# ---------------------------------------------------------------- tools
(( BASH_VERSINFO[0] >= 5 )) || die "bash >= 5 is needed (for \$EPOCHREALTIME); this is $BASH_VERSION"
for t in git awk sort sed timeout nproc sync find wc cp mkdir rm; do
    command -v "$t" >/dev/null || die "'$t' is not installed"
done

# GNU time, for flowrun's peak RSS: the `time` program on PATH (not the shell keyword), if it is
# GNU's (`-f %M`); without it the RSS column says "n/a".
TIME_BIN=$(type -P time || true)
if [[ -z $TIME_BIN ]] || ! "$TIME_BIN" -f %M -o /dev/null true 2>/dev/null; then
    TIME_BIN=""
    warn "GNU time not found on PATH (Debian/Ubuntu: apt-get install time): flowrun's peak RSS is not measured"
fi

# The scratch folder: --scratch, else a fresh one that is removed at exit.
SCRATCH_OWNED=0
if [[ -z $SCRATCH ]]; then
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-bench.XXXXXX") || die "mktemp -d failed (set TMPDIR or pass --scratch DIR)"
    SCRATCH_OWNED=1
fi
mkdir -p "$SCRATCH" "$(dirname "$OUT")"
SCRATCH=$(cd "$SCRATCH" && pwd)
RUNS="$SCRATCH/runs-$$"
cleanup() { if (( SCRATCH_OWNED )); then rm -rf "$SCRATCH"; else rm -rf "$RUNS"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if (( SCRATCH_OWNED )); then log "scratch: $SCRATCH (a fresh mktemp -d, removed at exit)"; else log "scratch: $SCRATCH"; fi
if [[ $(stat -f -c %T "$SCRATCH" 2>/dev/null || true) == tmpfs ]]; then
    warn "$SCRATCH is on tmpfs: file creation there costs differently from a disk; for measurements pass --scratch DIR on a local disk"
fi
OUT_DIR=$(cd "$(dirname "$OUT")" && pwd)
OUT="$OUT_DIR/$(basename "$OUT")"
TSV="${OUT%.md}.tsv"
[[ $TSV == "$OUT" ]] && TSV="$OUT.tsv"

# ---------------------------------------------------------------- Python environment
# --python, else $PYTHON, else the repo's .venv if it exists, else python3 on PATH. Nothing is
# installed: a Python without the seed's packages stops the script with how to get them.
PY_MODULES=(numpy scipy skimage imageio dask dask.delayed toolz cloudpickle)
py_install_hint() {
    cat >&2 <<EOF
bench: the benchmark needs numpy, scipy, scikit-image, imageio and dask (with its toolz and
bench: cloudpickle). Make a venv at the repository root, which bench/run.sh then finds by itself:
bench:
bench:     python3 -m venv .venv && .venv/bin/pip install -r tests/parity/requirements.txt dask
bench:
bench: or pass --python PATH (or set PYTHON) to a Python that has them.
EOF
}
if [[ -n $PY_ARG ]]; then
    PY=$PY_ARG; PY_FROM="--python / \$PYTHON"
elif [[ -x $ROOT/.venv/bin/python ]]; then
    PY="$ROOT/.venv/bin/python"; PY_FROM="the repo's .venv"
else
    PY=python3; PY_FROM="python3 on PATH"
fi
if ! command -v "$PY" >/dev/null 2>&1; then
    py_install_hint
    die "no Python: '$PY' ($PY_FROM) is not an executable"
fi
PY=$(command -v "$PY")
PY_MISSING=$("$PY" - "${PY_MODULES[@]}" 2>/dev/null <<'PYEOF'
import importlib, sys
missing = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        missing.append(name)
print(" ".join(missing))
PYEOF
) || PY_MISSING="(the import check itself failed)"
if [[ -n $PY_MISSING ]]; then
    py_install_hint
    die "$PY ($PY_FROM) cannot import: $PY_MISSING"
fi
PY_VERSIONS=$("$PY" -c 'import sys, numpy, scipy, skimage, imageio, dask
print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, scipy {scipy.__version__}, "
      f"scikit-image {skimage.__version__}, imageio {imageio.__version__}, dask {dask.__version__}")')
log "python: $PY, $PY_FROM ($PY_VERSIONS)"

[[ -f $SEED ]] || die "seed script not found: $SEED (use --seed PATH)"
SEED=$(cd "$(dirname "$SEED")" && pwd)/$(basename "$SEED")

# ---------------------------------------------------------------- flowrun
if [[ -z $FLOWRUN ]]; then
    command -v cargo >/dev/null || die "cargo is needed to build flowrun (or pass --flowrun PATH)"
    if (( BUILD )); then
        log "cargo build --release (target dir: ${CARGO_TARGET_DIR:-$ROOT/target})"
        (cd "$ROOT" && cargo build --release --bin flowrun --example write_floor) \
            || die "cargo build --release failed"
    fi
    TARGET_DIR=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 \
        | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') \
        || die "cargo metadata failed"
    FLOWRUN="$TARGET_DIR/release/flowrun"
fi
[[ -z $WRITE_FLOOR ]] && WRITE_FLOOR="$(dirname "$FLOWRUN")/examples/write_floor"
if [[ ! -x $WRITE_FLOOR ]]; then
    warn "write_floor not found at $WRITE_FLOOR: the output-files section is skipped"
    WRITE_FLOOR=""
fi
[[ -x $FLOWRUN ]] || die "flowrun binary not found or not executable: $FLOWRUN"
FLOWRUN=$(cd "$(dirname "$FLOWRUN")" && pwd)/$(basename "$FLOWRUN")
WORKFLOW="$ROOT/workflows/blur.toml"
[[ -f $WORKFLOW ]] || die "workflow not found: $WORKFLOW"

# ---------------------------------------------------------------- machine line
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
CORES=$(nproc)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ $COMMIT != unknown ]] && ! git -C "$ROOT" diff --quiet HEAD -- . ':(exclude)bench' 2>/dev/null; then
    COMMIT="$COMMIT-dirty"
fi
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
if awk -v l="${LOAD%% *}" -v c="$CORES" 'BEGIN { exit !(l > 0.5 * c) }' 2>/dev/null; then
    warn "load average is $LOAD on $CORES cores: the machine is busy, the numbers will be noisy"
fi
log "flowrun: $FLOWRUN ($COMMIT)"

# ---------------------------------------------------------------- helpers
mkdir -p "$RUNS"

: >"$TSV"
printf 'section\trow\ttool\trep\twall_s\tself_reported_s\tpeak_rss_kb\tstatus\n' >>"$TSV"
tsv() { local IFS=$'\t'; printf '%s\n' "$*" >>"$TSV"; }

now_us() { NOW_US=${EPOCHREALTIME//[!0-9]/}; }

# A fresh parent folder per run (ext4 creates files slowly in a folder right after a mass deletion)
RUN_SEQ=0
new_run_dir() { RUN_SEQ=$((RUN_SEQ + 1)); RUN_DIR="$ROW_DIR/r$RUN_SEQ"; mkdir -p "$RUN_DIR"; }
new_row_dir() { ROW_DIR="$RUNS/$1"; rm -rf "$ROW_DIR"; mkdir -p "$ROW_DIR"; }
# Deleting outputs during the benchmark skews it: ext4 without a journal checks every free inode
# it passes for a recent deletion, so creating files after a mass delete scans thousands of
# freed slots per file — 440 instead of 27 µs per file, measured on such a disk — and that
# penalty falls on whichever tool runs next. So every output is kept until the script exits,
# when the disk has room (KEEP=1); otherwise old runs are deleted between repetitions, followed
# by a sync and a --settle wait.
drop_runs() { if (( ! KEEP )); then rm -rf "$@"; settle; fi; }
end_row() { drop_runs "$ROW_DIR"; }
settle() { sync; sleep "$SETTLE"; }

# Bytes and files every kept output needs (BMP rows: 8 runs × reps, each with a results table
# and its state; PNGs: 5 tools × (reps + warm-up)).
read -r need_bytes need_files < <(
    for row in "${ROWS[@]}"; do echo "$row"; done | awk -v reps="$REPS" -v pc="$PNG_COUNT" \
        -v ps="$PNG_SIZE" -v png="$PNG" '
        function blocks(b) { return int((b + 4095) / 4096) * 4096 }
        { total += $1 * blocks($2 * ($3 + 4) + 1100) * 8 * reps; files += ($1 + 8) * 8 * reps }
        END { if (png) { total += pc * blocks(ps * ps) * 5 * (reps + 1); files += pc * 5 * (reps + 1) }
              printf "%.0f %.0f\n", total, files }'
)
free_bytes=$(df -P -B1 "$SCRATCH" | awk 'NR == 2 { print $4 }')
# Free inodes: "-" or 0 on filesystems without a fixed inode table (btrfs, xfs report plenty).
free_files=$(df -P -i "$SCRATCH" | awk 'NR == 2 { print $4 }')
[[ $free_files =~ ^[0-9]+$ ]] && (( free_files > 0 )) || free_files=$((need_files + 100000))
if [[ $free_bytes =~ ^[0-9]+$ ]] && (( free_bytes > need_bytes + (2 << 30) && free_files > need_files + 100000 )); then
    KEEP=1
else
    KEEP=0
    warn "not enough free disk to keep every output ($((need_bytes >> 20)) MiB, $need_files files; free: $((free_bytes >> 20)) MiB, $free_files inodes); deleting between repetitions (file creation right after a deletion is slower on ext4)"
fi

count_files() { find "$1" -maxdepth 1 -type f -name "$2" 2>/dev/null | wc -l; }
fail_run() { echo "---- $2 (last lines) ----" >&2; tail -n 20 "$2" >&2 || true; die "$1"; }

us_to_s() { awk -v u="$1" 'BEGIN { printf "%.6f", u / 1e6 }'; }
# seconds, 3 significant digits-ish
fmt_s() { awk -v u="$1" 'BEGIN { s = u / 1e6; if (s >= 100) f = "%.0f"; else if (s >= 10) f = "%.1f";
                                  else if (s >= 1) f = "%.2f"; else f = "%.3f"; printf f, s }'; }
fmt_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf (r >= 100 ? "%.0f×" : (r >= 10 ? "%.1f×" : "%.2f×")), r }'; }
median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
                                          else printf "%.10g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
max_of() { printf '%s\n' "$@" | sort -g | tail -n 1; }

# run_seed MODE N H W LIMIT_S -> T_US, SELF_S, STATUS (ok|timeout)
run_seed() {
    local mode=$1 n=$2 h=$3 w=$4 limit=$5 rc=0
    new_run_dir
    local out="$RUN_DIR/out" lg="$RUN_DIR/log"
    local cmd=("$PY" "$SEED" "$mode" "$n" "$h" "$w" "$SIGMA" "$out")
    if (( limit > 0 )); then cmd=(timeout -k 10 "$limit" "${cmd[@]}"); fi
    sync
    now_us; local t0=$NOW_US
    "${cmd[@]}" >"$lg" 2>&1 || rc=$?
    now_us; T_US=$((NOW_US - t0))
    SELF_S=""
    if (( limit > 0 )) && [[ $rc -eq 124 || $rc -eq 137 ]]; then
        STATUS=timeout
    elif (( rc != 0 )); then
        fail_run "seed $mode N=$n ${h}x$w failed (exit $rc)" "$lg"
    else
        STATUS=ok
        local got; got=$(count_files "$out" '*.bmp')
        (( got == n )) || fail_run "seed $mode N=$n ${h}x$w wrote $got BMPs, expected $n" "$lg"
        SELF_S=$(sed -n 's/.*wall=\([0-9.]*\)s.*/\1/p' "$lg" | tail -n 1)
    fi
}

# run_flowrun N H W J -> T_US, RSS_KB (runs blur.toml with the seed's settings)
run_flowrun() {
    local n=$1 h=$2 w=$3 j=$4 rc=0
    new_run_dir
    local out="$RUN_DIR/out" lg="$RUN_DIR/log"
    sync
    now_us; local t0=$NOW_US
    local timer=()
    if [[ -n $TIME_BIN ]]; then timer=("$TIME_BIN" -f %M -o "$RUN_DIR/rss"); fi
    "${timer[@]}" "$FLOWRUN" "$WORKFLOW" -q --progress never \
        --set "source.count=$n" --set "source.shape=[$h, $w]" --set "steps.blur.sigma=$SIGMA" \
        --set "output.images=$out/image_{index:2}.bmp" --set "output.results=$out/results.csv" \
        -j "$j" >"$lg" 2>&1 || rc=$?
    now_us; T_US=$((NOW_US - t0))
    (( rc == 0 )) || fail_run "flowrun -j$j N=$n ${h}x$w failed (exit $rc)" "$lg"
    local got; got=$(count_files "$out" '*.bmp')
    (( got == n )) || fail_run "flowrun -j$j N=$n ${h}x$w wrote $got BMPs, expected $n" "$lg"
    [[ -f $out/results.csv ]] || fail_run "flowrun -j$j wrote no results.csv" "$lg"
    RSS_KB=""
    if [[ -n $TIME_BIN ]]; then RSS_KB=$(tail -n 1 "$RUN_DIR/rss"); fi
}

# run_floor N H W J [--plain] -> T_US: the row's output files alone (examples/write_floor.rs)
run_floor() {
    local n=$1 h=$2 w=$3 j=$4 rc=0; shift 4
    new_run_dir
    local out="$RUN_DIR/out" lg="$RUN_DIR/log"
    sync
    now_us; local t0=$NOW_US
    "$WRITE_FLOOR" "$out" "$n" "$h" "$w" "$j" "$@" >"$lg" 2>&1 || rc=$?
    now_us; T_US=$((NOW_US - t0))
    (( rc == 0 )) || fail_run "write_floor -j$j $* N=$n ${h}x$w failed (exit $rc)" "$lg"
    local got; got=$(count_files "$out" '*.bmp')
    (( got == n )) || fail_run "write_floor -j$j $* N=$n ${h}x$w wrote $got BMPs, expected $n" "$lg"
}

# run_cmd LABEL OUTDIR EXPECTED_PNGS CMD... -> T_US (for the PNG section)
run_cmd() {
    local label=$1 out=$2 expect=$3 rc=0; shift 3
    local lg="$RUN_DIR/log"
    sync
    now_us; local t0=$NOW_US
    "$@" >"$lg" 2>&1 || rc=$?
    now_us; T_US=$((NOW_US - t0))
    (( rc == 0 )) || fail_run "$label failed (exit $rc)" "$lg"
    local got; got=$(count_files "$out" '*.png')
    (( got == expect )) || fail_run "$label wrote $got PNGs, expected $expect" "$lg"
}

REPORT=()
emit() { REPORT+=("$*"); }

# ---------------------------------------------------------------- warm-up (+ same-output check)
log "warm-up: every tool once on 4 × 128² (and the seed's BMPs must equal flowrun's)"
settle   # an earlier run's deletions (e.g. this script's own clean-up) must not land in a timing
new_row_dir warmup
run_seed serial 4 128 128 0; seed_out="$RUN_DIR/out"
run_seed dask 4 128 128 "$DASK_TIMEOUT"
[[ $STATUS == ok ]] || die "seed Dask timed out on the 4 × 128² warm-up"
run_flowrun 4 128 128 1
run_flowrun 4 128 128 2; fr_out="$RUN_DIR/out"
for f in "$seed_out"/*.bmp; do
    cmp -s "$f" "$fr_out/$(basename "$f")" \
        || die "warm-up: flowrun's $(basename "$f") differs from the seed's: not the same job"
done
end_row

# ---------------------------------------------------------------- seed vs flowrun rows
emit "## Seed vs flowrun (σ = $SIGMA, 8-bit BMP output + variances)"
emit ""
emit "| row | seed serial s | seed Dask s | flowrun -j1 s | flowrun -j2 s | speed-up vs Dask | speed-up vs serial | j1/j2 scaling | flowrun peak RSS MB (j1 / j2) |"
emit "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
SELF_LINES=()
FLOOR_LINES=()

for row in "${ROWS[@]}"; do
    read -r n h w <<<"$row"
    if [[ $h == "$w" ]]; then label="$n × ${h}²"; else label="$n × ${h}×$w"; fi
    new_row_dir "row-$n-$h-$w"
    serial=() dask=() j1=() j2=() rss1=() rss2=() self_serial=() self_dask=() floor1=() floor2=() plain2=() plain1=()
    dask_timed_out=0
    for (( rep = 1; rep <= REPS; rep++ )); do
        order=(serial dask j1 j2)
        if [[ -n $WRITE_FLOOR ]]; then order+=(floor1 floor2 plain2 plain1); fi
        if (( rep % 2 == 0 )); then
            rev=(); for (( k = ${#order[@]} - 1; k >= 0; k-- )); do rev+=("${order[k]}"); done
            order=("${rev[@]}")
        fi
        for tool in "${order[@]}"; do
            case $tool in
                serial)
                    run_seed serial "$n" "$h" "$w" 0
                    serial+=("$T_US"); self_serial+=("$SELF_S")
                    tsv rows "$label" "seed serial" "$rep" "$(us_to_s "$T_US")" "$SELF_S" "" ok
                    log "[$label] rep $rep/$REPS seed serial: $(fmt_s "$T_US") s" ;;
                dask)
                    if (( dask_timed_out )); then continue; fi
                    run_seed dask "$n" "$h" "$w" "$DASK_TIMEOUT"
                    tsv rows "$label" "seed dask" "$rep" "$(us_to_s "$T_US")" "$SELF_S" "" "$STATUS"
                    if [[ $STATUS == timeout ]]; then
                        dask_timed_out=1
                        log "[$label] rep $rep/$REPS seed Dask: timed out (> $DASK_TIMEOUT s); not repeated"
                    else
                        dask+=("$T_US"); self_dask+=("$SELF_S")
                        log "[$label] rep $rep/$REPS seed Dask: $(fmt_s "$T_US") s"
                    fi ;;
                j1|j2)
                    jobs=${tool#j}
                    run_flowrun "$n" "$h" "$w" "$jobs"
                    if [[ $jobs == 1 ]]; then j1+=("$T_US"); rss1+=("$RSS_KB"); else j2+=("$T_US"); rss2+=("$RSS_KB"); fi
                    tsv rows "$label" "flowrun -j$jobs" "$rep" "$(us_to_s "$T_US")" "" "$RSS_KB" ok
                    log "[$label] rep $rep/$REPS flowrun -j$jobs: $(fmt_s "$T_US") s${RSS_KB:+, peak RSS $((RSS_KB / 1024)) MB}" ;;
                floor1|floor2|plain1|plain2)
                    # The tool's name is also its times' array: floor = atomic, plain = --plain.
                    jobs=${tool: -1}; declare -n times=$tool
                    if [[ $tool == plain* ]]; then how=(--plain); what=plain; else how=(); what=atomic; fi
                    run_floor "$n" "$h" "$w" "$jobs" "${how[@]}"
                    times+=("$T_US"); unset -n times
                    tsv rows "$label" "files only ${how[*]:+plain }-j$jobs" "$rep" "$(us_to_s "$T_US")" "" "" ok
                    log "[$label] rep $rep/$REPS files only, $what, -j$jobs: $(fmt_s "$T_US") s" ;;
            esac
        done
        # old runs of this row go between repetitions, outside any timing
        drop_runs "${ROW_DIR:?}"/r*
    done
    end_row

    m_serial=$(median "${serial[@]}"); m_j1=$(median "${j1[@]}"); m_j2=$(median "${j2[@]}")
    if [[ -n $TIME_BIN ]]; then
        rss_cell=$(awk -v a="$(max_of "${rss1[@]}")" -v b="$(max_of "${rss2[@]}")" 'BEGIN { printf "%.0f / %.0f", a / 1024, b / 1024 }')
    else
        rss_cell="n/a"
    fi
    if (( dask_timed_out )); then
        dask_cell="> $DASK_TIMEOUT"
        vs_dask="> $(fmt_ratio "${DASK_TIMEOUT}000000" "$m_j2")"
        self_dask_cell="> $DASK_TIMEOUT"
    else
        m_dask=$(median "${dask[@]}")
        dask_cell=$(fmt_s "$m_dask")
        vs_dask=$(fmt_ratio "$m_dask" "$m_j2")
        self_dask_cell=$(median "${self_dask[@]}")
    fi
    emit "| $label | $(fmt_s "$m_serial") | $dask_cell | $(fmt_s "$m_j1") | $(fmt_s "$m_j2") | $vs_dask | $(fmt_ratio "$m_serial" "$m_j2") | $(fmt_ratio "$m_j1" "$m_j2") | $rss_cell |"
    SELF_LINES+=("| $label | $(median "${self_serial[@]}") | $self_dask_cell |")
    if [[ -n $WRITE_FLOOR ]]; then
        m_floor=$(median "${floor2[@]}"); m_floor1=$(median "${floor1[@]}")
        m_plain=$(median "${plain1[@]}"); m_plain2=$(median "${plain2[@]}")
        FLOOR_LINES+=("| $label | $(fmt_s "$m_j2") | $(fmt_s "$m_floor") | $(awk -v a="$m_floor" -v b="$m_j2" 'BEGIN { printf "%.0f %%", 100 * a / b }') | $(fmt_ratio "$m_serial" "$m_floor") | $(fmt_s "$m_floor1") | $(fmt_ratio "$m_floor1" "$m_floor") | $(fmt_s "$m_plain2") | $(fmt_s "$m_plain") | $(awk -v a="$m_plain" -v b="$m_serial" 'BEGIN { printf "%.0f %%", 100 * a / b }') |")
    fi
done
emit ""
emit "Times are medians of $REPS repetition(s) of the whole process (interpreter start-up and imports"
emit "included for the seed), tools alternating per repetition, each run into a fresh output folder."
emit "Seed Dask runs are capped at $DASK_TIMEOUT s (\`> $DASK_TIMEOUT\`: timed out, not repeated)."
emit "Speed-ups are against flowrun -j2; peak RSS is the maximum over the repetitions."
emit ""
emit "The seed's own \`wall=\` (the job only, without Python start-up and imports), s:"
emit ""
emit "| row | seed serial | seed Dask |"
emit "|---|---:|---:|"
for l in "${SELF_LINES[@]}"; do emit "$l"; done
emit ""
if (( ${#FLOOR_LINES[@]} )); then
    emit "## The output files alone"
    emit ""
    emit "Each row's N BMPs written with no other work (\`examples/write_floor.rs\`), in the same"
    emit "alternation: through flowrun's atomic writer on 2 threads (what flowrun -j2 pays for its files) and on 1,"
    emit "and created under their names (plain, not atomic: a reader can see a partial file) on 2 threads,"
    emit "and on 1 as the seed's serial loop writes them. Serial / files only is the most any tool writing"
    emit "its outputs atomically on 2 cores could reach against the serial loop."
    emit ""
    emit "| row | flowrun -j2 s | files only -j2 s | share of flowrun -j2 | serial / files only | files only -j1 s | files j1/j2 | plain files -j2 s | plain files -j1 s | share of seed serial |"
    emit "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for l in "${FLOOR_LINES[@]}"; do emit "$l"; done
    emit ""
fi

# ---------------------------------------------------------------- per-image overhead
log "per-image overhead: $OVERHEAD_COUNT × 1×1 noise images, no steps, no outputs"
new_row_dir overhead
OVH_WF="$ROW_DIR/overhead.toml"
printf 'name = "overhead"\n\n[source]\nkind = "noise"\ncount = %s\nshape = [1, 1]\n' "$OVERHEAD_COUNT" >"$OVH_WF"
"$FLOWRUN" check "$OVH_WF" >/dev/null 2>&1 || die "flowrun check rejects the overhead workflow $OVH_WF"
o1=() o2=()
for (( rep = 1; rep <= REPS; rep++ )); do
    order=(1 2); if (( rep % 2 == 0 )); then order=(2 1); fi
    for j in "${order[@]}"; do
        RUN_DIR="$ROW_DIR"; rc=0
        sync
        now_us; t0=$NOW_US
        # --force: every run does the work (the images would otherwise be up to date after the
        # first run); run in the row folder, which then holds the resume state.
        (cd "$ROW_DIR" && "$FLOWRUN" "$OVH_WF" --force -q --progress never -j "$j") >"$ROW_DIR/log" 2>&1 || rc=$?
        now_us; T_US=$((NOW_US - t0))
        (( rc == 0 )) || fail_run "flowrun overhead run -j$j failed (exit $rc)" "$ROW_DIR/log"
        if [[ $j == 1 ]]; then o1+=("$T_US"); else o2+=("$T_US"); fi
        tsv overhead "$OVERHEAD_COUNT × 1²" "flowrun -j$j" "$rep" "$(us_to_s "$T_US")" "" "" ok
        log "[overhead] rep $rep/$REPS -j$j: $(fmt_s "$T_US") s"
    done
done
end_row
emit "## Per-image overhead (empty pipeline: $OVERHEAD_COUNT noise images of 1×1, no steps, no outputs)"
emit ""
emit "| flowrun | wall s | µs per image |"
emit "|---|---:|---:|"
for j in 1 2; do
    if [[ $j == 1 ]]; then m=$(median "${o1[@]}"); else m=$(median "${o2[@]}"); fi
    emit "| -j$j | $(fmt_s "$m") | $(awk -v u="$m" -v c="$OVERHEAD_COUNT" 'BEGIN { printf "%.2f", u / c }') |"
done
emit ""
emit "µs per image = whole-process wall / count (process start-up included)."
emit ""

# ---------------------------------------------------------------- real PNGs
# The tools of the PNG comparison are used from PATH, never installed. A `convert` that is not
# ImageMagick (another program of that name earlier on PATH) is passed over for the next one on
# PATH, or for the Debian names (convert-im6.q16) or ImageMagick 7's `magick`.
find_imagemagick() {   # $1 = convert|mogrify -> IM_CMD array, or empty
    local what=$1 name path
    IM_CMD=()
    for name in "$what" "$what-im6.q16" "$what-im6"; do
        while IFS= read -r path; do
            if [[ -n $path && $("$path" -version 2>/dev/null || true) == *ImageMagick* ]]; then
                IM_CMD=("$path"); return 0
            fi
        done < <(type -aP "$name" 2>/dev/null || true)
    done
    path=$(type -P magick 2>/dev/null || true)
    if [[ -n $path && $("$path" -version 2>/dev/null || true) == *ImageMagick* ]]; then
        if [[ $what == convert ]]; then IM_CMD=("$path"); else IM_CMD=("$path" mogrify); fi
        return 0
    fi
    return 1
}
gnu_parallel_ok() { command -v parallel >/dev/null && [[ $(parallel --version 2>/dev/null || true) == *"GNU parallel"* ]]; }

if (( PNG )); then
    log "PNG comparison: $PNG_COUNT × ${PNG_SIZE}² 8-bit gray PNGs, σ = $SIGMA"
    MISSING=()   # "tool (what to install)", each a skipped row of the table
    have_parallel=0; if gnu_parallel_ok; then have_parallel=1; fi
    have_vips=0 have_convert=0 have_mogrify=0
    if ! command -v vips >/dev/null; then
        MISSING+=("vips gaussblur (not on PATH; Debian/Ubuntu: libvips-tools)")
    elif (( ! have_parallel )); then
        MISSING+=("vips gaussblur (needs GNU parallel, not on PATH; Debian/Ubuntu: parallel)")
    else
        have_vips=1
    fi
    if ! find_imagemagick convert; then
        IM_CONVERT=(); MISSING+=("ImageMagick convert (not on PATH; Debian/Ubuntu: imagemagick)")
    else
        IM_CONVERT=("${IM_CMD[@]}")
        if (( have_parallel )); then have_convert=1
        else MISSING+=("ImageMagick convert (needs GNU parallel, not on PATH; Debian/Ubuntu: parallel)"); fi
    fi
    if find_imagemagick mogrify; then
        IM_MOGRIFY=("${IM_CMD[@]}"); have_mogrify=1
    else
        IM_MOGRIFY=(); MISSING+=("ImageMagick mogrify (not on PATH; Debian/Ubuntu: imagemagick)")
    fi
    for m in "${MISSING[@]}"; do log "PNG comparison: skipped: $m"; done

    DATA="$SCRATCH/png-data-${PNG_COUNT}x${PNG_SIZE}"
    if [[ ! -f $DATA/.complete ]]; then
        log "generating $PNG_COUNT PNGs into $DATA"
        rm -rf "$DATA" "$DATA.tmp"
        "$PY" "$BENCH_DIR/gen_png.py" "$DATA.tmp" "$PNG_COUNT" "$PNG_SIZE" || die "PNG generation failed"
        touch "$DATA.tmp/.complete"; mv "$DATA.tmp" "$DATA"
    fi
    (( $(count_files "$DATA" '*.png') == PNG_COUNT )) || die "$DATA does not hold $PNG_COUNT PNGs; delete it"
    PNGS=("$DATA"/*.png)

    new_row_dir png
    p_fr=() p_sk=() p_vips=() p_conv=() p_mog=()
    declare -A WARM_OUT=()
    tools=(flowrun skimage)
    if (( have_vips )); then tools+=(vips); fi
    if (( have_convert )); then tools+=(convert); fi
    if (( have_mogrify )); then tools+=(mogrify); fi
    for (( rep = 0; rep <= REPS; rep++ )); do   # rep 0 = warm-up (not counted)
        order=("${tools[@]}")
        if (( rep % 2 == 0 )); then rev=(); for (( k = ${#order[@]} - 1; k >= 0; k-- )); do rev+=("${order[k]}"); done; order=("${rev[@]}"); fi
        for tool in "${order[@]}"; do
            new_run_dir; out="$RUN_DIR/out"; mkdir -p "$out"
            case $tool in
                flowrun)
                    wf="$RUN_DIR/png.toml"
                    # (a results table in the run folder also keeps the resume state there)
                    printf 'name = "png"\n\n[source]\nkind = "glob"\npattern = "%s/*.png"\n\n[[steps]]\nop = "gaussian"\nsigma = %s.0\n\n[output]\nimages = "%s/{stem}.png"\nresults = "%s/results.csv"\n' \
                        "$DATA" "$SIGMA" "$out" "$RUN_DIR" >"$wf"
                    run_cmd "flowrun (PNG)" "$out" "$PNG_COUNT" "$FLOWRUN" "$wf" -q --progress never -j 2
                    if (( rep )); then p_fr+=("$T_US"); fi ;;
                skimage)
                    run_cmd "scikit-image loop" "$out" "$PNG_COUNT" "$PY" "$BENCH_DIR/skimage_png.py" "$SIGMA" "$out" "${PNGS[@]}"
                    if (( rep )); then p_sk+=("$T_US"); fi ;;
                vips)
                    run_cmd "vips gaussblur" "$out" "$PNG_COUNT" parallel --will-cite -q -j2 vips gaussblur {} "$out/{/}" "$SIGMA" ::: "${PNGS[@]}"
                    if (( rep )); then p_vips+=("$T_US"); fi ;;
                convert)
                    run_cmd "ImageMagick convert" "$out" "$PNG_COUNT" parallel --will-cite -q -j2 "${IM_CONVERT[@]}" {} -blur "0x$SIGMA" "$out/{/}" ::: "${PNGS[@]}"
                    if (( rep )); then p_conv+=("$T_US"); fi ;;
                mogrify)
                    cp -p "${PNGS[@]}" "$out/"   # untimed: mogrify works in place on a copy
                    run_cmd "ImageMagick mogrify" "$out" "$PNG_COUNT" "${IM_MOGRIFY[@]}" -blur "0x$SIGMA" "$out"/*.png
                    if (( rep )); then p_mog+=("$T_US"); fi ;;
            esac
            if (( rep )); then
                tsv png "$PNG_COUNT × ${PNG_SIZE}² PNG" "$tool" "$rep" "$(us_to_s "$T_US")" "" "" ok
                log "[png] rep $rep/$REPS $tool: $(fmt_s "$T_US") s"
            else
                log "[png] warm-up $tool: $(fmt_s "$T_US") s"
            fi
            if (( rep == 0 )) && [[ $tool == flowrun || $tool == skimage ]]; then
                WARM_OUT[$tool]=$out   # kept for the pixel check below
            else
                drop_runs "$RUN_DIR"
            fi
        done
        if (( rep == 0 )); then
            # flowrun's PNGs must hold scikit-image's pixels (decoded, so the encoders may differ)
            PNG_CHECK=$("$PY" - "${WARM_OUT[flowrun]}" "${WARM_OUT[skimage]}" <<'PYEOF'
import os, sys
import imageio.v2 as imageio
import numpy as np
a, b = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(b))
bad = [n for n in names if not np.array_equal(imageio.imread(os.path.join(a, n)), imageio.imread(os.path.join(b, n)))]
print(f"{len(names) - len(bad)}/{len(names)}" + (f" (differ: {', '.join(bad[:5])})" if bad else ""))
PYEOF
            ) || die "the PNG pixel check failed to run"
            log "[png] flowrun's pixels equal scikit-image's on $PNG_CHECK images"
            [[ $PNG_CHECK == "$PNG_COUNT/$PNG_COUNT" ]] || warn "flowrun's PNGs differ from scikit-image's: $PNG_CHECK"
            drop_runs "${WARM_OUT[flowrun]%/out}" "${WARM_OUT[skimage]%/out}"
        fi
        sync
    done
    end_row

    m_fr=$(median "${p_fr[@]}")
    emit "## Real PNGs ($PNG_COUNT × ${PNG_SIZE}² 8-bit gray, σ = $SIGMA, PNG output, same folder for every tool)"
    emit ""
    emit "| tool | wall s | ratio vs flowrun |"
    emit "|---|---:|---:|"
    png_row() { local name=$1; shift; if (( $# )); then local m; m=$(median "$@"); emit "| $name | $(fmt_s "$m") | $(fmt_ratio "$m" "$m_fr") |"; fi; }
    png_row "flowrun -j2 (glob workflow, one gaussian step)" "${p_fr[@]}"
    png_row "scikit-image serial loop (imread → gaussian → img_as_ubyte → imwrite)" "${p_sk[@]}"
    if (( have_vips )); then png_row "\`vips gaussblur IN OUT $SIGMA\`, one process per file, \`parallel -j2\`" "${p_vips[@]}"; fi
    if (( have_convert )); then png_row "ImageMagick \`convert IN -blur 0x$SIGMA OUT\`, \`parallel -j2\`" "${p_conv[@]}"; fi
    if (( have_mogrify )); then png_row "ImageMagick \`mogrify -blur 0x$SIGMA\` on a copy, one process" "${p_mog[@]}"; fi
    for m in "${MISSING[@]}"; do emit "| $m | skipped | |"; done
    emit ""
    emit "flowrun's decoded pixels equal the scikit-image loop's on $PNG_CHECK images (checked on the warm-up round)."
    emit ""
    emit "Medians of $REPS repetition(s) after one warm-up round. ImageMagick \`-gaussian-blur 0x$SIGMA\`"
    emit "(a true 2-D Gaussian, about 9 s per 1024² image) is left out. vips and ImageMagick use their own"
    emit "approximate kernels and their own threads (VIPS_CONCURRENCY, OpenMP), so their pixels differ from"
    emit "scikit-image's; flowrun's equal scikit-image's."
    emit ""
fi

# ---------------------------------------------------------------- report
{
    if (( QUICK )); then echo "# flowrun benchmark (--quick)"; else echo "# flowrun benchmark"; fi
    echo ""
    echo "Machine: ${CPU:-unknown CPU}, $CORES cores, $DATE, flowrun $COMMIT, load average at start $LOAD"
    echo ""
    echo "$PY_VERSIONS"
    echo ""
    printf '%s\n' "${REPORT[@]}"
    echo "Raw measurements: \`$(basename "$TSV")\`."
} >"$OUT"
cat "$OUT"
log "report written to $OUT (raw: $TSV)"
