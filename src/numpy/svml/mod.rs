//! numpy's float64 `log`, `log2` and `power` on x86-64 CPUs with AVX512_SKX.
//!
//! On those CPUs numpy's Linux wheels take these ufuncs from Intel SVML (`__svml_log8_ha`,
//! `__svml_log28_ha`, `__svml_pow8_ha`; `loops_umath_fp.dispatch.c.src` and
//! `loops_exponent_log.dispatch.c.src`), which are not correctly rounded and differ from glibc's
//! (= Rust's) on a fraction of the inputs (`np.log` 0.3 %, `np.log2` 0.2 %, `np.power` 5 % of
//! values in [0, 1]), by an ulp. Elsewhere numpy calls the C library. This module calls the C
//! library everywhere (SVML's routines are not ported yet), so its results equal numpy's
//! without AVX512_SKX and are within an ulp of them with it.
//!
//! `np.power(x, y)` with a scalar `y` of -1, 0, 0.5, 1 or 2 never reaches SVML: numpy's loop
//! computes `1/x`, `1`, `sqrt(x)`, `x` and `x*x` ([`power_scalar`]).

/// `np.log` on float64 scalars (the C library's; see the module docs).
pub fn numpy_log() -> fn(f64) -> f64 {
    f64::ln
}

/// `np.log2(v)`, in place.
pub fn log2_in_place(v: &mut [f64]) {
    for x in v {
        *x = x.log2();
    }
}

/// `np.power(v, y)` for a scalar exponent `y`, in place.
pub fn power_scalar(v: &mut [f64], y: f64) {
    if let Some(f) = fast_power(y) {
        for x in v {
            *x = f(*x);
        }
        return;
    }
    for x in v {
        *x = x.powf(y);
    }
}

/// numpy's power loop with a scalar exponent: exponents with an exact shortcut.
fn fast_power(y: f64) -> Option<fn(f64) -> f64> {
    Some(if y == -1.0 {
        |x| 1.0 / x
    } else if y == 0.0 {
        |_| 1.0
    } else if y == 0.5 {
        f64::sqrt
    } else if y == 1.0 {
        |x| x
    } else if y == 2.0 {
        |x| x * x
    } else {
        return None;
    })
}

/// `np.power(b, v)` for a scalar base `b`, in place.
pub fn power_base(b: f64, v: &mut [f64]) {
    for x in v {
        *x = b.powf(*x);
    }
}
