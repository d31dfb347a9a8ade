//! scikit-image's CLAHE on one gray channel (`skimage/exposure/_adapthist.py`), in the
//! original image's coordinates (scikit-image pads the image and cuts it into blocks; the same
//! samples, regions and blocks are addressed here through index maps, without the copies):
//!
//! 1. `u = img_as_uint(image)`: `rint(x * 65535)` clipped to `[0, 65535]` (an error outside
//!    [-1, 1]); then `rescale_intensity(u, out_range=(0, 16383))`, rounded half to even: a
//!    self-stretch to 14 bits (`min(u, 16383)` for a constant image).
//! 2. Bins `v // (1 + 16384 // nbins)`.
//! 3. Regions of `k0 × k1` samples from the image's origin, `ceil(h / k0) × ceil(w / k1)` of
//!    them, the last ones reading past the edge through numpy's `reflect` padding (scipy's
//!    `mirror`); each one's histogram clipped at `clim = int(max(clip_limit * k0 * k1, 1))`
//!    (`k0 * k1` if `clip_limit <= 0`) with the excess redistributed ([`clip_histogram`]), then
//!    mapped: `trunc(min(cumsum * (16383 / (k0 * k1)), 16383))`.
//! 4. Each sample blends the maps of the four regions around it: with `p = y + k0 // 2`, block
//!    `b = p // k0` and `fr = (p % k0) / k0` (the same for columns), regions `clamp(b - 1)` and
//!    `clamp(b)` weigh `1 - fr` and `fr`; the four terms `f32(map * (wcol * wrow))` are summed
//!    in float32 in the order (0, 0), (0, 1), (1, 0), (1, 1), and the sum truncated to u16.
//! 5. `rescale_intensity` of the result to [0, 1]: `(r - min) / (max - min)`, or `clip(r, 0, 1)`
//!    when it is constant.

use crate::ops::boundary::BoundaryMode;

/// The levels CLAHE works with (`NR_OF_GRAY`).
const GRAY: usize = 1 << 14;

/// Past this many region-map entries (regions × bins) the image is refused rather than given
/// that much memory.
const MAX_MAP_ENTRIES: usize = 1 << 26;
/// Past this many samples in the regions (the image with its padding) likewise.
const MAX_REGION_SAMPLES: usize = 1 << 31;

/// Working memory, kept from image to image.
#[derive(Default)]
pub struct ClaheScratch {
    bins: Vec<u16>,
    maps: Vec<u16>,
    hist: Vec<i64>,
    rows: Vec<usize>,
    cols: Vec<usize>,
    out: Vec<u16>,
}

/// The parameters of one CLAHE run.
#[derive(Clone, Copy, Debug)]
pub struct Clahe {
    /// `[k0, k1]`, each at least 1.
    pub kernel: [usize; 2],
    pub clip_limit: f64,
    pub nbins: usize,
}

impl Clahe {
    /// CLAHE of the `h × w` gray samples `data`, in place (results in [0, 1]).
    pub fn apply(
        &self,
        data: &mut [f64],
        (h, w): (usize, usize),
        s: &mut ClaheScratch,
    ) -> Result<(), String> {
        if data.is_empty() {
            return Ok(());
        }
        let [k0, k1] = self.kernel;
        let (nr0, nr1) = (h.div_ceil(k0), w.div_ceil(k1));
        let regions = nr0 * nr1;
        if regions.saturating_mul(self.nbins) > MAX_MAP_ENTRIES
            || (nr0 * k0).saturating_mul(nr1 * k1) > MAX_REGION_SAMPLES
        {
            return Err(format!(
                "kernel_size [{k0}, {k1}] with nbins = {} needs too much memory for a {h}×{w} \
                 image",
                self.nbins
            ));
        }
        quantize(data, &mut s.bins, self.nbins)?;
        // The source row (column) of each row (column) the regions read.
        s.rows.clear();
        s.rows
            .extend((0..nr0 * k0).map(|p| mirror(p, h)));
        s.cols.clear();
        s.cols
            .extend((0..nr1 * k1).map(|p| mirror(p, w)));
        let ke = k0 * k1;
        let clim = if self.clip_limit > 0.0 {
            (self.clip_limit * ke as f64).max(1.0) as i64
        } else {
            ke as i64
        };
        let nbins = self.nbins;
        s.maps.clear();
        s.maps.resize(regions * nbins, 0);
        s.hist.resize(nbins, 0);
        let scale = (GRAY - 1) as f64 / ke as f64;
        for r0 in 0..nr0 {
            for r1 in 0..nr1 {
                s.hist.iter_mut().for_each(|c| *c = 0);
                for &y in &s.rows[r0 * k0..(r0 + 1) * k0] {
                    let row = &s.bins[y * w..(y + 1) * w];
                    for &x in &s.cols[r1 * k1..(r1 + 1) * k1] {
                        s.hist[row[x] as usize] += 1;
                    }
                }
                clip_histogram(&mut s.hist, clim);
                let map = &mut s.maps[(r0 * nr1 + r1) * nbins..][..nbins];
                let mut cum = 0i64;
                for (m, &c) in map.iter_mut().zip(&s.hist) {
                    cum += c;
                    let v = (cum as f64 * scale + 0.0).min((GRAY - 1) as f64);
                    *m = v as u16;
                }
            }
        }
        self.interpolate((h, w), (nr0, nr1), s);
        // rescale_intensity(result) to [0, 1].
        let (lo, hi) = s
            .out
            .iter()
            .fold((u16::MAX, 0u16), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (lo, hi) = (f64::from(lo), f64::from(hi));
        for (x, &r) in data.iter_mut().zip(&s.out) {
            let r = f64::from(r);
            *x = if lo != hi {
                ((r - lo) / (hi - lo)) * 1.0 + 0.0
            } else {
                r.clamp(0.0, 1.0)
            };
        }
        Ok(())
    }

    /// Step 4, into `s.out`.
    fn interpolate(&self, (h, w): (usize, usize), (nr0, nr1): (usize, usize), s: &mut ClaheScratch) {
        let [k0, k1] = self.kernel;
        let nbins = self.nbins;
        // Per column: the two regions and their weights.
        let cols: Vec<(usize, usize, f64, f64)> = (0..w)
            .map(|x| {
                let p = x + k1 / 2;
                let b = p / k1;
                let f = (p % k1) as f64 / k1 as f64;
                (b.saturating_sub(1).min(nr1 - 1), b.min(nr1 - 1), 1.0 - f, f)
            })
            .collect();
        s.out.clear();
        s.out.resize(h * w, 0);
        for y in 0..h {
            let p = y + k0 / 2;
            let b = p / k0;
            let f = (p % k0) as f64 / k0 as f64;
            let (ra, rb, wa, wb) = (b.saturating_sub(1).min(nr0 - 1), b.min(nr0 - 1), 1.0 - f, f);
            let row_a = &s.maps[ra * nr1 * nbins..(ra + 1) * nr1 * nbins];
            let row_b = &s.maps[rb * nr1 * nbins..(rb + 1) * nr1 * nbins];
            let bins = &s.bins[y * w..(y + 1) * w];
            let out = &mut s.out[y * w..(y + 1) * w];
            for ((o, &bin), &(ca, cb, va, vb)) in out.iter_mut().zip(bins).zip(&cols) {
                let bin = bin as usize;
                let m = |row: &[u16], c: usize| f64::from(row[c * nbins + bin]);
                let mut acc = 0.0f32;
                acc += (m(row_a, ca) * (va * wa)) as f32;
                acc += (m(row_a, cb) * (vb * wa)) as f32;
                acc += (m(row_b, ca) * (va * wb)) as f32;
                acc += (m(row_b, cb) * (vb * wb)) as f32;
                *o = acc as u16;
            }
        }
    }
}

/// numpy's `reflect` padding (scipy's `mirror`): the source index of position `p`.
fn mirror(p: usize, n: usize) -> usize {
    BoundaryMode::Mirror
        .map_index(p as isize, n)
        .unwrap_or(0)
}

/// Steps 1 and 2: the bins of the 14-bit levels, into `bins`.
fn quantize(data: &[f64], bins: &mut Vec<u16>, nbins: usize) -> Result<(), String> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for &x in data {
        if x.is_nan() {
            return Err("equalize_adapthist: the image has NaN samples".into());
        }
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if lo < -1.0 || hi > 1.0 {
        return Err(format!(
            "equalize_adapthist takes float images between -1 and 1, and this one spans \
             [{lo}, {hi}] (scikit-image: images of type float must be between -1 and 1)"
        ));
    }
    // img_as_uint: rint(x * 65535), clipped to [0, 65535].
    let to_uint = |x: f64| (x * 65535.0).round_ties_even().clamp(0.0, 65535.0);
    let (umin, umax) = (to_uint(lo), to_uint(hi));
    let bin_size = (1 + GRAY / nbins) as u16;
    bins.clear();
    bins.extend(data.iter().map(|&x| {
        let u = to_uint(x);
        let v = if umin != umax {
            (((u - umin) / (umax - umin)) * (GRAY - 1) as f64 + 0.0).round_ties_even()
        } else {
            u.min((GRAY - 1) as f64)
        };
        v as u16 / bin_size
    }));
    Ok(())
}

/// scikit-image's `clip_histogram`, in its integer arithmetic: the excess over `clim` is
/// spread evenly, then one by one over the bins still below `clim`.
pub fn clip_histogram(hist: &mut [i64], clim: i64) {
    let nbins = hist.len() as i64;
    let mut excess = 0i64;
    for h in hist.iter_mut().filter(|h| **h > clim) {
        excess += *h - clim;
        *h = clim;
    }
    let incr = excess.div_euclid(nbins);
    let upper = clim - incr;
    let mut low = 0i64;
    for h in hist.iter_mut().filter(|h| **h < upper) {
        *h += incr;
        low += 1;
    }
    excess -= low * incr;
    for h in hist.iter_mut().filter(|h| **h >= upper && **h < clim) {
        excess += *h - clim;
        *h = clim;
    }
    while excess > 0 {
        let before = excess;
        for index in 0..hist.len() {
            let under = hist.iter().filter(|&&h| h < clim).count() as i64;
            let step = (under.div_euclid(excess)).max(1) as usize;
            let mut added = 0;
            for h in hist[index..].iter_mut().step_by(step) {
                if *h < clim {
                    *h += 1;
                    added += 1;
                }
            }
            excess -= added;
            if excess <= 0 {
                break;
            }
        }
        if before == excess {
            break;
        }
    }
}
