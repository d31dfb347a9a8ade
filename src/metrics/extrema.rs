//! `np.min` / `np.max` over a contiguous float64 array.
//!
//! numpy's `minimum.reduce` propagates NaN: one NaN sample makes the result NaN. Among equal
//! values (only `0.0` vs `-0.0` can be equal yet distinguishable) numpy's scalar loop keeps the
//! later element; we reproduce that rule, which matched numpy 2.4 in our checks. The bulk of
//! the work is an 8-lane pass that vectorises; the order-dependent tie rule is applied in a
//! second scalar pass only when the extremum is a zero.

/// Folds `a` with an 8-lane `pick` and a NaN flag; `None` if any sample is NaN.
#[inline(always)]
fn fold8(a: &[f64], pick: fn(f64, f64) -> f64) -> Option<f64> {
    let mut acc = [a[0]; 8];
    let mut nan = [false; 8];
    let mut chunks = a.chunks_exact(8);
    for c in &mut chunks {
        for j in 0..8 {
            acc[j] = pick(acc[j], c[j]);
            nan[j] |= c[j].is_nan();
        }
    }
    let mut m = acc[0];
    let mut any_nan = false;
    for j in 0..8 {
        m = pick(m, acc[j]);
        any_nan |= nan[j];
    }
    for &x in chunks.remainder() {
        m = pick(m, x);
        any_nan |= x.is_nan();
    }
    (!any_nan).then_some(m)
}

/// Sequential numpy tie rule: keep the accumulator only if it is strictly better.
fn last_of_ties(a: &[f64], better: fn(f64, f64) -> bool) -> f64 {
    let mut acc = a[0];
    for &x in &a[1..] {
        if !better(acc, x) {
            acc = x;
        }
    }
    acc
}

/// `np.min(a)`; NaN if `a` is empty or contains NaN.
pub(crate) fn min(a: &[f64]) -> f64 {
    if a.is_empty() {
        return f64::NAN;
    }
    match fold8(a, |x, y| if y < x { y } else { x }) {
        None => f64::NAN,
        // ±0.0: which zero numpy returns depends on the order, see the module docs.
        Some(m) => {
            if m == 0.0 {
                last_of_ties(a, |acc, x| acc < x)
            } else {
                m
            }
        }
    }
}

/// `np.max(a)`; NaN if `a` is empty or contains NaN.
pub(crate) fn max(a: &[f64]) -> f64 {
    if a.is_empty() {
        return f64::NAN;
    }
    match fold8(a, |x, y| if y > x { y } else { x }) {
        None => f64::NAN,
        // ±0.0: which zero numpy returns depends on the order, see the module docs.
        Some(m) => {
            if m == 0.0 {
                last_of_ties(a, |acc, x| acc > x)
            } else {
                m
            }
        }
    }
}
