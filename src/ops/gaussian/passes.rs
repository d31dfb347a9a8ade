//! The separable passes, portable code: the strip correlation every SIMD clone shares, the
//! axis-0 pass over column panels and the axis-1 pass over extended lines.

use super::*;

/// Rows shorter than this (in samples) are filtered along axis 1 through the transpose.
pub(super) const NARROW: usize = 64;

/// The shortest kernel radius for which axis 1 goes through [`horizontal_bands`].
#[cfg(target_arch = "x86_64")]
pub(super) const BANDS_MIN_RADIUS: usize = 16;

/// `dst[x][y * c + ch] = src[y][x][ch]`: an `h × w` image of `c`-sample pixels as a `w × (h·c)`
/// array (pixels moved whole, so channels stay together).
pub(super) fn transpose(
    src: &[f64],
    dst: &mut [f64],
    (h, w, c): (usize, usize, usize),
    avx512: bool,
) {
    let (src, dst) = (&src[..h * w * c], &mut dst[..h * w * c]);
    if c == 1 {
        // The 8 × 8 tiles in registers where the CPU can, the rest sample by sample.
        let (h8, w8) = if avx512 {
            (h - h % 8, w - w % 8)
        } else {
            (0, 0)
        };
        #[cfg(target_arch = "x86_64")]
        if h8 > 0 && w8 > 0 {
            avx512::transpose(src, w, dst, h, (h8, w8));
        }
        for (y, row) in src.chunks_exact(w).enumerate() {
            let skip = if y < h8 { w8 } else { 0 };
            for (x, &v) in row.iter().enumerate().skip(skip) {
                dst[x * h + y] = v;
            }
        }
        return;
    }
    for (y, row) in src.chunks_exact(w * c).enumerate() {
        for (x, px) in row.chunks_exact(c).enumerate() {
            // Sample by sample: `copy_from_slice` of a few samples would be a `memcpy` call.
            for (d, &v) in dst[(x * h + y) * c..][..c].iter_mut().zip(px) {
                *d = v;
            }
        }
    }
}

/// Output samples per axis-0 strip: their accumulators stay in registers while all the taps
/// are added (4 AVX-512 / 8 AVX2 vectors of f64; two strips are computed together).
pub(super) const STRIP: usize = 32;

/// Output samples per axis-1 strip (8 AVX-512 vectors of f64).
pub(super) const HSTRIP: usize = 64;

/// One output strip: `acc[j] = c[j] * w[0]`, then `acc[j] += (a[j] + b[j]) * w[k]` with
/// `(a, b) = pair(k)` for `k = r` down to `1` (`r = w.len() - 1`). The accumulators stay in
/// registers for the whole tap loop; each lane performs exactly the scalar sequence (no FMA, no
/// reassociation), so vectorising across `j` changes no bit.
#[inline(always)]
pub(super) fn strip<'a, const N: usize>(
    c: &[f64; N],
    w: &[f64],
    pair: impl Fn(usize) -> (&'a [f64; N], &'a [f64; N]),
) -> [f64; N] {
    let mut acc = [0.0f64; N];
    let w0 = w[0];
    for j in 0..N {
        acc[j] = c[j] * w0;
    }
    for k in (1..w.len()).rev() {
        let (a, b) = pair(k);
        let wk = w[k];
        for j in 0..N {
            acc[j] += (a[j] + b[j]) * wk;
        }
    }
    acc
}

/// The general (slower) correlation of `out.len()` samples, used for the remainders that do
/// not fill a strip: `out[i] = center[i] * w[0]`, then `out[i] += (left(k)[i] + right(k)[i]) *
/// w[k]` for `k = r ..= 1`, where `left(k)` / `right(k)` are aligned with `out`.
#[inline(always)]
pub(super) fn correlate_slices<'a>(
    out: &mut [f64],
    center: &[f64],
    w: &[f64],
    left: impl Fn(usize) -> &'a [f64],
    right: impl Fn(usize) -> &'a [f64],
) {
    let n = out.len();
    for (o, &c) in out.iter_mut().zip(&center[..n]) {
        *o = c * w[0];
    }
    for k in (1..w.len()).rev() {
        let wk = w[k];
        for ((o, &a), &b) in out.iter_mut().zip(&left(k)[..n]).zip(&right(k)[..n]) {
            *o += (a + b) * wk;
        }
    }
}

/// Axis 0: each output row `y` is `src[y] * w0`, then `+= (src[y-k] + src[y+k]) * w[k]` for
/// `k = r ..= 1`, with out-of-range rows mapped by `row_map` (`cval_row` where it maps to none).
///
/// The image is processed in column panels of [`STRIP`] samples: each panel, extended by the
/// `r` boundary rows above and below, is first copied into the contiguous `panel` buffer, so
/// the `2r + 1` source rows of an output strip are consecutive and stay in L1 as `y` advances
/// (reading them straight from the image would hit the same few cache sets, as rows are a
/// power-of-two stride apart). Kernels much longer than the image use whole rows instead.
/// `row_map[p]` is the source row of extended position `p - r` (`None`: cval), for `p < height
/// + 2r` ([`GaussianScratch::cache_row_map`]).
#[allow(clippy::too_many_arguments)]
#[multiversion::multiversion(targets = "simd")]
pub(super) fn vertical_pass(
    src: &[f64],
    dst: &mut [f64],
    height: usize,
    row_len: usize,
    half: &[f64],
    row_map: &[Option<usize>],
    cval_row: &[f64],
    panel: &mut Vec<f64>,
    avx512: bool,
) {
    if row_len == 0 || half.is_empty() {
        return;
    }
    let r = half.len() - 1;
    assert_eq!(row_map.len(), height + 2 * r);
    let source_row = |p: Option<usize>| {
        p.and_then(|i| src.get(i * row_len..(i + 1) * row_len))
            .unwrap_or(cval_row)
    };
    let dst = &mut dst[..height * row_len];
    if r > 4 * height + 64 {
        // Output row `y` reads extended positions `y ..= y + 2r`, straight from the rows.
        for (y, out) in dst.chunks_exact_mut(row_len).enumerate() {
            let row = |j: usize| source_row(row_map[y + j]);
            correlate_slices(out, row(r), half, |k| row(r - k), |k| row(r + k));
        }
        return;
    }
    for x0 in (0..row_len).step_by(STRIP) {
        let pw = STRIP.min(row_len - x0);
        let outs = dst.chunks_exact_mut(row_len).map(|o| &mut o[x0..x0 + pw]);
        if pw == STRIP {
            let p = aligned_strips(panel, row_map.len());
            for (d, &m) in p.iter_mut().zip(row_map) {
                *d = source_row(m)[x0..x0 + STRIP].try_into().unwrap();
            }
            let outs = outs.map(|o| <&mut [f64; STRIP]>::try_from(o).unwrap());
            panel_strips(p, half, outs, avx512);
        } else {
            set_len(panel, row_map.len() * pw);
            for (d, &m) in panel.chunks_exact_mut(pw).zip(row_map) {
                d.copy_from_slice(&source_row(m)[x0..x0 + pw]);
            }
            let at = |j: usize| &panel[j * pw..(j + 1) * pw];
            for (y, out) in outs.enumerate() {
                correlate_slices(out, at(y + r), half, |k| at(y + r - k), |k| at(y + r + k));
            }
        }
    }
}

/// `n` strips of [`STRIP`] samples in `buf`, starting on a 64-byte boundary so that they load
/// without cache-line splits. Their contents are unspecified (the callers overwrite them).
pub(super) fn aligned_strips(buf: &mut Vec<f64>, n: usize) -> &mut [[f64; STRIP]] {
    let need = 64 / std::mem::size_of::<f64>() + n * STRIP;
    // Reserve first: the alignment is that of the final allocation.
    if buf.capacity() < need {
        buf.clear();
        buf.reserve_exact(need);
    }
    let skip = (64 - buf.as_ptr() as usize % 64) % 64 / std::mem::size_of::<f64>();
    set_len(buf, skip + n * STRIP);
    buf[skip..].as_chunks_mut::<STRIP>().0
}

/// Correlates a panel: `p` holds `n + 2r` strips, `p[j + r]` the centre of output strip `j`
/// (`r = half.len() - 1`), and `outs` yields the `n` output strips. Every sample gets exactly
/// the operation sequence of [`strip`].
#[inline(always)]
pub(super) fn panel_strips<'o>(
    p: &[[f64; STRIP]],
    half: &[f64],
    mut outs: impl ExactSizeIterator<Item = &'o mut [f64; STRIP]>,
    avx512: bool,
) {
    let r = half.len() - 1;
    // Output rows in pairs (y, y + 1), centred on extended rows c = y + r and c + 1.
    // Row y needs p[c - k] and p[c + k], row y + 1 needs p[c + 1 - k] and p[c + 1 + k];
    // p[c + 1 - k] is row y's left operand at the next k and p[c + k] row y + 1's right
    // operand at the next k, so each step loads two strips for two output strips.
    let mut c = r;
    #[cfg(target_arch = "x86_64")]
    if avx512 {
        // Four output rows at a time (see `avx512::four_rows`).
        while outs.len() >= 4 {
            let group: [&mut [f64; STRIP]; 4] = std::array::from_fn(|_| outs.next().unwrap());
            avx512::four_rows(&p[c - r..c + r + 4], half, group);
            c += 4;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = avx512;
    while let Some(out0) = outs.next() {
        let Some(out1) = outs.next() else {
            *out0 = strip(&p[c], half, |k| (&p[c - k], &p[c + k]));
            break;
        };
        (*out0, *out1) = strip2(&p[c - r..=c + 1 + r], half);
        c += 2;
    }
}

/// Two vertically adjacent output strips from the `2r + 2` source strips `p` (`p[r]` and
/// `p[r + 1]` are their centres), each with exactly the operation sequence of [`strip`],
/// sharing the loads of the source strips between them (see [`vertical_pass`]).
#[inline(always)]
pub(super) fn strip2(p: &[[f64; STRIP]], w: &[f64]) -> ([f64; STRIP], [f64; STRIP]) {
    let r = w.len() - 1;
    let p = &p[..2 * r + 2];
    let w0 = w[0];
    let mut acc0 = [0.0f64; STRIP];
    let mut acc1 = [0.0f64; STRIP];
    for j in 0..STRIP {
        acc0[j] = p[r][j] * w0;
        acc1[j] = p[r + 1][j] * w0;
    }
    // left0 = p[r - k] (row y's left operand), right1 = p[r + 1 + k] (row y + 1's right).
    let mut left0 = p[0];
    let mut right1 = p[2 * r + 1];
    for k in (1..=r).rev() {
        let right0 = &p[r + k];
        let left1 = &p[r + 1 - k];
        let wk = w[k];
        for j in 0..STRIP {
            acc0[j] += (left0[j] + right0[j]) * wk;
            acc1[j] += (left1[j] + right1[j]) * wk;
        }
        left0 = *left1;
        right1 = *right0;
    }
    (acc0, acc1)
}

/// Axis 1: for each row, build the extended line `line[j] = src[ext_index[j]]` (per channel;
/// `cval` where the index is `usize::MAX`) of `width + 2r` pixels, then correlate contiguous
/// slices of it: `out = line[r..] * w0`, `out += (line[r-k..] + line[r+k..]) * w[k]` for
/// `k = r ..= 1`.
#[multiversion::multiversion(targets = "simd")]
pub(super) fn horizontal_pass(
    src: &[f64],
    dst: &mut [f64],
    channels: usize,
    half: &[f64],
    ext_index: &[usize],
    cval: f64,
    line: &mut Vec<f64>,
) {
    let r = half.len().saturating_sub(1);
    let width = ext_index.len().saturating_sub(2 * r);
    let row_len = width * channels;
    if row_len == 0 || half.is_empty() {
        return;
    }
    line.clear();
    line.resize(ext_index.len() * channels, cval);
    let rc = r * channels;
    let span = 2 * rc + HSTRIP;
    // A strip is interior when all its taps lie inside the row: it reads the row directly.
    // The others (and the tail) read the extended line, whose middle is the row itself; only
    // the parts of it those strips read, `row[..lo_end]` and `row[hi_start..]`, are copied.
    let interior = |x0: usize| x0 >= rc && x0 + HSTRIP + rc <= row_len;
    let full = row_len - row_len % HSTRIP;
    let (mut lo_end, mut hi_start) = (0, row_len);
    for x0 in (0..full).step_by(HSTRIP).filter(|&x0| !interior(x0)) {
        if x0 < rc {
            lo_end = lo_end.max(x0 + HSTRIP + rc);
        } else {
            hi_start = hi_start.min(x0 - rc);
        }
    }
    if full < row_len {
        hi_start = hi_start.min(full.saturating_sub(rc));
    }
    let lo_end = lo_end.min(hi_start).min(row_len);
    for (src_row, out) in src.chunks_exact(row_len).zip(dst.chunks_exact_mut(row_len)) {
        line[rc..][..lo_end].copy_from_slice(&src_row[..lo_end]);
        line[rc + hi_start..][..row_len - hi_start].copy_from_slice(&src_row[hi_start..]);
        // Only the 2r edge pixels need the boundary map (cval positions keep the value
        // written by `resize`).
        let edges = ext_index[..r].iter().enumerate().chain(
            ext_index[r + width..]
                .iter()
                .enumerate()
                .map(|(j, i)| (j + r + width, i)),
        );
        for (j, &i) in edges {
            if i < width {
                for ch in 0..channels {
                    line[j * channels + ch] = src_row[i * channels + ch];
                }
            }
        }
        let line: &[f64] = line;
        let mut strips = out.chunks_exact_mut(HSTRIP);
        for (s, o) in (&mut strips).enumerate() {
            let x0 = s * HSTRIP;
            // `at(m)` is the strip of samples at tap offset `m - r`.
            let seg = if interior(x0) {
                &src_row[x0 - rc..][..span]
            } else {
                &line[x0..][..span]
            };
            let at =
                |m: usize| -> &[f64; HSTRIP] { seg[m * channels..][..HSTRIP].try_into().unwrap() };
            o.copy_from_slice(&strip(at(r), half, |k| (at(r - k), at(r + k))));
        }
        let tail = strips.into_remainder();
        if !tail.is_empty() {
            let x0 = row_len - tail.len();
            correlate_slices(
                tail,
                &line[rc + x0..],
                half,
                |k| &line[(r - k) * channels + x0..],
                |k| &line[(r + k) * channels + x0..],
            );
        }
    }
}
