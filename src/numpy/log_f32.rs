//! `np.log` on float32, bit for bit.
//!
//! numpy does not take float32 logarithms from the C library on x86-64 CPUs with AVX2 and FMA3
//! (or AVX512F): its own vector routine (`simd_log_FLOAT` in
//! `numpy/_core/src/umath/loops_exponent_log.dispatch.c.src`) computes them, and differs from
//! glibc's `logf` on about a quarter of the inputs. The routine, per value:
//!
//! ```text
//! x = m · 2^e with m in [0.5, 1)          (getmant / getexp + 1)
//! if m <= 1/√2: m = 2m, e = e - 1
//! r = m - 1
//! log = fma(e, ln 2, P(r) / Q(r))          P, Q: degree-5 polynomials in Horner form with FMAs
//! ```
//!
//! with NaN for NaN, −NaN for negative inputs, −∞ for zeros and +∞ for +∞. Its AVX2 and AVX-512
//! versions do the same operations (every one correctly rounded: FMAs, a division, exact
//! exponent and mantissa extraction), so one scalar port reproduces both. Without AVX2 and FMA3
//! numpy calls `logf`, and so does [`numpy_log_f32`].

/// The numerator's coefficients `P0..P5` (`NPY_COEFF_P*_LOGf`, `npy_simd_data.h`), spelled as
/// numpy spells them (rounded to float32 alike).
#[allow(clippy::excessive_precision)]
const P: [f32; 6] = [
    0.000000000000000000000e+00,
    9.999999999999998702752e-01,
    2.112677543073053063722e+00,
    1.480000633576506585156e+00,
    3.808837741388407920751e-01,
    2.589979117907922693523e-02,
];
/// The denominator's coefficients `Q0..Q5`.
#[allow(clippy::excessive_precision)]
const Q: [f32; 6] = [
    1.000000000000000000000e+00,
    2.612677543073109236779e+00,
    2.453006071784736363091e+00,
    9.864942958519418960339e-01,
    1.546476374983906719538e-01,
    5.875095403124574342950e-03,
];

/// numpy's float32 `log` routine (see the module docs), on any CPU.
pub fn log_f32_simd(x: f32) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    if x < 0.0 {
        return -f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x == f32::INFINITY {
        return f32::INFINITY;
    }
    let (mut m, mut e) = frexp(x);
    if m <= std::f32::consts::FRAC_1_SQRT_2 {
        m += m;
        e -= 1.0;
    }
    let r = m - 1.0;
    let horner = |c: &[f32; 6]| {
        let mut acc = c[5].mul_add(r, c[4]);
        for k in (0..4).rev() {
            acc = acc.mul_add(r, c[k]);
        }
        acc
    };
    let poly = horner(&P) / horner(&Q);
    e.mul_add(std::f32::consts::LN_2, poly)
}

/// `x = m · 2^e` with `m` in `[0.5, 1)`, for finite positive `x` (subnormals included), `e` as
/// a float (what `getmant` and `getexp + 1` give).
fn frexp(x: f32) -> (f32, f32) {
    let bits = x.to_bits();
    let biased = (bits >> 23) & 0xff;
    if biased == 0 {
        // Subnormal: scale into the normal range first (exact).
        let (m, e) = frexp(x * f32::from_bits(0x4b80_0000)); // 2^24
        return (m, e - 24.0);
    }
    let m = f32::from_bits((bits & 0x807f_ffff) | 0x3f00_0000);
    (m, biased as f32 - 126.0)
}

/// The float32 `log` numpy's ufunc uses on this CPU: [`log_f32_simd`] with AVX2 and FMA3 (or
/// AVX512F), the C library's `logf` otherwise.
pub fn numpy_log_f32() -> fn(f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        let simd = is_x86_feature_detected!("avx512f")
            || (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"));
        if simd {
            return log_f32_simd;
        }
    }
    f32::ln
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `np.log(x)` for float32 `x` on an AVX-512 machine (numpy 2.4.6), bit patterns, from
    /// `x = np.float32([...]); np.log(x).view(np.uint32)`.
    #[test]
    fn matches_numpy() {
        for (x, want) in CASES {
            let got = log_f32_simd(f32::from_bits(x));
            assert_eq!(got.to_bits(), want, "log({})", f32::from_bits(x));
        }
    }

    #[test]
    fn special_values() {
        assert!(log_f32_simd(f32::NAN).is_nan());
        assert!(log_f32_simd(-1.0).is_nan());
        assert_eq!(log_f32_simd(0.0), f32::NEG_INFINITY);
        assert_eq!(log_f32_simd(-0.0), f32::NEG_INFINITY);
        assert_eq!(log_f32_simd(f32::INFINITY), f32::INFINITY);
        assert_eq!(log_f32_simd(1.0), 0.0);
    }

    /// The first 30 inputs of a random sample where numpy and glibc's `logf` differ, subnormals,
    /// the largest float, values around 1/√2 and 1, and a few more.
    const CASES: [(u32, u32); 45] = [
        (0x3f386730, 0xbea7f6a0),
        (0x3f2ba3c2, 0xbeccaff7),
        (0x3f6504f1, 0xbde4168e),
        (0x3f311edc, 0xbebc97f8),
        (0x3f2fbe86, 0xbec0966f),
        (0x3f7d2600, 0xbc378628),
        (0x3f3f87c9, 0xbe948c09),
        (0x3f2dc82a, 0xbec65633),
        (0x3e87f5bb, 0xbfa9b937),
        (0x3f71d0f6, 0xbd697815),
        (0x3f4eb132, 0xbe5b14e2),
        (0x3f6d7134, 0xbd9a1e5d),
        (0x3f403dc3, 0xbe92a679),
        (0x3edb2ec5, 0xbf5931fe),
        (0x3f76ffc2, 0xbd129b9d),
        (0x3f7311ba, 0xbd544cd4),
        (0x3ea73e00, 0xbf8f3784),
        (0x3eb6ec10, 0xbf83beee),
        (0x3f6895c2, 0xbdc4729e),
        (0x3f6def99, 0xbd95dd4e),
        (0x3f6ebe94, 0xbd8eeac5),
        (0x3f40fe08, 0xbe90a765),
        (0x3ce7e302, 0xc0642376),
        (0x3f78376d, 0xbcfcefcf),
        (0x3f4cf643, 0xbe63b083),
        (0x3f4e9e72, 0xbe5b71cc),
        (0x3ec695ac, 0xbf7275be),
        (0x3f5d1114, 0xbe163be9),
        (0x3f3f435d, 0xbe954311),
        (0x3f368672, 0xbead3441),
        (0x000116c2, 0xc2b834f2),
        (0x0020aac8, 0xc2b16788),
        (0x007f66d7, 0xc2aeaeb6),
        (0x7f7fc99e, 0x42b171ab),
        (0x3f3504f3, 0xbeb17218),
        (0x3f3504f4, 0xbeb17215),
        (0x3f800001, 0x33fffffe),
        (0x3f7fffff, 0xb3800001),
        (0x40000000, 0x3f317218),
        (0x0da24260, 0xc28a27b5),
        (0x3ed583e8, 0xbf5fe6db),
        (0x3f386730, 0xbea7f6a0),
        (0x38efdc83, 0xc111376b),
        (0x4955b7cc, 0x415aeb35),
        (0x49149357, 0x41551a0d),
    ];
}
