//! Exact selection by min/max networks, eight output pixels at a time: a network only moves
//! samples, so the output is one of the window's samples — the `k`-th smallest — bit for bit.
//!
//! - [`median3x3`]: the full 3 × 3 window. Each column of three is sorted once per row and
//!   shared by the three windows that contain it; the median of nine is then
//!   `med3(max of the lows, med3 of the middles, min of the highs)`.
//! - [`Network`]: any window of up to [`MAX_INPUTS`] samples: Batcher's odd-even merge sort for
//!   the next power of two (the missing inputs are `+inf`, so their comparators are dropped),
//!   pruned to the comparators the `k`-th output depends on.

/// The largest window the networks take; larger ones go to the histogram of ranks.
pub const MAX_INPUTS: usize = 27;

/// Output pixels computed together (one AVX-512 register of f64).
const LANES: usize = 8;

type Lanes = [f64; LANES];

#[inline(always)]
fn lo(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

#[inline(always)]
fn hi(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

#[inline(always)]
fn med3(a: f64, b: f64, c: f64) -> f64 {
    hi(lo(a, b), lo(hi(a, b), c))
}

/// The median of every full 3 × 3 window: `padded` has `w + 2` columns and one more row above
/// and below each output row; output row `y` goes to `out[y * w ..]`.
#[multiversion::multiversion(targets = "simd")]
pub fn median3x3(padded: &[f64], (h, w): (usize, usize), out: &mut [f64], cols: &mut Vec<f64>) {
    let wp = w + 2;
    cols.clear();
    cols.resize(3 * wp, 0.0);
    for y in 0..h {
        let (a, b, c) = (
            &padded[y * wp..][..wp],
            &padded[(y + 1) * wp..][..wp],
            &padded[(y + 2) * wp..][..wp],
        );
        let (l, rest) = cols.split_at_mut(wp);
        let (m, u) = rest.split_at_mut(wp);
        for j in 0..wp {
            let (p, q, r) = (a[j], b[j], c[j]);
            l[j] = lo(lo(p, q), r);
            m[j] = med3(p, q, r);
            u[j] = hi(hi(p, q), r);
        }
        let row = &mut out[y * w..][..w];
        for (x, o) in row.iter_mut().enumerate() {
            let max_lo = hi(hi(l[x], l[x + 1]), l[x + 2]);
            let med_mid = med3(m[x], m[x + 1], m[x + 2]);
            let min_hi = lo(lo(u[x], u[x + 1]), u[x + 2]);
            *o = med3(max_lo, med_mid, min_hi);
        }
    }
}

/// Applies the network `$net` to the vectors `$v`, with `$lo(a, b)` / `$hi(a, b)` the lane-wise
/// `if b < a { b } else { a }` / `if b > a { b } else { a }`: one block per comparator slot,
/// each dropped by the compiler when the constant network is shorter.
macro_rules! comparators {
    ($net:expr, $v:expr, $lo:expr, $hi:expr) => {
        comparators!(@each $net, $v, $lo, $hi; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127)
    };
    (@each $net:expr, $v:expr, $lo:expr, $hi:expr; $($i:literal)*) => {$(
        if $i < $net.len {
            let (i, j, outputs) = $net.comparators[$i];
            let (a, b) = ($v[i as usize], $v[j as usize]);
            if outputs & 1 != 0 {
                $v[i as usize] = $lo(a, b);
            }
            if outputs & 2 != 0 {
                $v[j as usize] = $hi(a, b);
            }
        }
    )*};
}

/// The most comparators a network of up to [`MAX_INPUTS`] inputs keeps (126, for 27 inputs).
const MAX_COMPARATORS: usize = 128;

/// A selection network as constant data: comparator `(i, j, outputs)` with `i < j` puts the
/// smaller sample at `i` (if `outputs & 1`) and the larger at `j` (if `outputs & 2`); only the
/// outputs something later reads are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    pub n: usize,
    pub k: usize,
    comparators: [(u8, u8, u8); MAX_COMPARATORS],
    len: usize,
}

impl Network {
    /// The selection network for rank `k` of `n` inputs (`k < n <= MAX_INPUTS`): Batcher's
    /// odd-even merge sort (Knuth 5.3.4, exercise 37) for the next power of two, its comparators
    /// with a missing (`+inf`) input dropped, pruned to those output `k` depends on.
    pub const fn selection(n: usize, k: usize) -> Network {
        assert!(k < n && n <= MAX_INPUTS);
        let mut big = 1;
        while big < n {
            big *= 2;
        }
        let mut all = [(0u8, 0u8); 256];
        let mut count = 0;
        let mut p = 1;
        while p < big {
            let mut k2 = p;
            while k2 >= 1 {
                let mut j = k2 % p;
                while j + k2 < big {
                    let lim = if k2 < big - j - k2 { k2 } else { big - j - k2 };
                    let mut i = 0;
                    while i < lim {
                        let (a, b) = (i + j, i + j + k2);
                        // An input beyond `n` is +inf: it stays where it is.
                        if a / (2 * p) == b / (2 * p) && b < n {
                            all[count] = (a as u8, b as u8);
                            count += 1;
                        }
                        i += 1;
                    }
                    j += 2 * k2;
                }
                k2 /= 2;
            }
            p *= 2;
        }
        // Keep what output `k` depends on, walking back from it.
        let mut needed = [false; MAX_INPUTS];
        needed[k] = true;
        let mut kept = [(0u8, 0u8, 0u8); MAX_COMPARATORS];
        let mut len = 0;
        let mut idx = count;
        while idx > 0 {
            idx -= 1;
            let (a, b) = all[idx];
            let (min, max) = (needed[a as usize], needed[b as usize]);
            if min || max {
                kept[len] = (a, b, min as u8 | (max as u8) << 1);
                len += 1;
                needed[a as usize] = true;
                needed[b as usize] = true;
            }
        }
        // Back to forward order.
        let mut comparators = [(0u8, 0u8, 0u8); MAX_COMPARATORS];
        let mut i = 0;
        while i < len {
            comparators[i] = kept[len - 1 - i];
            i += 1;
        }
        Network {
            n,
            k,
            comparators,
            len,
        }
    }

    /// The number of comparators kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the network has no comparator (one input).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Selects over lanes: `v[k]` becomes the `k`-th smallest of `v[0..n]`, lane by lane. With
    /// a constant network (and `N` known), every index is a constant and `v` lives in registers.
    #[inline(always)]
    fn run<const N: usize>(&self, v: &mut [Lanes; N]) {
        comparators!(self, v, |a: Lanes, b: Lanes| std::array::from_fn(|l| lo(a[l], b[l])), |a: Lanes, b: Lanes| std::array::from_fn(|l| hi(a[l], b[l])));
    }
}

/// Where each input of a window comes from: plane `plane`, `dy` rows and `dx` columns from the
/// output pixel's top-left corner in the padded planes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Input {
    pub plane: usize,
    pub dy: usize,
    pub dx: usize,
}

/// The `k`-th smallest of `inputs` (`N` of them, `K = N / 2`) for every output pixel of an
/// `h × w` plane, the inputs read from `planes` (padded planes of `wp` columns); output row `y`
/// goes to `out[y * w ..]`.
#[inline(always)]
fn select_n<const N: usize, const K: usize>(
    inputs: &[Input],
    planes: &[&[f64]],
    (h, w, wp): (usize, usize, usize),
    out: &mut [f64],
) {
    let net = const { Network::selection(N, K) };
    let inputs: &[Input; N] = inputs.try_into().expect("N inputs");
    for y in 0..h {
        // Each input's row, from the output row's top-left corner.
        let rows: [&[f64]; N] =
            std::array::from_fn(|i| &planes[inputs[i].plane][(y + inputs[i].dy) * wp + inputs[i].dx..][..w]);
        let mut x0 = 0;
        while x0 + LANES <= w {
            let mut v: [Lanes; N] =
                std::array::from_fn(|i| rows[i][x0..x0 + LANES].try_into().expect("8 lanes"));
            net.run(&mut v);
            out[y * w + x0..][..LANES].copy_from_slice(&v[K]);
            x0 += LANES;
        }
        if x0 < w {
            // The last pixels: idle lanes repeat a real sample, so they select a real value too.
            let lanes = w - x0;
            let mut v: [Lanes; N] = std::array::from_fn(|i| {
                let mut l = [rows[i][x0]; LANES];
                l[..lanes].copy_from_slice(&rows[i][x0..w]);
                l
            });
            net.run(&mut v);
            out[y * w + x0..][..lanes].copy_from_slice(&v[K][..lanes]);
        }
    }
}

/// [`select_n`] with AVX-512 intrinsics: a window of up to 27 vectors stays in the 32 vector
/// registers. `_mm512_min_pd(b, a)` is `b < a ? b : a` and `_mm512_max_pd(b, a)` is
/// `b > a ? b : a`, the portable `lo` and `hi` lane by lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn select_avx512<const N: usize, const K: usize>(
    inputs: &[Input],
    planes: &[&[f64]],
    (h, w, wp): (usize, usize, usize),
    out: &mut [f64],
) {
    use std::arch::x86_64::*;
    let net = const { Network::selection(N, K) };
    let inputs: &[Input; N] = inputs.try_into().expect("N inputs");
    let mut rows: [&[f64]; N] = [&[]; N];
    for y in 0..h {
        for i in 0..N {
            rows[i] = &planes[inputs[i].plane][(y + inputs[i].dy) * wp + inputs[i].dx..][..w];
        }
        let out_row = &mut out[y * w..][..w];
        let mut x0 = 0;
        while x0 < w {
            let lanes = LANES.min(w - x0);
            let mask: __mmask8 = if lanes == LANES { 0xff } else { (1u8 << lanes) - 1 };
            let mut v = [_mm512_setzero_pd(); N];
            for i in 0..N {
                // SAFETY: the mask keeps the load within `rows[i][x0..w]`; idle lanes repeat
                // a real sample, so they select a real value too.
                let first = _mm512_set1_pd(rows[i][x0]);
                v[i] = unsafe { _mm512_mask_loadu_pd(first, mask, rows[i].as_ptr().add(x0)) };
            }
            comparators!(net, v, |a, b| _mm512_min_pd(b, a), |a, b| _mm512_max_pd(b, a));
            // SAFETY: the mask keeps the store within `out_row[x0..w]`.
            unsafe { _mm512_mask_storeu_pd(out_row.as_mut_ptr().add(x0), mask, v[K]) };
            x0 += LANES;
        }
    }
}

/// [`select_n`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn select_avx2<const N: usize, const K: usize>(
    inputs: &[Input],
    planes: &[&[f64]],
    geometry: (usize, usize, usize),
    out: &mut [f64],
) {
    select_n::<N, K>(inputs, planes, geometry, out)
}

fn dispatch<const N: usize, const K: usize>(
    inputs: &[Input],
    planes: &[&[f64]],
    geometry: (usize, usize, usize),
    out: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { select_avx512::<N, K>(inputs, planes, geometry, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { select_avx2::<N, K>(inputs, planes, geometry, out) };
        }
    }
    select_n::<N, K>(inputs, planes, geometry, out)
}

/// The median (rank `n / 2`) of `inputs` (`1 ..= MAX_INPUTS` of them) for every output pixel
/// of an `h × w` plane, read from `planes` (padded planes of `wp` columns); output row `y` goes
/// to `out[y * w ..]`.
pub fn median(
    inputs: &[Input],
    planes: &[&[f64]],
    geometry: (usize, usize, usize),
    out: &mut [f64],
) {
    macro_rules! by_size {
        ($($n:literal)*) => {
            match inputs.len() {
                $($n => dispatch::<$n, { $n / 2 }>(inputs, planes, geometry, out),)*
                n => panic!("no selection network for {n} inputs"),
            }
        };
    }
    by_size!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every network selects the `k`-th smallest of every 0/1 input (the 0-1 principle: a
    /// comparator network that sorts every 0/1 sequence sorts every sequence), for the window
    /// sizes the filters use.
    #[test]
    fn networks_select_by_the_zero_one_principle() {
        for n in 1..=MAX_INPUTS {
            for k in [0, n / 2, n - 1] {
                let net = Network::selection(n, k);
                assert!(net.len() <= MAX_COMPARATORS);
                let trials: Vec<u32> = if n <= 16 {
                    (0..1u32 << n).collect()
                } else {
                    // Every input with up to two ones or up to two zeros, plus a spread.
                    let mut t = vec![0, (1u32 << n) - 1];
                    for a in 0..n {
                        for b in a..n {
                            let m = (1u32 << a) | (1u32 << b);
                            t.extend([m, !m & ((1u32 << n) - 1)]);
                        }
                    }
                    t.extend((0..4000u32).map(|i| i.wrapping_mul(2654435761) & ((1 << n) - 1)));
                    t
                };
                for bits in trials {
                    let mut v = [[0.0; LANES]; MAX_INPUTS];
                    for (i, vi) in v.iter_mut().enumerate().take(n) {
                        *vi = [f64::from((bits >> i) & 1); LANES];
                    }
                    let ones = bits.count_ones() as usize;
                    net.run(&mut v);
                    let want = if k >= n - ones { 1.0 } else { 0.0 };
                    assert_eq!(v[k][0], want, "n={n} k={k} bits={bits:b}");
                }
            }
        }
    }

    #[test]
    fn pruning_keeps_the_median_network_small() {
        assert!(Network::selection(9, 4).len() < 40);
        assert!(Network::selection(27, 13).len() < 200);
        assert!(Network::selection(1, 0).is_empty());
    }
}
