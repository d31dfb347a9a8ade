//! `np.exp` on float64 exactly as numpy computes it on x86-64 CPUs with AVX512_SKX.
//!
//! Why: scipy builds the Gaussian kernel with `np.exp` (docs/exactness.md, "The `exp` problem").
//! On CPUs with the AVX512_SKX feature group, numpy built with `NPY_CAN_LINK_SVML` (Linux wheels;
//! checked with numpy 2.4.6) evaluates the float64 `exp` ufunc with Intel SVML's
//! `__svml_exp8_ha` (`simd_exp_f64` in numpy's
//! `numpy/_core/src/umath/loops_exponent_log.dispatch.c.src`; the SVML sources are vendored as the
//! `numpy/SVML` submodule, file `linux/avx512/svml_z0_exp_d_ha.s`). That routine is not correctly
//! rounded and differs from glibc's `exp` (= Rust's [`f64::exp`]) by one ulp on a few percent of
//! the inputs, which makes kernels — and variances of nearly flat blurred images — differ in the
//! last bits. [`exp_svml`] is a scalar port of that algorithm, operation for operation, so that
//! its results are bit-identical to numpy's on such machines.
//!
//! Provenance: the algorithm and the constants (transcribed from the routine's data section as
//! bit patterns) are those of numpy's vendored SVML `__svml_exp8_ha` and its scalar fallback
//! `__svml_dexp_ha_cout_rare_internal`; the code here is an independent Rust port.
//!
//! The main (vector) path, used for `|x| < 707.7032713517042` and NaN:
//! 1. `N = RZ(x·log2(e) + (1.5·2^48 + 1023)) − (1.5·2^48 + 1023)`: `x·log2(e)` rounded toward
//!    −∞ to a multiple of 1/16 (the hardware uses one FMA in round-toward-zero mode, emulated
//!    exactly here); `j = 16·N mod 16`, `M = ⌊N⌋`.
//! 2. `R = x − N·ln2_hi − N·ln2_lo` (two FMAs), masked so that `|R| < 2`.
//! 3. `p = ((c6·R + c5)·R² + c4·R + c3)·R² + c2·R + c1`, `p = p·R + Tlr[j]` (FMAs, Estrin-like).
//! 4. `exp(x) = 2^M · (Th[j]·p + Th[j])` (one FMA, then `vscalefpd`).
//!
//! Inputs with `|x| ≥ 707.70…` (and ±∞) take SVML's scalar "rare" path instead: overflow to
//! `+∞` above 709.78…, `0` below −745.13…, otherwise a 64-entry table method without FMAs that
//! rounds subnormal results carefully. Both paths are ported here.
//!
//! NaN inputs give the input NaN, quieted (as the hardware does).

/// `Th[j] = 2^(j/16)` rounded (the high part of the table).
const TH: [u64; 16] = [
    0x3ff0_0000_0000_0000,
    0x3ff0_b558_6cf9_890f,
    0x3ff1_72b8_3c7d_517b,
    0x3ff2_387a_6e75_6238,
    0x3ff3_06fe_0a31_b715,
    0x3ff3_dea6_4c12_3422,
    0x3ff4_bfda_d536_2a27,
    0x3ff5_ab07_dd48_5429,
    0x3ff6_a09e_667f_3bcd,
    0x3ff7_a114_73eb_0187,
    0x3ff8_ace5_422a_a0db,
    0x3ff9_c491_82a3_f090,
    0x3ffa_e89f_995a_d3ad,
    0x3ffc_199b_dd85_529c,
    0x3ffd_5818_dcfb_a487,
    0x3ffe_a4af_a2a4_90da,
];

/// `Tlr[j]`, the relative low part: `Th[j]·(1 + Tlr[j]) ≈ 2^(j/16)`.
const TLR: [u64; 16] = [
    0x0000_0000_0000_0000,
    0x3c97_9aa6_5d83_7b6d,
    0xbc80_1b15_eaa5_9348,
    0x3c96_8efd_e3a8_a894,
    0x3c83_4d75_4db0_abb6,
    0x3c85_9f48_a72a_4c6d,
    0x3c76_90ce_bb7a_afb0,
    0x3c90_63e1_e21c_5409,
    0xbc93_b3ef_bf5e_2228,
    0xbc7b_32dc_b94d_a51d,
    0x3c8d_b72f_c1f0_eab4,
    0x3c71_affc_2b91_ce27,
    0x3c8c_1a77_92cb_3387,
    0x3c73_6eae_30af_0cb3,
    0x3c74_a385_a63d_07a7,
    0xbc8f_f712_8fd3_91f0,
];

/// log2(e).
const LOG2E: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
/// ln(2), high part.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fefa_39ef);
/// ln(2), low part.
const LN2_LO: f64 = f64::from_bits(0x3c7a_bc9e_3b39_803f);
/// `vandpd` mask "ensure |R| < 2 even for special cases" (clears exponent bit 62).
const R_MASK: u64 = 0xbfff_ffff_ffff_ffff;
/// Polynomial coefficients `c6 … c1`.
const C6: f64 = f64::from_bits(0x3f57_4118_3694_0c04);
const C5: f64 = f64::from_bits(0x3f81_101c_bbc2_65c0);
const C4: f64 = f64::from_bits(0x3fa5_5557_242d_68fe);
const C3: f64 = f64::from_bits(0x3fc5_5555_5393_9732);
const C2: f64 = f64::from_bits(0x3fe0_0000_0000_d008);
const C1: f64 = f64::from_bits(0x3fef_ffff_ffff_ff70);
/// `|x|` at or above this (or ±∞) goes to the scalar rare path (`vcmppd` GE, ordered).
const RARE_THRESHOLD: f64 = f64::from_bits(0x4086_1da0_4cba_fe44);

/// Which float64 `exp` numpy's ufunc uses on this CPU, as a function: [`exp_svml`] when the CPU
/// has the AVX512_SKX feature group (AVX512F, AVX512CD, AVX512BW, AVX512DQ and AVX512VL, usable
/// by the OS — numpy's `X86_V4` dispatch target, whose `DOUBLE_exp` calls SVML), otherwise
/// [`f64::exp`] (glibc `exp`, which numpy calls through `npy_exp`). The answer is computed once
/// per process.
///
/// The environment variable `FLOWRUN_EXP` overrides the detection (read once, at the first
/// call): `FLOWRUN_EXP=libm` selects [`f64::exp`] and `FLOWRUN_EXP=svml` selects [`exp_svml`] on
/// any CPU (it is portable scalar code), e.g. to reproduce results made on another machine.
/// Unset, empty or `auto` means detection; other values are reported on stderr and ignored.
pub fn numpy_exp() -> fn(f64) -> f64 {
    if uses_svml() {
        exp_svml
    } else {
        f64::exp
    }
}

/// `np.exp(v)`, in place, with [`numpy_exp`]'s choice. The SVML port runs compiled for FMA
/// hardware where the CPU has it: `mul_add` rounds once either way, so the results are the
/// same, only faster than through the C library's `fma`.
pub fn exp_in_place(v: &mut [f64]) {
    if !uses_svml() {
        v.iter_mut().for_each(|x| *x = x.exp());
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("fma") && is_x86_feature_detected!("sse4.1") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { exp_svml_fma(v) };
        return;
    }
    v.iter_mut().for_each(|x| *x = exp_svml(*x));
}

/// [`exp_svml`] over `v`, with FMA and SSE4.1 instructions (`mul_add`, `floor`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma,sse4.1")]
unsafe fn exp_svml_fma(v: &mut [f64]) {
    v.iter_mut().for_each(|x| *x = exp_svml(*x));
}

/// Whether [`numpy_exp`] is [`exp_svml`]: `FLOWRUN_EXP`, else the CPU's features (numpy's
/// choice).
fn uses_svml() -> bool {
    static CHOICE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| {
        let forced = std::env::var("FLOWRUN_EXP").unwrap_or_default();
        match forced.trim().to_ascii_lowercase().as_str() {
            "libm" => false,
            "svml" => true,
            "" | "auto" => has_avx512_skx(),
            other => {
                eprintln!("flowrun: ignoring FLOWRUN_EXP={other:?} (expected libm, svml or auto)");
                has_avx512_skx()
            }
        }
    })
}

/// Whether the CPU (and OS) support numpy's AVX512_SKX group.
#[cfg(target_arch = "x86_64")]
fn has_avx512_skx() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512cd")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512vl")
}

/// Not x86-64: numpy never uses SVML.
#[cfg(not(target_arch = "x86_64"))]
fn has_avx512_skx() -> bool {
    false
}

/// `2^(j/64)` as (hi, lo) pairs for the rare path.
const TAB64: [u64; 128] = [
    0x3ff0_0000_0000_0000,
    0x0000_0000_0000_0000,
    0x3ff0_2c9a_3e77_8061,
    0xbc71_6013_9cd8_dc5d,
    0x3ff0_59b0_d315_8574,
    0x3c8c_d252_3567_f613,
    0x3ff0_8745_1875_9bc8,
    0x3c60_f74e_61e6_c861,
    0x3ff0_b558_6cf9_890f,
    0x3c97_9aa6_5d83_7b6d,
    0x3ff0_e3ec_32d3_d1a2,
    0x3c3e_be3d_702f_9cd1,
    0x3ff1_1301_d012_5b51,
    0xbc95_5652_2a2f_bd0e,
    0x3ff1_429a_aea9_2de0,
    0xbc91_c923_b9d5_f416,
    0x3ff1_72b8_3c7d_517b,
    0xbc80_1b15_eaa5_9348,
    0x3ff1_a35b_eb6f_cb75,
    0x3c8b_898c_3f13_53bf,
    0x3ff1_d487_3168_b9aa,
    0x3c9a_ecf7_3e3a_2f60,
    0x3ff2_063b_8862_8cd6,
    0x3c8a_6f41_44a6_c38d,
    0x3ff2_387a_6e75_6238,
    0x3c96_8efd_e3a8_a894,
    0x3ff2_6b45_65e2_7cdd,
    0x3c80_472b_981f_e7f2,
    0x3ff2_9e9d_f51f_dee1,
    0x3c82_f7e1_6d09_ab31,
    0x3ff2_d285_a6e4_030b,
    0x3c8b_3782_720c_0ab4,
    0x3ff3_06fe_0a31_b715,
    0x3c83_4d75_4db0_abb6,
    0x3ff3_3c08_b264_16ff,
    0x3c8f_dd39_5dd3_f84a,
    0x3ff3_71a7_373a_a9cb,
    0xbc92_4aed_cc4b_5068,
    0x3ff3_a7db_34e5_9ff7,
    0xbc71_d1e8_3e94_36d2,
    0x3ff3_dea6_4c12_3422,
    0x3c85_9f48_a72a_4c6d,
    0x3ff4_160a_21f7_2e2a,
    0xbc58_a78f_4817_895b,
    0x3ff4_4e08_6061_892d,
    0x3c43_63ed_60c2_ac11,
    0x3ff4_86a2_b5c1_3cd0,
    0x3c6e_cce1_daa1_0379,
    0x3ff4_bfda_d536_2a27,
    0x3c76_90ce_bb7a_afb0,
    0x3ff4_f9b2_769d_2ca7,
    0xbc8f_9434_0071_a38e,
    0x3ff5_342b_569d_4f82,
    0xbc78_dec6_bd0f_385f,
    0x3ff5_6f47_36b5_27da,
    0x3c93_3505_18fd_d78e,
    0x3ff5_ab07_dd48_5429,
    0x3c90_63e1_e21c_5409,
    0x3ff5_e76f_15ad_2148,
    0x3c94_32e6_2b64_c035,
    0x3ff6_247e_b03a_5585,
    0xbc8c_33c5_3bef_4da8,
    0x3ff6_6238_8255_2225,
    0xbc93_cedd_7856_5858,
    0x3ff6_a09e_667f_3bcd,
    0xbc93_b3ef_bf5e_2228,
    0x3ff6_dfb2_3c65_1a2f,
    0xbc63_67ef_b86d_a9ee,
    0x3ff7_1f75_e8ec_5f74,
    0xbc78_1f64_7e5a_3ecf,
    0x3ff7_5feb_5642_67c9,
    0xbc86_1932_1e55_e68a,
    0x3ff7_a114_73eb_0187,
    0xbc7b_32dc_b94d_a51d,
    0x3ff7_e2f3_36cf_4e62,
    0x3c65_ebe1_abd6_6c55,
    0x3ff8_2589_994c_ce13,
    0xbc93_69b6_f13b_3734,
    0x3ff8_68d9_9b44_92ed,
    0xbc94_d450_d872_576e,
    0x3ff8_ace5_422a_a0db,
    0x3c8d_b72f_c1f0_eab4,
    0x3ff8_f1ae_9915_7736,
    0x3c7b_f683_59f3_5f44,
    0x3ff9_3737_b0cd_c5e5,
    0xbc5d_a9b8_8b6c_1e29,
    0x3ff9_7d82_9fde_4e50,
    0xbc92_4343_22f4_f9aa,
    0x3ff9_c491_82a3_f090,
    0x3c71_affc_2b91_ce27,
    0x3ffa_0c66_7b5d_e565,
    0xbc87_c504_2262_2263,
    0x3ffa_5503_b23e_255d,
    0xbc91_bbd1_d3bc_bb15,
    0x3ffa_9e6b_5579_fdbf,
    0x3c84_6984_6e73_5ab3,
    0x3ffa_e89f_995a_d3ad,
    0x3c8c_1a77_92cb_3387,
    0x3ffb_33a2_b84f_15fb,
    0xbc55_c3d9_56dc_aeba,
    0x3ffb_7f76_f2fb_5e47,
    0xbc68_d6f4_38ad_9334,
    0x3ffb_cc1e_904b_c1d2,
    0x3c74_ffd7_0a5f_ddcd,
    0x3ffc_199b_dd85_529c,
    0x3c73_6eae_30af_0cb3,
    0x3ffc_67f1_2e57_d14b,
    0x3c84_e08f_d109_59ac,
    0x3ffc_b720_dcef_9069,
    0x3c67_6b2c_6c92_1968,
    0x3ffd_072d_4a07_897c,
    0xbc8f_ad5d_3fff_fa6f,
    0x3ffd_5818_dcfb_a487,
    0x3c74_a385_a63d_07a7,
    0x3ffd_a9e6_03db_3285,
    0x3c8e_5a50_d5c1_92ac,
    0x3ffd_fc97_337b_9b5f,
    0xbc82_d521_07b4_3e1f,
    0x3ffe_502e_e78b_3ff6,
    0x3c74_b604_603a_88d3,
    0x3ffe_a4af_a2a4_90da,
    0xbc8f_f712_8fd3_91f0,
    0x3ffe_fa1b_ee61_5a27,
    0x3c8e_c3bc_41aa_2008,
    0x3fff_5076_5b6e_4540,
    0x3c8a_64a9_31d1_85ee,
    0x3fff_a7c1_819e_90d8,
    0x3c77_893b_4d91_cd9d,
];

/// Rare path constants.
const R_INV_L: f64 = f64::from_bits(0x4057_1547_652b_82fe); // 64/ln2
const R_SHIFTER: f64 = f64::from_bits(0x4338_0000_0000_0000); // 1.5·2^52
const R_A2: f64 = f64::from_bits(0x3fe0_0000_0000_0000);
const R_A3: f64 = f64::from_bits(0x3fc5_5555_5555_48f8);
const R_A4: f64 = f64::from_bits(0x3fa5_5555_5555_8fcc);
const R_A5: f64 = f64::from_bits(0x3f81_1112_3aaf_20d3);
const R_A6: f64 = f64::from_bits(0x3f56_c16a_1c2a_3ffd);
const R_OVERFLOW: f64 = f64::from_bits(0x4086_2e42_fefa_39ef); // 709.78…
const R_SUBNORMAL: f64 = f64::from_bits(0xc086_232b_dd7a_bcd2); // −708.39…
const R_UNDERFLOW: f64 = f64::from_bits(0xc087_4910_d52d_3051); // −745.13…
const R_L_HI: f64 = f64::from_bits(0x3f86_2e42_fefa_0000); // ln2/64, high
const R_L_LO: f64 = f64::from_bits(0x3d1c_f79a_bc9e_3b3a); // ln2/64, low
const R_TINY: f64 = f64::from_bits(0x0010_0000_0000_0001);
const R_HUGE: f64 = f64::from_bits(0x7fef_ffff_ffff_ffff);
const R_TWO: f64 = f64::from_bits(0x4000_0000_0000_0000);
const R_TWO_M60: f64 = f64::from_bits(0x3c30_0000_0000_0000);
const R_SPLIT: f64 = f64::from_bits(0x41f8_0000_0000_0000); // 1.5·2^32

/// A double with biased exponent field `e` (low 11 bits) and zero mantissa: `2^(e − 1023)`.
#[inline]
fn pow2_field(e: u32) -> f64 {
    f64::from_bits(u64::from(e & 0x7ff) << 52)
}

/// `⌊a·b⌋` to a multiple of 1/16, of the *exact* product. SVML computes
/// `RZ(a·b + S) − S` with the shifter `S = 1.5·2^48 + 1023` (bits `0x42f8_0000_0000_3ff0`), one
/// FMA in round-toward-zero mode: as `a·b + S > 0` and `S` is an integer, that is this floor.
/// Requires `|a·b| < 2^47`.
#[inline]
fn floor16_of_product(a: f64, b: f64) -> f64 {
    let p = a * b;
    let pe = a.mul_add(b, -p); // a·b = p + pe exactly
    let f = (p * 16.0).floor() / 16.0;
    // If p is not a multiple of 1/16, the exact product lies on the same side of every multiple
    // as p (it rounds to p); otherwise the sign of the rounding error decides.
    if f == p && pe < 0.0 {
        f - 0.0625
    } else {
        f
    }
}

/// `np.exp(x)` for float64 as numpy computes it with SVML on AVX512_SKX CPUs
/// (`__svml_exp8_ha`), bit for bit. See the module docs.
#[inline]
pub fn exp_svml(x: f64) -> f64 {
    // vcmppd $29 (GE, ordered): NaN stays on the main path.
    if x.abs() >= RARE_THRESHOLD {
        return exp_rare(x);
    }
    if x.is_nan() {
        // The hardware propagates the (quieted) NaN through N into `vscalefpd`'s exponent
        // operand, which returns it. (Done explicitly: the `|R| < 2` mask would turn R = NaN
        // into 1.5.)
        return x + x;
    }
    // 2^(52-4)·1.5 + x·log2(e) in round-to-zero mode, then minus the shifter (exact).
    let n = floor16_of_product(x, LOG2E);
    let j = ((n * 16.0) as i64 & 15) as usize;
    let m = n.floor() as i32;
    // R = x − N·ln2_hi − N·ln2_lo (vfnmadd213pd, vfnmadd231pd).
    let r = (-n).mul_add(LN2_HI, x);
    let r = (-LN2_LO).mul_add(n, r);
    let r = f64::from_bits(r.to_bits() & R_MASK);
    let r2 = r * r;
    let p56 = C6.mul_add(r, C5);
    let p34 = C4.mul_add(r, C3);
    let p12 = C2.mul_add(r, C1);
    let p36 = r2.mul_add(p56, p34);
    let p16 = r2.mul_add(p36, p12);
    let p = p16.mul_add(r, f64::from_bits(TLR[j]));
    let th = f64::from_bits(TH[j]);
    let y = th.mul_add(p, th);
    scalef(y, m)
}

/// `y·2^m` rounded once (`vscalefpd`); `m ∈ [−1100, 1023]`.
#[inline]
fn scalef(y: f64, m: i32) -> f64 {
    if m >= -1022 {
        y * pow2_field((m + 1023) as u32)
    } else {
        // Exact first step (normal result), then a single rounding.
        y * pow2_field((m + 64 + 1023) as u32) * pow2_field(1023 - 64)
    }
}

/// SVML's scalar callout (`__svml_dexp_ha_cout_rare_internal`) for `|x| ≥ 707.70…`, ±∞ and NaN.
fn exp_rare(x: f64) -> f64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as u32;
    if exponent == 0x7ff {
        // −∞ → +0; +∞ and NaN → x·x.
        return if bits == f64::NEG_INFINITY.to_bits() {
            0.0
        } else {
            x * x
        };
    }
    if exponent <= 970 {
        return 1.0 + x;
    }
    if x > R_OVERFLOW {
        return R_HUGE * R_HUGE;
    }
    if x < R_UNDERFLOW {
        return R_TINY * R_TINY;
    }
    let t = x * R_INV_L;
    let shifted = t + R_SHIFTER;
    let nbits = shifted.to_bits() as u32;
    let n = shifted - R_SHIFTER;
    let j = (nbits & 63) as usize;
    let r = x - n * R_L_HI;
    let r = r - n * R_L_LO;
    let mut p = R_A6 * r;
    p += R_A5;
    p *= r;
    p += R_A4;
    p *= r;
    p += R_A3;
    p *= r;
    p += R_A2;
    p *= r;
    p *= r;
    p += r;
    let hi = f64::from_bits(TAB64[2 * j]);
    let lo = f64::from_bits(TAB64[2 * j + 1]);
    let q = (p + lo) * hi;
    let k = nbits >> 6; // logical shift of the 32-bit word, as `shrl`
    if x >= R_SUBNORMAL {
        let e = k.wrapping_add(1023) & 2047;
        let res = q + hi;
        if e > 2046 {
            res * pow2_field(e - 1) * R_TWO
        } else {
            res * pow2_field(e)
        }
    } else {
        // Subnormal result: work scaled by 2^60, then round once (or split, to round once).
        let c = k.wrapping_add(1083) & 2047;
        let scale = pow2_field(c);
        let b = q * scale;
        let a = scale * hi;
        let h = a + b;
        if c > 50 {
            let l = (a - h) + b;
            let s = h * R_SPLIT;
            let u = h + s;
            let v = u - s;
            let w = h - v;
            let w = l + w;
            v * R_TWO_M60 + w * R_TWO_M60
        } else {
            h * R_TWO_M60
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs where `np.exp` (numpy 2.4.6 with SVML, on an AVX512_SKX CPU) differs from glibc's
    /// `exp`, with numpy's result: Gaussian-kernel arguments `(-0.5/(s*s)) * k*k`, random
    /// arguments in [-745, 710], and the scalar rare path (|x| >= 707.70..., subnormal results).
    /// Picked from the vectors of `tests/parity/check_exp.py` (`--keep`):
    /// ```text
    /// x = <input bits>.view(float64); y = np.exp(x); keep if y != math.exp(x)
    /// ```
    #[rustfmt::skip]
    const NUMPY_NOT_LIBM: [(u64, u64); 255] = [
        (0x40862e37e90ff947, 0x7fefd3c701d1e48c), (0x408620570a3d70a4, 0x7fc6763a69739ce1), (0x4085926e54e2ba84, 0x7e2dd0ae2b740d24),
        (0x4083737dde2b843e, 0x780fb0d8cbce6857), (0x407fd08a2092ad53, 0x6dd4d3dfd1fad68f), (0x407b56c411151596, 0x6760c51832efab42),
        (0x40712d2bf2aa796c, 0x58b6691e01ea9730), (0x406f01c94d854e0a, 0x564d386e8e46ead3), (0x40360dedcb449140, 0x41ec34059ca2bd75),
        (0x3fed837b970b6a8c, 0x40041edc5ec4d425), (0x3fe81ba1d66bd166, 0x4000fe43dabf3aca), (0x3fe5e78763743ffa, 0x3fffb992578ab422),
        (0x3fe5d986403066cc, 0x3fffabb310110b9b), (0x3fe2271e3b513806, 0x3ffc371cf808e8de), (0x3fe1dd4e8714b110, 0x3ffbf652eff326d6),
        (0x3fe0aebbf52290e0, 0x3ffaf2c0e740a81c), (0x3fdffdc58fc69c5c, 0x3ffa603e729a074a), (0x3fde01f3ad762480, 0x3ff9922b4f37c8da),
        (0x3fdce08f1e041e94, 0x3ff91f8ef840c997), (0x3fd9d3d5febae564, 0x3ff7f445a53ffced), (0x3fd76c2ef89d29e4, 0x3ff7121e63edcdae),
        (0x3fc42907fe71b4e0, 0x3ff2bab58e92412e), (0x3fc2a700b03f7568, 0x3ff2828e48ca567d), (0xbee1a70bc4deb968, 0x3fefffee58f91992),
        (0xbf39c34f087d2911, 0x3feffcc7bf993338), (0xbf792c4f6999cd00, 0x3fefcdcee762922f), (0xbf7ce6bd260a45fe, 0x3fefc6669ae8add8),
        (0xbf8421ec621b2f92, 0x3fefafdd4e08499b), (0xbf84e5e0a72f053a, 0x3fefacd54cf0ee62), (0xbf84f54cf3edc18e, 0x3fefac983c4ebe73),
        (0xbf98d573d8af78e8, 0x3fef3bb824571b80), (0xbf996823f49d36fe, 0x3fef373f137e132c), (0xbf99d47e0031c20e, 0x3fef33f1addc6bf5),
        (0xbf9b08e09ef70afe, 0x3fef2a8d76f42c7c), (0xbf9b2f5c77635cfb, 0x3fef2961a363d60a), (0xbf9c119c95062d3d, 0x3fef227fd0842403),
        (0xbf9ecae4d84875b4, 0x3fef0d5398c91ae8), (0xbfa3c11363873615, 0x3feec9f3d1da1ce0), (0xbfa7d4f1dd16ebc8, 0x3fee8b6ddcf909bf),
        (0xbfa868e23bb08dea, 0x3fee829bc438a70a), (0xbfa89a3ff468ffeb, 0x3fee7faad2e23239), (0xbfa9de69d5609547, 0x3fee6c61a5bf168d),
        (0xbfb05e10fc163774, 0x3fee04a243522c41), (0xbfb4f7b7a5113729, 0x3fed7bc7241618f2), (0xbfb51a4a262f3d01, 0x3fed77cc18fdc727),
        (0xbfb6414492aff8ba, 0x3fed55eb3990434e), (0xbfb7088869aacedb, 0x3fed3f1e8a518c79), (0xbfb8dffe47b575e4, 0x3fed09736c5a476a),
        (0xbfbb9026adcd1682, 0x3fecbbcdfc490eac), (0xbfbdd43ab7dc814f, 0x3fec7afbca2eb548), (0xbfc03d9292e404f3, 0x3fec2fd7cdc97cef),
        (0xbfc088a121a08cad, 0x3fec1f556849e33b), (0xbfc32fe7dac52b52, 0x3feb8ba0ee8c915b), (0xbfc408a5a31acf22, 0x3feb5d23dec9654e),
        (0xbfc6e4df2db77b40, 0x3feac257564fc6bb), (0xbfc7953d87adb2de, 0x3fea9d91bfe8950d), (0xbfc8699231d38340, 0x3fea718fb60f7278),
        (0xbfc9c4be25005023, 0x3fea2a37b25dd82f), (0xbfca0cb766f0c2e0, 0x3fea1b8575fefcdb), (0xbfcc8ac8b5d79fd5, 0x3fe99aa308ed5676),
        (0xbfcd2d95bb605cec, 0x3fe97a26fcb65d1b), (0xbfd0ea583c34628b, 0x3fe89154e540948e), (0xbfd0faed5af7f3e0, 0x3fe88af824e91342),
        (0xbfd10e4e684ed0ca, 0x3fe8838acb6befd1), (0xbfd2383cce33947a, 0x3fe812750e674e76), (0xbfd279c231bcf444, 0x3fe7f9dcbcd9efb4),
        (0xbfd349fdd21aa15a, 0x3fe7ac58b80ea693), (0xbfd53dc1de00e62e, 0x3fe6f646ed80d961), (0xbfd7cb1d044f33b8, 0x3fe6107a33ab8d8e),
        (0xbfd8be6abcaa8ec0, 0x3fe5bd377fc38401), (0xbfd948b0fcd6e9e0, 0x3fe58e723be112e7), (0xbfd9557ba9c722f7, 0x3fe58a23b0d0099b),
        (0xbfd9846c4b82b64b, 0x3fe57a5d34665114), (0xbfda7101b163f210, 0x3fe52b89e5019922), (0xbfdaebf533ac4b8a, 0x3fe5030551a4a542),
        (0xbfdbbb5dc43904a7, 0x3fe4bf5b17dba327), (0xbfdc28e43bf64756, 0x3fe49bf7e98473c6), (0xbfdc6126fc866b90, 0x3fe489e1e5f86aa5),
        (0xbfdce462185767d8, 0x3fe45fefc36ca44e), (0xbfde2548521fb8b4, 0x3fe3fac53da7c1f9), (0xbfe380fcb24ebb6a, 0x3fe1656062824e0f),
        (0xbfe3999239667214, 0x3fe1580831a6e3cb), (0xbfe4342637fd9f9d, 0x3fe105096a33a587), (0xbfe44b1b79b5c1d0, 0x3fe0f8d7e27d0ec0),
        (0xbfe52c4f548c4472, 0x3fe083072b5d0729), (0xbfe6679474d0ed3f, 0x3fdfc6e1c11242d0), (0xbfe69bd41efe546b, 0x3fdf93299e3af655),
        (0xbfe724c625fa520c, 0x3fdf0d28e6578426), (0xbfe819de66cc2c72, 0x3fde22da6333c5c9), (0xbfe83c977ab2bedd, 0x3fde0238c65a4322),
        (0xbfeaa4506096077c, 0x3fdbd5fb1e126079), (0xbfeb219215bdd903, 0x3fdb69da42296643), (0xbfeb5a14bd52ae53, 0x3fdb399bbc5b184b),
        (0xbfebd77447b06cf8, 0x3fdacfc14f4e3890), (0xbfec0f8a79ba11aa, 0x3fdaa0ec3aeeb7fe), (0xbfede66a449c5350, 0x3fd92422e39fe73f),
        (0xbfef586d718df1d4, 0x3fd807e63d08ea6f), (0xbfefbe46ddb6fcf0, 0x3fd7bbe33eac5bfa), (0xbff011fec4e9b3be, 0x3fd770ea236766fc),
        (0xbff0bc72e9953609, 0x3fd67c50362bb278), (0xbff0ddccf95eb979, 0x3fd64da1f742151d), (0xbff34640fdf0cf8d, 0x3fd32fdd159a8f04),
        (0xbff363f565dab5da, 0x3fd30c5efa62a8c4), (0xbff3ecbda06c4001, 0x3fd26c37d293f662), (0xbff5e28e71961007, 0x3fd04c68c37fdc24),
        (0xbff6fc54c8b4e76b, 0x3fce6e0e8271b021), (0xbff7079b9748beb0, 0x3fce58a3bb11b337), (0xbff78b9a02635d50, 0x3fcd62491325a7d3),
        (0xbff8c568ecb7e2c4, 0x3fcb378053147b4d), (0xbffa431a55064472, 0x3fc8cb8e65f71a96), (0xbffc5e78fbcfd054, 0x3fc5bc64813306a3),
        (0xbffd0d5b7b98a4f3, 0x3fc4d3d029e01411), (0xbffee8f9690eb1da, 0x3fc28b4a436bc7c1), (0xc000259835db47f4, 0x3fc10200d3c0ed01),
        (0xc000267094d7978f, 0x3fc10034ec0675b7), (0xc000d659a7031e47, 0x3fbf33f7d67a4abb), (0xc0010bbfc909ef94, 0x3fbe66624c309579),
        (0xc00170007e9fd37b, 0x3fbcf299247d262d), (0xc001b3f7856b17d6, 0x3fbc00b4b919ef72), (0xc001de11a12ee942, 0x3fbb6ed6c620d04e),
        (0xc0021ab59fe06719, 0x3fbaa1f1847ba736), (0xc002b807ad42da26, 0x3fb8a9d2768bcdde), (0xc002f6f1593d8930, 0x3fb7ead0d76429da),
        (0xc00309dff41b5151, 0x3fb7b279ecfc400d), (0xc0032349b0f6f9f3, 0x3fb767aa0c2a2227), (0xc003401da550d7ff, 0x3fb713ea5f768d2b),
        (0xc00350d483e8febf, 0x3fb6e3e53ef2bb27), (0xc00415888f56065c, 0x3fb4cb41a8ab91e6), (0xc00480bf8d16e0c0, 0x3fb3bbbf66ce6901),
        (0xc004b349b8d34810, 0x3fb3409bb873f767), (0xc005a220f3ad7b5d, 0x3fb12213b3b5353e), (0xc005a960cb949687, 0x3fb112942e6b1909),
        (0xc005cbe67403f4a0, 0x3fb0c9860dfb8ebf), (0xc007eff15e957682, 0x3fa9b10e47e742d7), (0xc008980537c9f193, 0x3fa7aad69d403cf5),
        (0xc008ca1b023f3707, 0x3fa718767a62d3db), (0xc0092652f16d0e68, 0x3fa614235bc18e28), (0xc00a388810b85b0a, 0x3fa34fd881e0a05b),
        (0xc00a6b0a6ce8f12c, 0x3fa2d7688be1a083), (0xc00aa782fd969a20, 0x3fa24b1209fff182), (0xc00aa7fba97a019a, 0x3fa249fe2305a7fa),
        (0xc00b19c72bbd7f91, 0x3fa14cf02dc70d8b), (0xc00b1a66ed675b7a, 0x3fa14b96bf4b4460), (0xc00b7d8b40c9d690, 0x3fa07a5bbb42ea88),
        (0xc00bf9ea489037ad, 0x3f9f039e09b9e280), (0xc00c234a8f130cb0, 0x3f9e64d24a9a95c6), (0xc00c7a89d771b318, 0x3f9d204f898ba567),
        (0xc00caae52b7d97ed, 0x3f9c7251190974a5), (0xc00d339d9d87ed82, 0x3f9a9c092204704a), (0xc00da8b56be76027, 0x3f99217ca989430c),
        (0xc00ec09d6eba92b9, 0x3f95eba4d1480179), (0xc00f2b753f6dd766, 0x3f94ce6491a524eb), (0xc00f2c60c4a7d4bf, 0x3f94cc002b94084e),
        (0xc010e3db4dcda9a3, 0x3f8e06f4c656592b), (0xc0113e97372cd7d0, 0x3f8b7b238f447a00), (0xc0116ab36c97c500, 0x3f8a52866efc64e4),
        (0xc0117f1c7d557800, 0x3f89cd8ad26aa397), (0xc011c40738eebc9e, 0x3f881f9baa6cb3b3), (0xc012b2f32c1ba2b6, 0x3f831a748b78ce1a),
        (0xc012c47b38a5b78f, 0x3f82c770cd63c186), (0xc0136b76a311f1e0, 0x3f7fe828c63905c6), (0xc01372f80275562a, 0x3f7fac828e68fb56),
        (0xc013aa438f2b6460, 0x3f7e0244f2c51ea2), (0xc013abfdc162a707, 0x3f7df5524b2ad7f3), (0xc013acf7ec655a55, 0x3f7dee01893e60f3),
        (0xc013bdbf98ed1217, 0x3f7d717962811f8a), (0xc013f80835dcc52a, 0x3f7bd0709f872276), (0xc01404ea7ea155e6, 0x3f7b776980a81672),
        (0xc014139315cedce5, 0x3f7b137977fa8120), (0xc0142018b9897d1f, 0x3f7abf3a923a6a3d), (0xc01442fd4daa2c54, 0x3f79d9d6de58c12f),
        (0xc0155bdfa0be62a8, 0x3f73a63dec59fa6f), (0xc016a390b93856f5, 0x3f6c895399efbf8b), (0xc016dc4b5ce9a02b, 0x3f6aff9f1d41a925),
        (0xc0172b60e0367d33, 0x3f68fdece38d4176), (0xc017431e99a0bc91, 0x3f686b4c3ea43ef2), (0xc0177de75d4450b0, 0x3f670e8a02e7add5),
        (0xc01803998b6c21c9, 0x3f643c13f2b4534e), (0xc0184ebdfa0c3b1e, 0x3f62cd91d2bbcf85), (0xc0186d3ed09b422e, 0x3f62404bc0cd79cc),
        (0xc01897c9d92af2a3, 0x3f6182286668a7e8), (0xc018c6b4597e5852, 0x3f60b96f47193102), (0xc018c92644d04d60, 0x3f60af396039e61c),
        (0xc0190bb61c4fa443, 0x3f5f44d5e9e0afd4), (0xc01989d9b2d1cab9, 0x3f5ba517b625ad9e), (0xc019ccd2bd59789a, 0x3f59e50a4df86c2a),
        (0xc019d9c5c8c81650, 0x3f5991bcea766a7f), (0xc01aad79cb6d5e31, 0x3f54cb30ac05bdb4), (0xc01b6e4dae5ebae2, 0x3f513983981cd4d4),
        (0xc01bb54f15d7598c, 0x3f50121cdc617af0), (0xc01c03ff6ed53f82, 0x3f4dc39d5475831c), (0xc01c5873d2c3ff57, 0x3f4b6866e5ce04fb),
        (0xc01c6426300b78d1, 0x3f4b18b66204a3e3), (0xc01c6a0916b8ce03, 0x3f4af0f3b7b36eb1), (0xc01d818730ae25b3, 0x3f448186684f81ce),
        (0xc01da51a4c863ee1, 0x3f43ce48955f33fd), (0xc01ddf8cdd9aa958, 0x3f42b4fce1545835), (0xc01e238fb6eba352, 0x3f41813fec7f723f),
        (0xc01e6579719cbe71, 0x3f4069e32873fb61), (0xc01e70ae45dc6325, 0x3f403c275e6c0ca1), (0xc01eb742029e333c, 0x3f3e4eb23bd8cbf3),
        (0xc01f01f23a63d95a, 0x3f3c2cf05376ba40), (0xc01f06a4d17fdfe3, 0x3f3c0becd180e5a1), (0xc01f1e7ceabb8d30, 0x3f3b66ab7ffa046d),
        (0xc01f501593d87360, 0x3f3a1b04b648eb2e), (0xc01f92874384a30f, 0x3f387725e56d7ebd), (0xc022d2d7b04b6498, 0x3f156e6297a85109),
        (0xc024e5b82401cc40, 0x3efe6514ba194ebc), (0xc025c5d435fa9fa0, 0x3ef39ec48650ab2c), (0xc02b2935d8010d70, 0x3eb538dbfe2b3d9a),
        (0xc02e995cebd63a70, 0x3e8e6e24244fbce6), (0xc0308702948dfce2, 0x3e71d3d20b7f9cc1), (0xc0342f66d8676482, 0x3e1d6cc5efb34c57),
        (0xc034ef5196b85d4b, 0x3e0bcec4d047beb6), (0xc0391b80acfc59b4, 0x3dab6dd567d10f4e), (0xc03c808b31193d73, 0x3d5d72d785484563),
        (0xc03ddfe895d033e0, 0x3d3ddb697f8b965d), (0xc04266d40bb348ca, 0x3c9df099f9800cae), (0xc044d216873ff5e8, 0x3c2e5d28332ccfe1),
        (0xc0453b999ea9a435, 0x3c1aa19ecae78a89), (0xc046e0a98fafe320, 0x3bcfc31c090c166e), (0xc0472ad8336d097f, 0x3bc1caa6d47cbfee),
        (0xc047ab9f89a7993b, 0x3baa059a5c39126d), (0xc048f1173a21069d, 0x3b705f9ded175169), (0xc051f55f6820c208, 0x39749d0fde114b0a),
        (0xc05bd63f32aad038, 0x35e48693ec3cd9d0), (0xc05cb5353f3cf130, 0x359428ad81dfa6b1), (0xc06038e9b9dc0074, 0x343b44b4522963b0),
        (0xc06ac14af4bdf51c, 0x2ca271538e7aa25a), (0xc06bdb5f2e341fd4, 0x2bd66f4d53d2bd52), (0xc06d4f76d340ba5a, 0x2aca3657cee08c40),
        (0xc070640f5d40a54a, 0x28491194c5ee89d2), (0xc070920fb91e1c41, 0x2806a05ffd828395), (0xc072267dec418116, 0x25c05efd160e1e46),
        (0xc0730c6838cd8785, 0x2473b9aeefcef59b), (0xc0730e1baf76355f, 0x2471bc61daef9999), (0xc074b6e51d45e366, 0x220cc3c950ffe6d3),
        (0xc075626e69cfac97, 0x2114cedbd5186ae7), (0xc07a22cd0bcd7391, 0x1a3a0230f515bd24), (0xc07a6100197cc833, 0x19e10f305f40198e),
        (0xc07b1bc5382d7f4f, 0x18d30cd601345951), (0xc07b70645c3f48ee, 0x18589db63eff9fa1), (0xc07d8bb99a1ba326, 0x154fcb7266251689),
        (0xc07dfe6d0c23e032, 0x14a913c81bc4d73b), (0xc07e8de530725aa1, 0x13da351b907d7fa3), (0xc07f837aed092813, 0x1277b7c0667c3729),
        (0xc08159efe602b4e1, 0x0ddf03fcef8a352f), (0xc081bc03394b6bc2, 0x0cc345264a1f19c5), (0xc082930344613f1a, 0x0a568fea0675d22a),
        (0xc08312099bc5b20e, 0x08e80f6fc73beb2e), (0xc084e1ee70cef193, 0x03ae83a20897e28b), (0xc0858ee4d2d74b30, 0x01bab8945b695b68),
        (0xc08627ffffffffc4, 0x0008bfe55de064d8), (0xc086280000000011, 0x0008bfe55de010a1), (0xc086600e703afb7f, 0x000002073641114e),
    ];

    /// Edge cases, `(x, np.exp(x))` bits from the same numpy and CPU: zeros, tiny, the
    /// rare-path threshold ±707.70..., subnormal and underflowing results, ±inf, overflow.
    #[rustfmt::skip]
    const EDGES: [(u64, u64); 31] = [
        (0x0000000000000000, 0x3ff0000000000000), (0x8000000000000000, 0x3ff0000000000000), (0x0000000000000001, 0x3ff0000000000000),
        (0x8000000000000001, 0x3ff0000000000000), (0x3c90000000000000, 0x3ff0000000000000), (0xbc90000000000000, 0x3fefffffffffffff),
        (0x01a56e1fc2f8f359, 0x3ff0000000000000), (0xbff0000000000000, 0x3fd78b56362cef38), (0x3ff0000000000000, 0x4005bf0a8b145769),
        (0xc0861da04cbafe44, 0x001fffffffffff08), (0xc0861da04cbafe43, 0x0020000000000184), (0xc086232bdd7abcd2, 0x001000000000007c),
        (0xc086232bdd7abcd3, 0x000ffffffffffe7c), (0xc086280000000000, 0x0008bfe55de02338), (0xc086800000000000, 0x0000000993b4dc95),
        (0xc087200000000000, 0x0000000000000055), (0xc0874385446d71c3, 0x0000000000000001), (0xc087480000000000, 0x0000000000000001),
        (0xc0874910d52d3051, 0x0000000000000001), (0xc0874910d52d3050, 0x0000000000000001), (0xc0874910d52d3052, 0x0000000000000000),
        (0xc087500000000000, 0x0000000000000000), (0xc12e848000000000, 0x0000000000000000), (0xfe37e43c8800759c, 0x0000000000000000),
        (0xfff0000000000000, 0x0000000000000000), (0x7ff0000000000000, 0x7ff0000000000000), (0x40862e42fefa39ef, 0x7fefffffffffff2a),
        (0x40862e42fefa39f0, 0x7ff0000000000000), (0x40862e3d70a3d70a, 0x7fefe9ce5c4c52b4), (0x4085e00000000000, 0x7f0d945df4f8ec8e),
        (0x40861da04cbafe44, 0x7fc000000000007c),
    ];

    fn check(pairs: &[(u64, u64)]) {
        for &(x, want) in pairs {
            let x = f64::from_bits(x);
            let got = exp_svml(x);
            assert_eq!(
                got.to_bits(),
                want,
                "exp_svml({x:e}) = {got:e}, numpy {:e}",
                f64::from_bits(want)
            );
        }
    }

    #[test]
    fn matches_numpy_where_numpy_differs_from_libm() {
        check(&NUMPY_NOT_LIBM);
        // ...and these are real differences from f64::exp (glibc), by one ulp.
        for &(x, want) in &NUMPY_NOT_LIBM {
            let libm = f64::from_bits(x).exp().to_bits();
            assert_eq!(libm.abs_diff(want), 1, "x = {:e}", f64::from_bits(x));
        }
    }

    #[test]
    fn matches_numpy_on_edges() {
        check(&EDGES);
        assert!(exp_svml(f64::NAN).is_nan());
        assert!(exp_svml(-f64::NAN).is_nan());
    }

    #[test]
    fn floor16_is_exact() {
        // The product rounds up to a multiple of 1/16 but is below it.
        let a = 1.0 + f64::EPSILON;
        let b = 1.0 - f64::EPSILON; // a·b = 1 − ε² rounds to 1
        assert_eq!(a * b, 1.0);
        assert_eq!(floor16_of_product(a, b), 1.0 - 0.0625);
        assert_eq!(floor16_of_product(-a, b), -1.0);
        assert_eq!(floor16_of_product(3.0, 0.125), 0.375);
        assert_eq!(floor16_of_product(-3.0, 0.125), -0.375);
        assert_eq!(floor16_of_product(-0.0, LOG2E), 0.0);
        assert_eq!(floor16_of_product(1e-300, LOG2E), 0.0);
        assert_eq!(floor16_of_product(-1e-300, LOG2E), -0.0625);
    }

    /// Runs the vector file written by `tests/parity/check_exp.py` (pairs of little-endian u64:
    /// input bits, numpy's result bits) when `FLOWRUN_EXP_SWEEP` names it.
    #[test]
    #[ignore = "needs a vector file from tests/parity/check_exp.py"]
    fn sweep_against_file() {
        let path = std::env::var("FLOWRUN_EXP_SWEEP").expect("FLOWRUN_EXP_SWEEP not set");
        let bytes = std::fs::read(&path).expect("read vector file");
        assert_eq!(bytes.len() % 16, 0);
        let word = |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap());
        let n = bytes.len() / 16;
        let mut same = 0usize;
        let mut shown = 0;
        for i in 0..n {
            let (x, want) = (f64::from_bits(word(2 * i)), word(2 * i + 1));
            let got = exp_svml(x);
            if got.to_bits() == want || (got.is_nan() && f64::from_bits(want).is_nan()) {
                same += 1;
            } else if shown < 20 {
                shown += 1;
                println!(
                    "x = {x:e} ({:#018x}): got {:#018x}, numpy {want:#018x}",
                    x.to_bits(),
                    got.to_bits()
                );
            }
        }
        println!("exp_svml vs np.exp: {same} of {n} identical");
        assert_eq!(same, n);
    }
}
