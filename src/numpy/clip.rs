//! `np.clip` for float64, with numpy's NaN rules.

/// `np.clip(v, lo, hi)` for float64: `_NPY_MIN(_NPY_MAX(v, lo), hi)`, where
/// `_NPY_MAX(a, b) = isnan(a) ? a : (a > b ? a : b)` (and likewise for min). NaN in `v`, `lo`
/// or `hi` propagates exactly as in numpy.
#[inline(always)]
pub(crate) fn np_clip(v: f64, lo: f64, hi: f64) -> f64 {
    let m = if v.is_nan() || v > lo { v } else { lo };
    if m.is_nan() || m < hi {
        m
    } else {
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_is_np_clip() {
        // np.clip([0.5, nan, 2, -1], lo, hi) for several (lo, hi)
        let nan = f64::NAN;
        assert_eq!(np_clip(-1.0, 0.0, 1.0), 0.0);
        assert_eq!(np_clip(2.0, 0.0, 1.0), 1.0);
        assert_eq!(np_clip(0.5, 0.0, 1.0), 0.5);
        assert_eq!(np_clip(-0.0, 0.0, 1.0).to_bits(), 0.0_f64.to_bits());
        assert!(np_clip(nan, 0.0, 1.0).is_nan());
        assert!(np_clip(0.5, nan, 1.0).is_nan());
        assert!(np_clip(0.5, 0.0, nan).is_nan());
        // lo > hi: numpy gives hi.
        assert_eq!(np_clip(0.5, 1.0, 0.0), 0.0);
        assert_eq!(np_clip(2.0, 1.0, 0.0), 0.0);
    }
}
