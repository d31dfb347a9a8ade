//! `np.clip`, `np.maximum` and `np.minimum` against a scalar, for float64 arrays, as numpy 2.x
//! computes them (its array loops, checked against numpy 2.4.6 for every length and position).
//!
//! They differ where a sample equals a bound up to the sign of zero: `clip` keeps the sample
//! (`np.clip(-0.0, 0.0, 1.0)` is `-0.0`), while `maximum` and `minimum` take their second
//! operand (`np.maximum(-0.0, 0.0)` is `0.0`). A NaN sample stays NaN in all three; a NaN bound
//! makes `clip` NaN.

/// `np.clip(v, lo, hi)`: `lo` if `v < lo`, `hi` if `v > hi`, else `v` (so `lo > hi` gives `hi`).
#[inline(always)]
pub fn np_clip(v: f64, lo: f64, hi: f64) -> f64 {
    if lo.is_nan() || hi.is_nan() {
        return f64::NAN;
    }
    let t = if v < lo { lo } else { v };
    if t > hi {
        hi
    } else {
        t
    }
}

/// `np.maximum(x, b)`: NaN propagates, ties go to `b`.
#[inline(always)]
pub fn np_maximum(x: f64, b: f64) -> f64 {
    if x.is_nan() || x > b {
        x
    } else {
        b
    }
}

/// `np.minimum(x, b)`: NaN propagates, ties go to `b`.
#[inline(always)]
pub fn np_minimum(x: f64, b: f64) -> f64 {
    if x.is_nan() || x < b {
        x
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As numpy 2.4.6 gives them, on arrays of any length:
    /// `np.clip(a, lo, hi)`, `np.maximum(a, b)`, `np.minimum(a, b)`.
    #[test]
    fn as_numpy() {
        let bits = |v: f64| v.to_bits();
        let nan = f64::NAN;
        assert_eq!(np_clip(-1.0, 0.0, 1.0), 0.0);
        assert_eq!(np_clip(2.0, 0.0, 1.0), 1.0);
        assert_eq!(np_clip(0.5, 0.0, 1.0), 0.5);
        assert_eq!(bits(np_clip(-0.0, 0.0, 1.0)), bits(-0.0));
        assert_eq!(bits(np_clip(0.0, -0.0, 1.0)), bits(0.0));
        assert_eq!(bits(np_clip(-0.0, -1.0, 0.0)), bits(-0.0));
        assert_eq!(bits(np_clip(0.0, -1.0, -0.0)), bits(0.0));
        assert!(np_clip(nan, 0.0, 1.0).is_nan());
        assert!(np_clip(0.5, nan, 1.0).is_nan());
        assert!(np_clip(0.5, 0.0, nan).is_nan());
        assert_eq!(np_clip(0.5, 1.0, 0.0), 0.0, "lo > hi gives hi");
        assert_eq!(np_clip(2.0, 1.0, 0.0), 0.0);
        assert_eq!(bits(np_maximum(-0.0, 0.0)), bits(0.0));
        assert_eq!(bits(np_maximum(0.0, -0.0)), bits(-0.0));
        assert_eq!(bits(np_minimum(-0.0, 0.0)), bits(0.0));
        assert_eq!(bits(np_minimum(0.0, -0.0)), bits(-0.0));
        assert!(np_maximum(nan, 0.0).is_nan() && np_minimum(nan, 0.0).is_nan());
    }
}
