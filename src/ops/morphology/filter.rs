//! The fast min / max filter over a [`Window`]: `out[y][x]` is the min (max) of the image,
//! extended past its edges, over the window's offsets from `(y, x)`.
//!
//! A min or a max only *selects* one of its operands, so any grouping of the comparisons gives
//! the same value — as long as no two different operands compare equal and NaN never takes part
//! (IEEE's only such cases are `0.0 == -0.0` and NaN). The filter notes whether it met either
//! ([`Seen`]); the grey ops then redo the image in scipy's own order ([`super::exact`]). Free to
//! group the comparisons, the filter goes for speed:
//!
//! - the image is read row by row; each row, extended by the boundary mode, enters a ring that
//!   holds the window's rows, so no inner loop tests an edge and every sample is read once;
//! - a rectangular window (squares and rectangles, centred or, for even sides, shifted) is
//!   separable: the ring's rows are reduced into one row, then that row along its length;
//! - any other window (disks, diamonds, the default cross) is a set of horizontal runs, its
//!   chords: a run of length `L` is the min of two overlapping runs of length `2^k <= L`, read
//!   from a table of each ring row's minima over `2^k` samples;
//! - runs of `2^k` are made by doubling, `m[k+1][x] = min(m[k][x], m[k][x + 2^k])`, so a long run
//!   costs `log2(L) + 1` passes instead of `L - 1`;
//! - a rectangle taller than [`RING_ROWS`] is filtered over a padded copy of the whole image,
//!   whose rows are reduced by doubling in place.
//!
//! Every inner loop is an element-wise min of shifted slices, which the compiler vectorises
//! (`minpd` / `pminub`); [`multiversion`] picks the widest instruction set at run time.

use super::window::Window;
use crate::ops::boundary::BoundaryMode;

/// What a filter met that could make the order of its comparisons show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub nan: bool,
    pub pos_zero: bool,
    pub neg_zero: bool,
}

impl Seen {
    /// A NaN, or both zeros: scipy's order decides the result.
    pub fn order_matters(self) -> bool {
        self.nan || (self.pos_zero && self.neg_zero)
    }
}

/// A sample the filters work on: f64 for the grey ops, u8 (0 or 1) for the binary ones.
pub trait Sample: Copy + PartialOrd + Default + Send + Sync + 'static {
    /// Adds to `seen` what in `row` could make the order of comparisons show.
    fn note(row: &[Self], seen: &mut Seen);
}

impl Sample for f64 {
    #[inline(always)]
    fn note(row: &[f64], seen: &mut Seen) {
        const ABS: u64 = !(1 << 63);
        const INF: u64 = 0x7ff0_0000_0000_0000;
        // Branch-free flags, so that the loop vectorises.
        let (mut nan, mut pos, mut neg) = (false, false, false);
        for &v in row {
            let bits = v.to_bits();
            nan |= bits & ABS > INF;
            pos |= bits == 0;
            neg |= bits == 1 << 63;
        }
        seen.nan |= nan;
        seen.pos_zero |= pos;
        seen.neg_zero |= neg;
    }
}

impl Sample for u8 {
    #[inline(always)]
    fn note(_: &[u8], _: &mut Seen) {}
}

/// What lies past the image's edges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Edge<T> {
    /// scipy's index modes (`reflect`, `mirror`, `nearest`, `wrap`; never `constant`).
    Mode(BoundaryMode),
    /// A constant (`constant` with `cval`; ±inf for `max`, `min`, `ignore`; the binary ops'
    /// border value).
    Value(T),
}

impl<T: Sample> Edge<T> {
    /// The source index of position `p` on a line of `n` (`None`: the constant).
    #[inline(always)]
    fn map(self, p: isize, n: usize) -> Option<usize> {
        match self {
            Edge::Mode(m) => m.map_index(p, n),
            Edge::Value(_) => (p >= 0 && (p as usize) < n).then_some(p as usize),
        }
    }

    /// The constant (or any value, for the index modes, which never use it).
    #[inline(always)]
    fn fill(self) -> T {
        match self {
            Edge::Value(v) => v,
            Edge::Mode(_) => T::default(),
        }
    }
}

/// The min (`MIN`) or max of two samples; an equal or unordered `b` leaves `a`.
#[inline(always)]
pub fn pick<T: Sample, const MIN: bool>(a: T, b: T) -> T {
    if MIN {
        if b < a {
            b
        } else {
            a
        }
    } else if b > a {
        b
    } else {
        a
    }
}

/// Runs longer than this are reduced by doubling rather than one sample at a time.
const DIRECT_MAX: usize = 4;

/// Samples per block of [`gather`]: four AVX-512 registers of f64.
const BLOCK: usize = 32;

/// Rectangles taller than this are filtered over a padded copy of the image (see the module
/// docs); every other window streams through a ring of its rows.
pub const RING_ROWS: usize = 16;

/// A worker's buffers for [`min_max`], kept from image to image.
#[derive(Default)]
pub struct FilterScratch<T> {
    /// The ring: per window row, the extended row and its doubling levels.
    ring: Vec<T>,
    /// The padded image (tall rectangles only).
    pad: Vec<T>,
    /// An extended row and its doubling partner.
    row: Vec<T>,
    row2: Vec<T>,
    /// The source column of each left / right padding column.
    cols: Vec<Option<usize>>,
    /// The sources of one [`gather`].
    offsets: Vec<usize>,
}

/// Where the image sits in its extension: `top` rows above, `left` columns before, rows `pw`
/// samples long.
#[derive(Clone, Copy)]
struct Frame {
    h: usize,
    w: usize,
    top: usize,
    left: usize,
    pw: usize,
}

/// Makes `v` `n` long, initialising only samples it did not have (all are overwritten).
fn set_len<T: Sample>(v: &mut Vec<T>, n: usize) {
    v.resize(n, T::default());
    v.truncate(n);
}

/// `out` (`h × w`, reallocated as needed) = the min (`MIN`) or max over `win` of the `h × w`
/// plane `src`, extended by `edge`; returns what it met among the samples it read (the edge
/// value not included). The result is scipy's wherever [`Seen::order_matters`] is false.
#[multiversion::multiversion(targets = "simd")]
pub fn min_max<T: Sample, const MIN: bool>(
    src: &[T],
    (h, w): (usize, usize),
    win: &Window,
    edge: Edge<T>,
    out: &mut Vec<T>,
    s: &mut FilterScratch<T>,
) -> Seen {
    set_len(out, h * w);
    let mut seen = Seen::default();
    let Some((dy0, dy1, dx0, dx1)) = win.extent() else {
        out.copy_from_slice(src);
        return seen;
    };
    if h == 0 || w == 0 {
        return seen;
    }
    let (top, left) = ((-dy0).max(0) as usize, (-dx0).max(0) as usize);
    let f = Frame {
        h,
        w,
        top,
        left,
        pw: w + left + dx1.max(0) as usize,
    };
    s.cols.clear();
    s.cols
        .extend((0..left).map(|j| edge.map(j as isize - left as isize, w)));
    s.cols
        .extend((w..f.pw - left).map(|j| edge.map(j as isize, w)));
    let span = (dy1 - dy0 + 1) as usize;
    if win.is_rectangle() && span > RING_ROWS {
        tall_rectangle::<T, MIN>(src, f, (dy0, dy1, dx0, dx1), edge, out, s, &mut seen);
    } else {
        ring::<T, MIN>(src, f, win, edge, out, s, &mut seen);
    }
    seen
}

/// Writes padded row `i` (the image row `i - top`, extended by `edge`) to `dst` (`pw` long).
#[inline(always)]
fn extend_row<T: Sample>(
    src: &[T],
    f: Frame,
    i: usize,
    edge: Edge<T>,
    cols: &[Option<usize>],
    dst: &mut [T],
    seen: &mut Seen,
) {
    let fill = edge.fill();
    let Some(y) = edge.map(i as isize - f.top as isize, f.h) else {
        dst.fill(fill);
        return;
    };
    let line = &src[y * f.w..(y + 1) * f.w];
    T::note(line, seen);
    dst[f.left..f.left + f.w].copy_from_slice(line);
    let (before, after) = cols.split_at(f.left);
    for (d, c) in dst[..f.left].iter_mut().zip(before) {
        *d = c.map_or(fill, |c| line[c]);
    }
    for (d, c) in dst[f.left + f.w..].iter_mut().zip(after) {
        *d = c.map_or(fill, |c| line[c]);
    }
}

/// `acc[x] = pick(acc[x], b[x])`.
#[inline(always)]
fn fold<T: Sample, const MIN: bool>(acc: &mut [T], b: &[T]) {
    for (a, &b) in acc.iter_mut().zip(b) {
        *a = pick::<T, MIN>(*a, b);
    }
}

/// `dst[x] = pick(a[x], b[x])`.
#[inline(always)]
fn pick_into<T: Sample, const MIN: bool>(dst: &mut [T], a: &[T], b: &[T]) {
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = pick::<T, MIN>(a, b);
    }
}

/// The doubling level a run of `len` samples is read from: 0 (every sample) for short runs,
/// else the largest `k` with `2^k <= len` (two overlapping blocks).
#[inline(always)]
fn level_for(len: usize) -> usize {
    if len <= DIRECT_MAX {
        0
    } else {
        len.ilog2() as usize
    }
}

/// The offsets, from a run's start, of the level-`k` entries whose pick is the run's min: every
/// `2^k`-th, and the last full block.
#[inline(always)]
fn run_offsets(len: usize, k: usize) -> impl Iterator<Item = usize> {
    let step = 1usize << k;
    let last = len - step;
    (0..last).step_by(step).chain(std::iter::once(last))
}

/// `levels[k - 1]` (each `n` long, `k = 1 ..= levels.len() / n`) = the doubling levels of
/// `base`: level `k` at `x` is the pick over `base[x .. x + 2^k]`.
#[inline(always)]
fn doubling<T: Sample, const MIN: bool>(base: &[T], levels: &mut [T]) {
    let n = base.len();
    for k in 0..levels.len() / n.max(1) {
        let half = 1usize << k;
        let valid = n + 1 - (2usize << k);
        let (prev, cur) = levels.split_at_mut(k * n);
        let src: &[T] = if k == 0 { base } else { &prev[(k - 1) * n..] };
        pick_into::<T, MIN>(&mut cur[..valid], &src[..valid], &src[half..half + valid]);
    }
}

/// `out[x] = pick over o in offsets of base[o + x]`, in blocks of [`BLOCK`] samples kept in
/// registers while every source is folded in (one store per sample, not one per source).
#[inline(always)]
fn gather<T: Sample, const MIN: bool>(out: &mut [T], base: &[T], offsets: &[usize]) {
    let Some((&first, rest)) = offsets.split_first() else {
        return;
    };
    let n = out.len();
    let mut x = 0;
    while x + BLOCK <= n {
        let mut acc: [T; BLOCK] = [T::default(); BLOCK];
        acc.copy_from_slice(&base[first + x..first + x + BLOCK]);
        for &o in rest {
            let src = &base[o + x..o + x + BLOCK];
            for (a, &b) in acc.iter_mut().zip(src) {
                *a = pick::<T, MIN>(*a, b);
            }
        }
        out[x..x + BLOCK].copy_from_slice(&acc);
        x += BLOCK;
    }
    for (x, o) in out.iter_mut().enumerate().skip(x) {
        let mut a = base[first + x];
        for &r in rest {
            a = pick::<T, MIN>(a, base[r + x]);
        }
        *o = a;
    }
}

/// Adds to `offsets` the starts, in a buffer where level `k` of a row starts at `line`, of the
/// blocks whose pick is the run of `len` samples from `x`.
#[inline(always)]
fn run_sources(offsets: &mut Vec<usize>, line: usize, x: usize, len: usize, k: usize) {
    offsets.extend(run_offsets(len, k).map(|off| line + x + off));
}

/// Any window short enough, through a ring of its rows: each slot holds an extended row (level
/// 0) and, for chords, its doubling levels.
#[inline(always)]
fn ring<T: Sample, const MIN: bool>(
    src: &[T],
    f: Frame,
    win: &Window,
    edge: Edge<T>,
    out: &mut [T],
    s: &mut FilterScratch<T>,
    seen: &mut Seen,
) {
    let Some((dy0, dy1, dx0, dx1)) = win.extent() else {
        return;
    };
    let rect = win.is_rectangle();
    let chords = if rect { Vec::new() } else { win.chords() };
    let levels = chords.iter().map(|c| level_for(c.len)).max().unwrap_or(0);
    let pw = f.pw;
    let span = (dy1 - dy0 + 1) as usize;
    let slot = (levels + 1) * pw;
    set_len(&mut s.ring, span * slot);
    // Padded row i lives in slot i % span; output row y needs rows y + top + dy0 ..= dy1.
    let first_row = (f.top as isize + dy0) as usize;
    // A function, not a closure: closures are not inlined into the multiversioned caller, and
    // would miss its instruction set.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn load<T: Sample, const MIN: bool>(
        src: &[T],
        f: Frame,
        edge: Edge<T>,
        i: usize,
        (span, slot): (usize, usize),
        ring: &mut [T],
        cols: &[Option<usize>],
        seen: &mut Seen,
    ) {
        let (base, levels) = ring[(i % span) * slot..][..slot].split_at_mut(f.pw);
        extend_row(src, f, i, edge, cols, base, seen);
        doubling::<T, MIN>(base, levels);
    }
    for i in first_row..first_row + span - 1 {
        load::<T, MIN>(src, f, edge, i, (span, slot), &mut s.ring, &s.cols, seen);
    }
    let x0 = (f.left as isize + dx0) as usize;
    let cr = (dx1 - dx0 + 1) as usize;
    for (y, out_row) in out.chunks_exact_mut(f.w).enumerate() {
        let i = first_row + y + span - 1;
        load::<T, MIN>(src, f, edge, i, (span, slot), &mut s.ring, &s.cols, seen);
        // Where level k of padded row i starts in the ring.
        let at = |i: usize, k: usize| (i % span) * slot + k * pw;
        s.offsets.clear();
        if rect {
            // The window's rows reduced into one row, then that row along its length.
            s.offsets
                .extend((first_row + y..first_row + y + span).map(|i| at(i, 0)));
            set_len(&mut s.row, pw);
            gather::<T, MIN>(&mut s.row, &s.ring, &s.offsets);
            let k = level_for(cr);
            set_len(&mut s.row2, k * pw);
            doubling::<T, MIN>(&s.row, &mut s.row2);
            let line = if k == 0 {
                &s.row[..]
            } else {
                &s.row2[(k - 1) * pw..]
            };
            s.offsets.clear();
            run_sources(&mut s.offsets, 0, x0, cr, k);
            gather::<T, MIN>(out_row, line, &s.offsets);
        } else {
            for c in &chords {
                let i = (f.top as isize + c.dy) as usize + y;
                let k = level_for(c.len);
                let x = (f.left as isize + c.dx) as usize;
                run_sources(&mut s.offsets, at(i, k), x, c.len, k);
            }
            gather::<T, MIN>(out_row, &s.ring, &s.offsets);
        }
    }
}

/// A rectangle taller than [`RING_ROWS`], over a padded copy of the image: its rows reduced by
/// doubling in place, then each output row's two blocks, then the row along its length.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tall_rectangle<T: Sample, const MIN: bool>(
    src: &[T],
    f: Frame,
    (dy0, dy1, dx0, dx1): (isize, isize, isize, isize),
    edge: Edge<T>,
    out: &mut [T],
    s: &mut FilterScratch<T>,
    seen: &mut Seen,
) {
    let pw = f.pw;
    let ph = f.h + f.top + dy1.max(0) as usize;
    set_len(&mut s.pad, ph * pw);
    for (i, row) in s.pad.chunks_exact_mut(pw).enumerate() {
        extend_row(src, f, i, edge, &s.cols, row, seen);
    }
    let (rr, cr) = ((dy1 - dy0 + 1) as usize, (dx1 - dx0 + 1) as usize);
    // After level k, padded row i holds the pick over rows i .. i + 2^k (row i reads row
    // i + 2^(k-1), not yet overwritten at that level); level k + 1 exists as 2^(k+1) <= rr <= ph.
    let kv = level_for(rr);
    for k in 0..kv {
        let step = pw << k;
        for i in 0..ph + 1 - (2usize << k) {
            let start = i * pw;
            let (a, b) = s.pad.split_at_mut(start + step);
            fold::<T, MIN>(&mut a[start..start + pw], &b[..pw]);
        }
    }
    let r0 = (f.top as isize + dy0) as usize;
    let x0 = (f.left as isize + dx0) as usize;
    let kh = level_for(cr);
    set_len(&mut s.row, pw);
    set_len(&mut s.row2, kh * pw);
    for (y, out_row) in out.chunks_exact_mut(f.w).enumerate() {
        // The window's rows, as blocks of 2^kv rows.
        s.offsets.clear();
        s.offsets
            .extend(run_offsets(rr, kv).map(|off| (r0 + y + off) * pw));
        gather::<T, MIN>(&mut s.row, &s.pad, &s.offsets);
        doubling::<T, MIN>(&s.row, &mut s.row2);
        let line = if kh == 0 {
            &s.row[..]
        } else {
            &s.row2[(kh - 1) * pw..]
        };
        s.offsets.clear();
        run_sources(&mut s.offsets, 0, x0, cr, kh);
        gather::<T, MIN>(out_row, line, &s.offsets);
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
