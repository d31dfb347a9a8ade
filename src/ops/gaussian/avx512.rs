//! The AVX-512 kernels. The panel strips: the portable [`strip2`] reloads operands it could
//! keep in registers (14 loads per tap for 8 accumulators); this keeps them (4 loads per tap),
//! and it spreads the additions over the adder and the FMA units. Same operations per sample,
//! so bit-identical. And the 8 × 8 register-tile transposes of the band passes.

use super::passes::STRIP;
use crate::cpu::has_avx512_fma as available;
use std::arch::x86_64::{
    __m512d, _mm512_add_pd, _mm512_fmadd_pd, _mm512_loadu_pd, _mm512_mul_pd, _mm512_set1_pd,
    _mm512_shuffle_f64x2, _mm512_storeu_pd, _mm512_unpackhi_pd, _mm512_unpacklo_pd,
};

/// `dst[j * dst_stride + i] = src[i * src_stride + j]` for `i < rows`, `j < cols`: a
/// `rows × cols` block of `src` transposed into `dst`, both dimensions multiples of 8, in
/// 8 × 8 tiles transposed in registers.
pub fn transpose(
    src: &[f64],
    src_stride: usize,
    dst: &mut [f64],
    dst_stride: usize,
    (rows, cols): (usize, usize),
) {
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(rows % 8 == 0 && cols % 8 == 0 && src_stride >= cols && dst_stride >= rows);
    assert!(src.len() >= (rows - 1) * src_stride + cols);
    assert!(dst.len() >= (cols - 1) * dst_stride + rows);
    assert!(available());
    // SAFETY: AVX-512F is present; every access is inside the bounds asserted above.
    unsafe { transpose_avx512(src, src_stride, dst, dst_stride, (rows, cols)) }
}

/// [`transpose`]; the caller checks the bounds.
#[target_feature(enable = "avx512f")]
unsafe fn transpose_avx512(
    src: &[f64],
    src_stride: usize,
    dst: &mut [f64],
    dst_stride: usize,
    (rows, cols): (usize, usize),
) {
    for i0 in (0..rows).step_by(8) {
        for j0 in (0..cols).step_by(8) {
            // SAFETY: rows i0..i0 + 8, columns j0..j0 + 8 are inside `src` (asserted by
            // the caller).
            let r: [__m512d; 8] = std::array::from_fn(|i| unsafe {
                _mm512_loadu_pd(src.as_ptr().add((i0 + i) * src_stride + j0))
            });
            // t[2m] = (r[2m][0], r[2m+1][0], r[2m][2], r[2m+1][2], ...), t[2m+1] the odd
            // columns: each 128-bit lane `l` of t[2m + e] holds column 2l + e of rows
            // 2m, 2m + 1.
            let t: [__m512d; 8] = std::array::from_fn(|k| {
                let (a, b) = (r[k / 2 * 2], r[k / 2 * 2 + 1]);
                if k % 2 == 0 {
                    _mm512_unpacklo_pd(a, b)
                } else {
                    _mm512_unpackhi_pd(a, b)
                }
            });
            // u[e][0] = lanes (0, 2) of t[e], t[2 + e]; u[e][1] lanes (1, 3); likewise u[e][2],
            // u[e][3] from t[4 + e], t[6 + e].
            let u = |e: usize| {
                [
                    _mm512_shuffle_f64x2::<0x88>(t[e], t[2 + e]),
                    _mm512_shuffle_f64x2::<0xdd>(t[e], t[2 + e]),
                    _mm512_shuffle_f64x2::<0x88>(t[4 + e], t[6 + e]),
                    _mm512_shuffle_f64x2::<0xdd>(t[4 + e], t[6 + e]),
                ]
            };
            let (ue, uo) = (u(0), u(1));
            // Column 2l + e = lane l of t[e], t[2 + e], t[4 + e], t[6 + e].
            let col = [
                _mm512_shuffle_f64x2::<0x88>(ue[0], ue[2]),
                _mm512_shuffle_f64x2::<0x88>(uo[0], uo[2]),
                _mm512_shuffle_f64x2::<0x88>(ue[1], ue[3]),
                _mm512_shuffle_f64x2::<0x88>(uo[1], uo[3]),
                _mm512_shuffle_f64x2::<0xdd>(ue[0], ue[2]),
                _mm512_shuffle_f64x2::<0xdd>(uo[0], uo[2]),
                _mm512_shuffle_f64x2::<0xdd>(ue[1], ue[3]),
                _mm512_shuffle_f64x2::<0xdd>(uo[1], uo[3]),
            ];
            for (j, v) in col.into_iter().enumerate() {
                // SAFETY: row j0 + j, columns i0..i0 + 8 of `dst` are inside it (asserted
                // by the caller).
                unsafe { _mm512_storeu_pd(dst.as_mut_ptr().add((j0 + j) * dst_stride + i0), v) };
            }
        }
    }
}

/// Four vertically adjacent output strips `out` from the `2r + 4` source strips `p`
/// (`p[r + i]` is `out[i]`'s centre), each sample with exactly the operation sequence of
/// [`super::strip`]: `acc = c * w0`, then `acc = acc + ((left + right) * w[k])` for
/// `k = r ..= 1`. The strips are done in two halves of 16 samples.
///
/// The operands slide: output `i`'s left operand at tap `k - 1` is output `i + 1`'s at tap
/// `k`, and likewise to the right, so each tap loads one new strip half per side for all four
/// outputs and keeps the rest in registers (24 of the 32 vector registers).
///
/// Each tap takes 16 additions and 8 multiplications per 64 samples; on one adder port pair
/// the additions are the bottleneck. Half of the `left + right` sums are therefore computed
/// as `fma(left, 1.0, right)`, which is exactly `left + right` rounded once (the product is
/// exact), on the multiply/FMA ports: 12 + 12 instead of 16 + 8 operations per tap, which
/// balances the ports of a CPU with two of each.
///
/// The results are stored straight into `out`, so that the call costs the same whether or
/// not LLVM inlines it (returning them by value costs several percent when it does not).
pub fn four_rows(p: &[[f64; STRIP]], w: &[f64], out: [&mut [f64; STRIP]; 4]) {
    assert!(!w.is_empty() && p.len() >= 2 * (w.len() - 1) + 4);
    assert!(available());
    // SAFETY: AVX-512F and FMA are present (checked above).
    unsafe { four_rows_avx512(p, w, out) }
}

#[target_feature(enable = "avx512f,fma")]
fn four_rows_avx512(p: &[[f64; STRIP]], w: &[f64], mut out: [&mut [f64; STRIP]; 4]) {
    let r = w.len() - 1;
    let w0 = _mm512_set1_pd(w[0]);
    // Opaque, or LLVM folds `fma(x, 1.0, y)` back into `x + y`.
    let one = std::hint::black_box(_mm512_set1_pd(1.0));
    for h in 0..2 {
        // Two vectors of 8 samples: half `h` of strip `j`.
        let load = |j: usize| -> [__m512d; 2] {
            let half = &p[j][h * 16..h * 16 + 16];
            // SAFETY: each load reads 8 f64 inside `half`, which has 16.
            unsafe {
                [
                    _mm512_loadu_pd(half.as_ptr()),
                    _mm512_loadu_pd(half.as_ptr().add(8)),
                ]
            }
        };
        let mut acc: [[__m512d; 2]; 4] = std::array::from_fn(|i| {
            let c = load(r + i);
            [_mm512_mul_pd(c[0], w0), _mm512_mul_pd(c[1], w0)]
        });
        // left[i] = strip r + i - k, right[i] = strip r + i + k; k starts at r.
        let mut left: [[__m512d; 2]; 4] = std::array::from_fn(load);
        let mut right: [[__m512d; 2]; 4] = std::array::from_fn(|i| load(2 * r + i));
        for k in (1..=r).rev() {
            let wk = _mm512_set1_pd(w[k]);
            for i in 0..4 {
                for q in 0..2 {
                    let pair = if q == 1 {
                        _mm512_fmadd_pd(left[i][q], one, right[i][q])
                    } else {
                        _mm512_add_pd(left[i][q], right[i][q])
                    };
                    acc[i][q] = _mm512_add_pd(acc[i][q], _mm512_mul_pd(pair, wk));
                }
            }
            if k > 1 {
                left = [left[1], left[2], left[3], load(r + 4 - k)];
                right = [load(r + k - 1), right[0], right[1], right[2]];
            }
        }
        for (o, a) in out.iter_mut().zip(&acc) {
            let half = &mut o[h * 16..h * 16 + 16];
            // SAFETY: each store writes 8 f64 inside `half`, which has 16.
            unsafe {
                _mm512_storeu_pd(half.as_mut_ptr(), a[0]);
                _mm512_storeu_pd(half.as_mut_ptr().add(8), a[1]);
            }
        }
    }
}
