//! The AVX-512 band passes: axis 1 through the panel kernel of axis 0 on transposed bands, and
//! one-channel images filtered a group of bands at a time with the result written back in
//! place.

use super::*;

/// Axis 1 through the panel kernel of axis 0, on AVX-512 machines: the image's lines (each
/// row, per channel) are taken in bands of [`STRIP`], transposed into an extended panel
/// (`p[r + x][i]` = sample `x` of line `i`, and the `2r` edge positions filled through
/// `ext_index` as in [`horizontal_pass`]), correlated by [`panel_strips`] with the four-row
/// kernel and transposed back. Each sample gets the operation sequence of [`strip`] on the same
/// operands as in [`horizontal_pass`], so the two are bit-identical. The transposes cost about
/// as much as the kernel saves at `r` ≈ 12; callers use it for longer kernels.
///
/// The panel takes `(w + 2r) * STRIP` samples: callers keep `r` near `w` or below.
#[cfg(target_arch = "x86_64")]
#[multiversion::multiversion(targets = "simd")]
pub(super) fn horizontal_bands(
    src: &[f64],
    dst: &mut [f64],
    (h, w, c): (usize, usize, usize),
    half: &[f64],
    ext_index: &[usize],
    cval: f64,
    [panel, out_panel]: [&mut Vec<f64>; 2],
) {
    let lines = h * c;
    let row_len = w * c;
    if lines == 0 || w == 0 || half.is_empty() || src.len() < lines * w {
        return;
    }
    let r = half.len() - 1;
    let p = aligned_strips(panel, w + 2 * r);
    let op = aligned_strips(out_panel, w);
    // Line `l` is channel `l % c` of row `l / c`: its sample `x` is `base(l) + x * c`.
    let base = |l: usize| (l / c) * row_len + l % c;
    for l0 in (0..lines).step_by(STRIP) {
        let nb = STRIP.min(lines - l0);
        let interior = &mut p[r..r + w];
        if c == 1 && nb == STRIP {
            transpose_in(&src[l0 * w..][..STRIP * w], w, interior);
        } else {
            for (i, l) in (l0..l0 + nb).enumerate() {
                let b = base(l);
                for (x, s) in interior.iter_mut().enumerate() {
                    s[i] = src[b + x * c];
                }
            }
            for s in interior.iter_mut() {
                s[nb..].fill(0.0);
            }
        }
        fill_edges(p, r, ext_index, cval);
        panel_strips(p, half, op.iter_mut(), true);
        if c == 1 {
            transpose_out(op, w, &mut dst[l0 * w..][..nb * w]);
        } else {
            for (i, l) in (l0..l0 + nb).enumerate() {
                let b = base(l);
                for (x, s) in op.iter().enumerate() {
                    dst[b + x * c] = s[i];
                }
            }
        }
    }
}

/// Full axis-0 panels copied together by [`gray_bands`] (each source row read in one run of
/// `COPY_PANELS * STRIP` samples).
pub(super) const COPY_PANELS: usize = 4;

/// The size of the bands of one group of [`gray_bands`] (as many bands of [`STRIP`] rows as fit,
/// at least one): about an L2 cache, so they stay there between the two passes. Larger groups
/// copy fewer boundary rows into the axis-0 panels (`2 r0` per group), but past the L2 the
/// passes over the bands slow down more than that saves (at 2048² one band per group beats
/// three to eight; at 1024², three beat one).
pub(super) const GROUP_BYTES: usize = 1 << 20;

/// Output groups of [`gray_bands`] held back (transposed, in cache) until the input rows they
/// replace are no longer read; past this delay the result goes to a second image buffer.
pub(super) const RING: usize = 4;

/// Both passes over a one-channel `h × w` image `data`, on AVX-512 machines, a group of bands at
/// a time (see [`GROUP_BYTES`]) and without an intermediate image: for each group, the axis-0
/// pass (column panels of the group's rows extended by `r0` above and below, copied into
/// `panel`) writes its results straight into the group's transposed bands, where band `b` holds
/// `w + 2r1` strips and strip `r1 + x`, lane `i` is the axis-0 result at row `32b + i`, column
/// `x` (each panel is computed 32 rows at a time into a tile, transposed into the band). The
/// axis-1 pass of [`horizontal_bands`] then fills each band's `2r1` edge strips and correlates
/// it into a slot of `ring` (still transposed). So the working set of a group stays in cache.
///
/// The result replaces `data` in place: a group's slot is transposed back into its rows once no
/// later group reads them (with `r0` up to a group's height, two groups later), so the image is
/// read once and written once, with no second image buffer. Where that takes more than [`RING`]
/// groups (`wrap` mode reads the top rows again at the bottom), the rows go to `spare` instead,
/// which is then swapped with `data`.
///
/// Before each group, `rows_read(data, k)` is called with the number of leading input samples
/// that group reads up to (all of them by the last group), so that a caller summing the input
/// does so just before the group copies those rows into its panels (which then find them in
/// cache). A sample is overwritten only once it lies more than 128 samples (numpy's pairwise
/// block) before the last count passed, so a pairwise sum advanced to that count has taken it
/// in. After each group's rows are written, `rows_done(out, n)` is called with the `n` output
/// rows finished so far (`out` is where they are).
///
/// Every sample gets the operations of [`vertical_pass`] then [`horizontal_pass`] on the same
/// operands, so the result is bit-identical to the two separate passes. Callers keep
/// `r0 <= 4h + 64` and `r1 <= 4w + 64`. `rows[p]` is the source row of extended row position
/// `p - r0` (`None`: cval) for `p < h + 2 r0` ([`GaussianScratch::cache_row_map`]).
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[multiversion::multiversion(targets = "simd")]
pub(super) fn gray_bands(
    data: &mut Vec<f64>,
    spare: &mut Vec<f64>,
    (h, w): (usize, usize),
    [half0, half1]: [&[f64]; 2],
    (rows, cval, cval_row): (&[Option<usize>], f64, &[f64]),
    ext_index: &[usize],
    [bands, panel, ring]: [&mut Vec<f64>; 3],
    mut rows_read: impl FnMut(&[f64], usize),
    mut rows_done: impl FnMut(&[f64], usize),
) {
    if h == 0 || w == 0 || half0.is_empty() || half1.is_empty() || data.len() != h * w {
        return;
    }
    let (r0, r1) = (half0.len() - 1, half1.len() - 1);
    assert_eq!(rows.len(), h + 2 * r0);
    let span = w + 2 * r1;
    let band_bytes = span * std::mem::size_of::<[f64; STRIP]>();
    let group_bands = (GROUP_BYTES / band_bytes).clamp(1, h.div_ceil(STRIP));
    let gr = group_bands * STRIP;
    let groups = h.div_ceil(gr);
    let release = write_back_schedule(rows, (h, w), gr, r0);
    let in_place = release.is_some();
    // Not in place, each group goes to `spare` as soon as it is computed.
    let release = release.unwrap_or_else(|| (0..groups).collect());
    if !in_place {
        // Every sample is overwritten, so the reused buffer is not cleared first.
        set_len(spare, h * w);
    }
    // Group `g` is computed while groups `release[g0] >= g` still wait in their slots.
    let nslots = release
        .iter()
        .enumerate()
        .map(|(g0, &g)| g - g0 + 1)
        .max()
        .unwrap_or(1);
    let t = aligned_strips(bands, group_bands * span);
    let slots = aligned_strips(ring, nslots * group_bands * w);
    let mut tile = [[0.0f64; STRIP]; STRIP];
    // The first group not yet written back.
    let mut next = 0;
    for g in 0..groups {
        let (y0, gh) = (g * gr, gr.min(h - g * gr));
        let nb = gh.div_ceil(STRIP);
        // The input samples read so far (the rows this group reads up to).
        let read_upto = input_rows_read(y0 + gh, r0, h) * w;
        {
            let src: &[f64] = data;
            rows_read(src, read_upto);
            let row = |p: Option<usize>| match p {
                Some(i) => &src[i * w..(i + 1) * w],
                None => cval_row,
            };
            // Extended rows y0 - r0 ..= y0 + gh - 1 + r0.
            let rows = &rows[y0..y0 + gh + 2 * r0];
            for x0 in (0..w).step_by(STRIP) {
                let pw = STRIP.min(w - x0);
                if pw == STRIP {
                    // The panels are copied [`COPY_PANELS`] at a time (panel `q` of a copy at
                    // `ps[q * m..]`), so each source row is read in one contiguous run.
                    let m = rows.len();
                    let q = x0 / STRIP % COPY_PANELS;
                    let x0c = x0 - q * STRIP;
                    let kn = ((w - x0c) / STRIP).min(COPY_PANELS);
                    let ps = aligned_strips(panel, kn * m);
                    if q == 0 {
                        for (j, &p) in rows.iter().enumerate() {
                            let run = row(p)[x0..x0 + kn * STRIP].as_chunks::<STRIP>().0;
                            for (k, s) in run.iter().enumerate() {
                                ps[k * m + j] = *s;
                            }
                        }
                    }
                    let p = &ps[q * m..(q + 1) * m];
                    for b in 0..nb {
                        // Rows past `h` in the last band keep stale values: their lanes are
                        // computed along axis 1 and never written back.
                        let n = STRIP.min(gh - b * STRIP);
                        panel_strips(&p[b * STRIP..], half0, tile[..n].iter_mut(), true);
                        let to = &mut t[b * span + r1 + x0..][..STRIP];
                        let tile = tile.as_flattened();
                        avx512::transpose(
                            tile,
                            STRIP,
                            to.as_flattened_mut(),
                            STRIP,
                            (STRIP, STRIP),
                        );
                    }
                } else {
                    // The last `pw < 32` columns, one output row at a time.
                    set_len(panel, rows.len() * pw);
                    for (d, &p) in panel.chunks_exact_mut(pw).zip(rows) {
                        d.copy_from_slice(&row(p)[x0..x0 + pw]);
                    }
                    let at = |j: usize| &panel[j * pw..(j + 1) * pw];
                    let out = &mut tile[0][..pw];
                    for y in 0..gh {
                        correlate_slices(
                            out,
                            at(y + r0),
                            half0,
                            |k| at(y + r0 - k),
                            |k| at(y + r0 + k),
                        );
                        let band = &mut t[y / STRIP * span + r1 + x0..][..pw];
                        for (s, &v) in band.iter_mut().zip(out.iter()) {
                            s[y % STRIP] = v;
                        }
                    }
                }
            }
        }
        let slot = &mut slots[g % nslots * group_bands * w..][..group_bands * w];
        for (b, op) in slot.chunks_exact_mut(w).take(nb).enumerate() {
            let p = &mut t[b * span..(b + 1) * span];
            fill_edges(p, r1, ext_index, cval);
            panel_strips(p, half1, op.iter_mut(), true);
        }
        // Write back, in order, every group whose rows no group still to come reads (and which
        // the input's sums have taken in).
        while next < groups && release[next] == g {
            let (y0, gh) = (next * gr, gr.min(h - next * gr));
            let out: &mut Vec<f64> = if in_place { data } else { spare };
            let slot = &slots[next % nslots * group_bands * w..][..group_bands * w];
            let rows_out = out[y0 * w..][..gh * w].chunks_mut(STRIP * w);
            for (op, band) in slot.chunks_exact(w).zip(rows_out) {
                transpose_out(op, w, band);
            }
            rows_done(out, y0 + gh);
            next += 1;
        }
    }
    if !in_place {
        std::mem::swap(data, spare);
    }
}

/// The input rows [`gray_bands`] has read once it has computed the output rows before `end`
/// (the axis-0 pass reads `r0` rows beyond them), and which the write-back schedule relies on.
#[cfg(target_arch = "x86_64")]
pub(super) fn input_rows_read(end: usize, r0: usize, h: usize) -> usize {
    (end + r0).min(h)
}

/// When [`gray_bands`] writes each group of `gr` output rows back into the image it reads:
/// `release[g0]` is the group after whose computation group `g0` is written, the first at which
/// no group still to come reads `g0`'s input rows (`rows` as in [`gray_bands`]) and the input's
/// pairwise sums, up to 128 samples behind the rows read, have taken them in; every group is
/// written by the last. `None` when some group would wait for [`RING`] groups or more (the
/// result then goes to a second buffer).
#[cfg(target_arch = "x86_64")]
pub(super) fn write_back_schedule(
    rows: &[Option<usize>],
    (h, w): (usize, usize),
    gr: usize,
    r0: usize,
) -> Option<Vec<usize>> {
    let groups = h.div_ceil(gr);
    let end = |g: usize| ((g + 1) * gr).min(h);
    // The last group reading each input row.
    let mut last_read = vec![0; h];
    for g in 0..groups {
        for &i in rows[g * gr..end(g) + 2 * r0].iter().flatten() {
            last_read[i] = g;
        }
    }
    let mut release = Vec::with_capacity(groups);
    for g in 0..groups {
        let read_upto = input_rows_read(end(g), r0, h) * w;
        while release.len() <= g {
            let g0 = release.len();
            let unread = last_read[g0 * gr..end(g0)].iter().all(|&l| l <= g);
            let summed = end(g0) * w + 128 <= read_upto;
            if !(unread && summed || g + 1 == groups) {
                break;
            }
            if g - g0 + 1 > RING {
                return None;
            }
            release.push(g);
        }
    }
    Some(release)
}

/// Fills the `2r` edge strips of a transposed band `p` of `w + 2r` strips (strip `r + x` holds
/// column `x`; `ext_index` has an entry per strip): each becomes a copy of the column
/// `ext_index` maps it to, or `cval` where it maps to none, as [`horizontal_pass`] extends its
/// lines.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn fill_edges(p: &mut [[f64; STRIP]], r: usize, ext_index: &[usize], cval: f64) {
    let span = ext_index.len();
    let w = span - 2 * r;
    for xe in (0..r).chain(r + w..span) {
        p[xe] = match ext_index[xe] {
            i if i < w => p[r + i],
            _ => [cval; STRIP],
        };
    }
}

/// `p[x][i] = band[i * w + x]`: the [`STRIP`] rows of `band` (each `w` long) as `w` strips.
#[cfg(target_arch = "x86_64")]
pub(super) fn transpose_in(band: &[f64], w: usize, p: &mut [[f64; STRIP]]) {
    let w8 = w - w % 8;
    avx512::transpose(band, w, p.as_flattened_mut(), STRIP, (STRIP, w8));
    for (x, s) in p.iter_mut().enumerate().take(w).skip(w8) {
        for (i, v) in s.iter_mut().enumerate() {
            *v = band[i * w + x];
        }
    }
}

/// `band[i * w + x] = p[x][i]` for the `n = band.len() / w` (at most [`STRIP`]) rows of `band`:
/// the inverse of [`transpose_in`], also for a band's partial last rows.
#[cfg(target_arch = "x86_64")]
pub(super) fn transpose_out(p: &[[f64; STRIP]], w: usize, band: &mut [f64]) {
    let n = band.len() / w;
    let (w8, n8) = (w - w % 8, n - n % 8);
    avx512::transpose(p.as_flattened(), STRIP, band, w, (w8, n8));
    // The rest, sample by sample: the last `w % 8` columns of the first `n8` rows, and the last
    // `n % 8` rows whole.
    for (i, row) in band.chunks_exact_mut(w).enumerate() {
        let from = if i < n8 { w8 } else { 0 };
        for (v, s) in row[from..].iter_mut().zip(&p[from..]) {
            *v = s[i];
        }
    }
}
