//! glibc's `log` on eight values at a time, bit for bit.
//!
//! numpy's polar method takes `log(r2)` from the C library, so the noise is only identical to
//! numpy's if every logarithm is glibc's. glibc's `log` (2.28 and later, from ARM's
//! optimized-routines, `sysdeps/ieee754/dbl-64/e_log.c`) is a table lookup plus a short
//! polynomial: plain arithmetic that a vector unit can repeat exactly. On x86-64 with FMA,
//! glibc runs its FMA build (`__log_fma`), whose operations, fusions included, are:
//!
//! ```text
//! tmp = ix - 0x3fe6000000000000        (ix = the bits of x)
//! i = (tmp >> 45) % 128;  k = tmp >> 52 (arithmetic);  z = from_bits(ix - (tmp & 0xfff << 52))
//! r  = fma(z, INVC[i], -1.0)           w  = fma(k, LN2HI, LOGC[i])
//! hi = w + r                           lo = fma(k, LN2LO, (w - hi) + r)
//! r2 = r * r                           r3 = r * r2
//! y  = fma(r3, fma(fma(r, A4, A3), r2, fma(r, A2, A1)), fma(r2, A0, lo)) + hi
//! ```
//!
//! for `x` outside `[0x3fee000000000000, 0x3ff1090000000000)`. Near 1, in that range, it
//! takes a longer polynomial and splits `r` in two halves instead of the table:
//!
//! ```text
//! r  = x - 1.0                         r2 = r * r                 r3 = r * r2
//! p  = fma(fma(fma(r3, B10, fma(r2, B9, fma(r, B8, B7))), r3, fma(r2, B6, fma(r, B5, B4))),
//!          r3, fma(r2, B3, fma(r, B2, B1)))
//! rhi = fnma(2^27, r, fma(r, 2^27, r))  rlo = r - rhi            s  = rhi * rhi
//! hi = fma(s, B0, r)                   lo = fma(s, B0, r - hi)
//! lo = fma(B0 * rlo, r + rhi, lo)      y  = hi + fma(p, r3, lo)
//! ```
//!
//! (read off the same build: glibc 2.36's `__ieee754_log_fma`, where GCC also fused the
//! `r + w - w` of the source). Lanes with special inputs (zero, negative, subnormal, infinite,
//! NaN) go to the C library's `log`. The tables and constants are glibc's (`e_log_data.c`,
//! `N = 128`).
//!
//! The vector path is used only after a self-test has found it equal to the running machine's C
//! library `log` (a libm with another algorithm, or a CPU without AVX-512F and FMA, keeps the
//! scalar calls), so results never depend on it. Of the eight fused operations, only the one
//! in `r` changes results often when computed unfused (39 % of polar inputs); unfusing
//! `r2 * A0 + lo` or the final `r3 * q + ...` changes about 1 in 50 million, the other five
//! none in 200 million. The self-test includes inputs that expose each of those three
//! (`SENSITIVE`), and the tests compare 2 million polar-method inputs bit for bit.

use std::sync::OnceLock;

mod table;

/// `ln(2)` split into a high part with trailing zero bits and the rest.
const LN2HI: u64 = 0x3fe62e42fefa3800;
const LN2LO: u64 = 0x3d2ef35793c76730;
/// The polynomial's coefficients `A[0..5]` (for `log1p(r) - r`).
const A: [u64; 5] = [
    0xbfe0000000000001,
    0x3fd555555551305b,
    0xbfcfffffffeb4590,
    0x3fc999b324f10111,
    0xbfc55575e506c89f,
];
/// The near-1 polynomial's coefficients `B[0..11]` (for `log1p(r)`).
const B: [u64; 11] = [
    0xbfe0000000000000,
    0x3fd5555555555577,
    0xbfcffffffffffdcb,
    0x3fc999999995dd0c,
    0xbfc55555556745a7,
    0x3fc24924a344de30,
    0xbfbfffffa4423d65,
    0x3fbc7184282ad6ca,
    0xbfb999eb43b068ff,
    0x3fb78182f7afd085,
    0xbfb5521375d145cd,
];
/// `2^27`: the near-1 path splits `r` at this scale.
const SPLIT: u64 = 0x41a0000000000000;
/// `x` with bits in `LO .. LO + NEAR_ONE` takes glibc's near-1 path.
const LO: u64 = 0x3fee000000000000;
const NEAR_ONE: u64 = 0x3ff1090000000000 - 0x3fee000000000000;
/// The table's origin: `x` in `[OFF, 2 OFF)` looks up `(x - OFF) >> 45`.
const OFF: u64 = 0x3fe6000000000000;

/// Replaces every value of `v` by its natural logarithm, bit-identical to the C library's
/// `log` (`f64::ln`).
pub fn ln_in_place(v: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if vector_ok() {
        // SAFETY: `vector_ok` checked that the CPU has AVX-512F and FMA.
        unsafe { avx512::ln_in_place(v) };
        return;
    }
    ln_scalar(v);
}

/// The C library's `log` on every value.
fn ln_scalar(v: &mut [f64]) {
    for x in v {
        *x = x.ln();
    }
}

/// Whether the vector path runs: the CPU has it, and it equals the C library's `log` on the
/// self-test's inputs.
fn vector_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has_avx512_fma() {
            let inputs = self_test_inputs();
            let mut got = inputs.clone();
            // SAFETY: the CPU has AVX-512F and FMA (checked just above).
            unsafe { avx512::ln_in_place(&mut got) };
            return got
                .iter()
                .zip(&inputs)
                .all(|(g, x)| g.to_bits() == x.ln().to_bits());
        }
        false
    })
}

/// Polar-method inputs whose logarithm changes when one of the fused operations is computed
/// unfused: found by searching 200 million inputs with a scalar model of the main path
/// (`r`: 4 kept; `r3 * q + (...)`: 2 found; `r2 * A0 + lo`: 4 kept; the other three fusions
/// changed none). They make the self-test reject a libm that fuses differently.
const SENSITIVE: [u64; 10] = [
    0x3fe15f299e03c707,
    0x3fc920e333a7b2e9,
    0x3fe6993d4b4c4c02,
    0x3fea3127954a52f9,
    0x3fe0c03ddaf27f79,
    0x3fe5c20d1396e261,
    0x3fe5bfd4258e41d9,
    0x3fdd0936b97e8045,
    0x3fe34420e995c51d,
    0x3fe4df8d3204e8dc,
];

/// Inputs for the self-test: both ends of every table interval over the exponents that the
/// polar method produces, a spread of pseudo-random values in `(0, 1)` and in the near-1
/// range, the ends of that range, and the [`SENSITIVE`] ones.
fn self_test_inputs() -> Vec<f64> {
    let mut v = Vec::new();
    for e in 0x3c0u64..0x400 {
        for i in 0..128u64 {
            let mid = (e << 52) | (i << 45);
            v.extend([mid, mid + 1, mid + (1 << 45) - 1, mid + 0x0123_4567_89ab]);
        }
    }
    let mut next = stream(0x9e37_79b9_7f4a_7c15);
    for _ in 0..4096 {
        v.push(f64::to_bits(
            (next() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0),
        ));
    }
    // The near-1 range (6 % of polar inputs), densely: its own fused operations.
    for _ in 0..4096 {
        v.push(LO + next() % NEAR_ONE);
    }
    v.extend([
        LO - 1,
        LO,
        LO + NEAR_ONE,
        LO + NEAR_ONE + 1,
        1.0f64.to_bits(),
    ]);
    v.extend(SENSITIVE);
    v.into_iter()
        .map(f64::from_bits)
        .filter(|x| *x > 0.0)
        .collect()
}

/// xorshift64 from seed `s`: a cheap deterministic stream (for the self-test's inputs and the
/// tests').
fn stream(mut s: u64) -> impl FnMut() -> u64 {
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::table::{INVC, LOGC};
    use super::{A, B, LN2HI, LN2LO, LO, NEAR_ONE, OFF, SPLIT};
    use std::arch::x86_64::*;

    /// See [`super::ln_in_place`].
    ///
    /// # Safety
    ///
    /// The CPU must have AVX-512F and FMA.
    #[target_feature(enable = "avx512f,fma")]
    pub unsafe fn ln_in_place(v: &mut [f64]) {
        let c = |bits: u64| _mm512_set1_pd(f64::from_bits(bits));
        let (ln2hi, ln2lo) = (c(LN2HI), c(LN2LO));
        let a: [__m512d; 5] = A.map(c);
        let b: [__m512d; 11] = B.map(c);
        let split = c(SPLIT);
        let minus_one = _mm512_set1_pd(-1.0);
        let (chunks, rest) = v.as_chunks_mut::<8>();
        for x8 in chunks {
            let orig = *x8;
            // SAFETY: `x8` holds 8 f64.
            let x = unsafe { _mm512_loadu_pd(x8.as_ptr()) };
            let ix = _mm512_castpd_si512(x);
            let tmp = _mm512_sub_epi64(ix, _mm512_set1_epi64(OFF as i64));
            let i = _mm512_and_si512(_mm512_srli_epi64::<45>(tmp), _mm512_set1_epi64(127));
            let k = _mm512_srai_epi64::<52>(tmp);
            let iz = _mm512_sub_epi64(
                ix,
                _mm512_and_si512(tmp, _mm512_set1_epi64(0xfff0_0000_0000_0000u64 as i64)),
            );
            let z = _mm512_castsi512_pd(iz);
            // SAFETY: every index is in 0..128, inside both tables.
            let (invc, logc) = unsafe {
                (
                    _mm512_i64gather_pd::<8>(i, INVC.as_ptr().cast()),
                    _mm512_i64gather_pd::<8>(i, LOGC.as_ptr().cast()),
                )
            };
            // `k` is between -1023 and 1024: exact through 32 bits.
            let kd = _mm512_cvtepi32_pd(_mm512_cvtepi64_epi32(k));
            let r = _mm512_fmadd_pd(z, invc, minus_one);
            let w = _mm512_fmadd_pd(kd, ln2hi, logc);
            let hi = _mm512_add_pd(w, r);
            let lo = _mm512_fmadd_pd(kd, ln2lo, _mm512_add_pd(_mm512_sub_pd(w, hi), r));
            let r2 = _mm512_mul_pd(r, r);
            let r3 = _mm512_mul_pd(r, r2);
            let q = _mm512_fmadd_pd(
                _mm512_fmadd_pd(r, a[4], a[3]),
                r2,
                _mm512_fmadd_pd(r, a[2], a[1]),
            );
            let y = _mm512_add_pd(_mm512_fmadd_pd(r3, q, _mm512_fmadd_pd(r2, a[0], lo)), hi);
            let near = _mm512_cmplt_epu64_mask(
                _mm512_sub_epi64(ix, _mm512_set1_epi64(LO as i64)),
                _mm512_set1_epi64(NEAR_ONE as i64),
            );
            // About 6 % of polar inputs are near 1, so 40 % of vectors hold one.
            let y = if near != 0 {
                _mm512_mask_blend_pd(near, y, near_one(x, &b, split))
            } else {
                y
            };
            // SAFETY: `x8` holds 8 f64.
            unsafe { _mm512_storeu_pd(x8.as_mut_ptr(), y) };
            // Special lanes: glibc's other paths.
            let top = _mm512_srli_epi64::<48>(ix);
            let special = _mm512_cmpgt_epu64_mask(
                _mm512_sub_epi64(top, _mm512_set1_epi64(0x10)),
                _mm512_set1_epi64(0x7ff0 - 0x10 - 1),
            );
            let mut other = special;
            while other != 0 {
                let j = other.trailing_zeros() as usize;
                x8[j] = orig[j].ln();
                other &= other - 1;
            }
        }
        super::ln_scalar(rest);
    }

    /// glibc's near-1 path on eight lanes (see the module docs for the operations).
    #[inline]
    #[target_feature(enable = "avx512f,fma")]
    fn near_one(x: __m512d, b: &[__m512d; 11], split: __m512d) -> __m512d {
        let r = _mm512_sub_pd(x, _mm512_set1_pd(1.0));
        let r2 = _mm512_mul_pd(r, r);
        let r3 = _mm512_mul_pd(r, r2);
        let p2 = _mm512_fmadd_pd(r2, b[3], _mm512_fmadd_pd(r, b[2], b[1]));
        let p3 = _mm512_fmadd_pd(r2, b[6], _mm512_fmadd_pd(r, b[5], b[4]));
        let p = _mm512_fmadd_pd(
            r3,
            b[10],
            _mm512_fmadd_pd(r2, b[9], _mm512_fmadd_pd(r, b[8], b[7])),
        );
        let p = _mm512_fmadd_pd(_mm512_fmadd_pd(p, r3, p3), r3, p2);
        let rhi = _mm512_fnmadd_pd(split, r, _mm512_fmadd_pd(r, split, r));
        let rlo = _mm512_sub_pd(r, rhi);
        let s = _mm512_mul_pd(rhi, rhi);
        let hi = _mm512_fmadd_pd(s, b[0], r);
        let lo = _mm512_fmadd_pd(s, b[0], _mm512_sub_pd(r, hi));
        let lo = _mm512_fmadd_pd(_mm512_mul_pd(b[0], rlo), _mm512_add_pd(r, rhi), lo);
        _mm512_add_pd(hi, _mm512_fmadd_pd(p, r3, lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_equals_libm(inputs: &[f64]) {
        let mut got = inputs.to_vec();
        ln_in_place(&mut got);
        for (g, x) in got.iter().zip(inputs) {
            assert_eq!(g.to_bits(), x.ln().to_bits(), "ln({x:e}) = {g:e}");
        }
    }

    /// Millions of polar-method-like inputs (`x1² + x2²` of 53-bit uniforms in (-1, 1)), with
    /// every slice length remainder, equal the C library's `log` bit for bit.
    #[test]
    fn equals_libm_on_polar_inputs() {
        let mut next = stream(12345);
        let mut unit = || (next() >> 11) as f64 / 9_007_199_254_740_992.0 * 2.0 - 1.0;
        let mut inputs: Vec<f64> = Vec::new();
        while inputs.len() < 1 << 21 {
            let (a, b) = (unit(), unit());
            let r2 = a * a + b * b;
            if r2 < 1.0 && r2 != 0.0 {
                inputs.push(r2);
            }
        }
        for n in [0, 1, 7, 8, 9, 15, 17, inputs.len()] {
            assert_equals_libm(&inputs[..n]);
        }
    }

    /// Every table interval's ends, near 1, both sides of the near-1 range, tiny, huge,
    /// subnormal and special values (which take the C library's other paths).
    #[test]
    fn equals_libm_on_edges_and_specials() {
        let mut inputs = self_test_inputs();
        for e in [0u64, 1, 0x001, 0x3fe, 0x3ff, 0x400, 0x7fe] {
            for i in 0..128u64 {
                let mid = (e << 52) | (i << 45);
                inputs.extend([mid, mid + 1, mid + (1 << 45) - 1].map(f64::from_bits));
            }
        }
        let mut next = stream(99);
        inputs.extend((0..10_000).map(|_| f64::from_bits(LO + next() % (NEAR_ONE + 2))));
        inputs.extend((0..10_000).map(|_| f64::from_bits(next() >> 1)));
        inputs.extend([
            1.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::INFINITY,
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
        ]);
        let mut got = inputs.clone();
        ln_in_place(&mut got);
        for (g, x) in got.iter().zip(&inputs) {
            let want = x.ln();
            assert!(
                g.to_bits() == want.to_bits() || (g.is_nan() && want.is_nan()),
                "ln({x:e}) = {g:e}, want {want:e}"
            );
        }
    }

    /// The vector path is the one that runs where the CPU has it (the self-test passed).
    #[test]
    fn vector_path_is_taken_where_available() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(vector_ok(), crate::cpu::has_avx512_fma());
    }
}
