//! `numpy_fill` with AVX-512 intrinsics (F and DQ): the same values rounded the same way
//! as [`super::numpy_fill_portable`], with the per-candidate work kept in vector registers.
//!
//! Per round of up to [`ROUND`] MT19937 blocks: the twist runs in place on 16 words at a time;
//! each block's 624 outputs are tempered, turned into 53-bit integers `(a >> 5) << 26 | (b >> 6)`
//! in 64-bit lanes (exact, so `w * 2^-52 - 1` is `2u - 1` with the same rounding), split into
//! `x1` / `x2`, and the accepted candidates are appended with a register `vcompresspd` (the
//! memory form is slow on Zen 4). Then glibc's `log` runs over the round's accepted `r2`
//! ([`crate::numpy::log`]: its main path eight at a time, exactly as glibc computes it). The
//! factors and the interleaved, clipped outputs are computed eight pairs at a time while the
//! next round's candidates are generated (one output chunk per eight candidates).

use super::mt::{MtBlocks, MT_M, MT_N};
use super::CANDIDATES;
use std::arch::x86_64::*;

/// MT19937 blocks per round (fewer if the output needs fewer).
pub(super) const ROUND: usize = 4;
/// Room for a round's candidates plus one spare vector for the last full-width store.
const CAP: usize = ROUND * CANDIDATES + 8;

/// Whether this CPU can run [`fill_with`].
pub(super) use crate::cpu::has_avx512_dq as available;

/// [`super::numpy_fill`] on AVX-512. Panics if [`available`] is false.
#[cfg(test)]
pub(super) fn fill(seed: u32, loc: f64, scale: f64, clip: Option<(f64, f64)>, out: &mut [f64]) {
    fill_with(seed, loc, scale, clip, out, &mut |_| {});
}

/// One round's accepted candidates (`m` of them, in stream order) and their logarithms.
struct Batch {
    x1: [f64; CAP],
    x2: [f64; CAP],
    r2: [f64; CAP],
    ln: [f64; CAP],
    m: usize,
}

impl Batch {
    fn new() -> Box<Batch> {
        Box::new(Batch {
            x1: [0.0; CAP],
            x2: [0.0; CAP],
            r2: [0.0; CAP],
            ln: [0.0; CAP],
            m: 0,
        })
    }
}

/// `fill`, calling `done(&out[..k])` as the samples before `k` are final (after each
/// round, while they are still in cache, and once at the end with all of `out`).
pub(super) fn fill_with(
    seed: u32,
    loc: f64,
    scale: f64,
    clip: Option<(f64, f64)>,
    out: &mut [f64],
    done: &mut dyn FnMut(&[f64]),
) {
    assert!(available(), "AVX-512 F/DQ or POPCNT not available");
    // The two batches (40 KB) are kept per thread: boxing and zeroing fresh ones would cost
    // about 0.6 µs per image.
    thread_local! {
        static BATCHES: std::cell::Cell<Option<[Box<Batch>; 2]>> =
            const { std::cell::Cell::new(None) };
    }
    let [mut cur, mut next] = BATCHES
        .take()
        .unwrap_or_else(|| [Batch::new(), Batch::new()]);
    // SAFETY: the CPU has AVX-512 F and DQ and POPCNT (checked above).
    unsafe { fill_avx512(seed, loc, scale, clip, out, done, [&mut cur, &mut next]) };
    BATCHES.set(Some([cur, next]));
}

/// [`fill_with`], with its two batches (whatever they held before never reaches `out`).
#[target_feature(enable = "avx512f,avx512dq,popcnt")]
fn fill_avx512(
    seed: u32,
    loc: f64,
    scale: f64,
    clip: Option<(f64, f64)>,
    out: &mut [f64],
    done: &mut dyn FnMut(&[f64]),
    [mut cur, mut next]: [&mut Batch; 2],
) {
    let mut mt = MtBlocks::seeded(seed);
    // Software pipelining: while the candidates of one round are generated (integer and
    // shuffle work), the outputs of the previous round are written a chunk at a time
    // (division, square root and stores), so the two overlap.
    let mut em = Emitter::new(loc, scale, clip);
    let n = out.len();
    // `out[..pend.start]` is written, `out[pend]` is written from `cur` during the next
    // round, `out[pend.end..]` is left.
    let mut pend = 0..0;
    while pend.end < n {
        let left = n - pend.end;
        let mut pending = &mut out[pend.clone()];
        next.m = 0;
        'round: for _ in 0..ROUND {
            twist(&mut mt.key);
            next.m = candidates(&mt.key, next, || em.step(&mut pending, cur));
            if 2 * next.m >= left {
                break 'round;
            }
        }
        while !pending.is_empty() {
            em.step(&mut pending, cur);
        }
        done(&out[..pend.end]);
        logs(&next.r2[..next.m], &mut next.ln[..next.m]);
        let take = left.min(2 * next.m);
        pend = pend.end..pend.end + take;
        std::mem::swap(&mut cur, &mut next);
        em.start();
    }
    let mut pending = &mut out[pend];
    while !pending.is_empty() {
        em.step(&mut pending, cur);
    }
    done(out);
}

/// 16 words of `s` (which must hold at least 16).
#[inline]
#[target_feature(enable = "avx512f")]
fn load_u32(s: &[u32]) -> __m512i {
    let s: &[u32; 16] = s[..16].try_into().unwrap();
    // SAFETY: reads the 16 u32 of `s`.
    unsafe { _mm512_loadu_si512(s.as_ptr().cast()) }
}

/// Stores `v` into the first 16 words of `s`.
#[inline]
#[target_feature(enable = "avx512f")]
fn store_u32(s: &mut [u32], v: __m512i) {
    let s: &mut [u32; 16] = (&mut s[..16]).try_into().unwrap();
    // SAFETY: writes the 16 u32 of `s`.
    unsafe { _mm512_storeu_si512(s.as_mut_ptr().cast(), v) }
}

/// 8 values of `s` (which must hold at least 8).
#[inline]
#[target_feature(enable = "avx512f")]
fn load_f64(s: &[f64]) -> __m512d {
    let s: &[f64; 8] = s[..8].try_into().unwrap();
    // SAFETY: reads the 8 f64 of `s`.
    unsafe { _mm512_loadu_pd(s.as_ptr()) }
}

/// Stores `v` into the first 8 values of `s`.
#[inline]
#[target_feature(enable = "avx512f")]
fn store_f64(s: &mut [f64], v: __m512d) {
    let s: &mut [f64; 8] = (&mut s[..8]).try_into().unwrap();
    // SAFETY: writes the 8 f64 of `s`.
    unsafe { _mm512_storeu_pd(s.as_mut_ptr(), v) }
}

/// Stores the first `s.len()` (at most 8) lanes of `v` into `s`.
#[inline]
#[target_feature(enable = "avx512f")]
fn store_f64_first(s: &mut [f64], v: __m512d) {
    assert!(s.len() <= 8);
    let k = ((1u32 << s.len()) - 1) as __mmask8;
    // SAFETY: the mask selects lanes 0 .. s.len(), so only `s` is written (masked-off lanes
    // are not accessed).
    unsafe { _mm512_mask_storeu_pd(s.as_mut_ptr(), k, v) }
}

/// 16 lanes of the twist: `far ^ mix(cur, next)` (see `MtBlocks::next_block`).
#[inline]
#[target_feature(enable = "avx512f")]
fn twist16(cur: __m512i, next: __m512i, far: __m512i) -> __m512i {
    // (cur & 0x8000_0000) | (next & 0x7fff_ffff): a bit select on the constant.
    let y = _mm512_ternarylogic_epi32::<0xE4>(cur, next, _mm512_set1_epi32(i32::MIN));
    let r = _mm512_xor_si512(far, _mm512_srli_epi32::<1>(y));
    // Bit 0 of y is bit 0 of next.
    let odd = _mm512_test_epi32_mask(next, _mm512_set1_epi32(1));
    _mm512_mask_xor_epi32(r, odd, r, _mm512_set1_epi32(0x9908_b0df_u32 as i32))
}

/// Lanes `i .. i + 16` of the in-place twist, from the current contents of `key`.
#[inline]
#[target_feature(enable = "avx512f")]
fn twist_at(key: &[u32; MT_N], i: usize, far: usize) -> __m512i {
    twist16(
        load_u32(&key[i..]),
        load_u32(&key[i + 1..]),
        load_u32(&key[far..]),
    )
}

/// MT19937's twist of `key` in place: `key[i] = key[(i + M) % N] ^ mix(key[i], key[i + 1])`
/// for `i = 0 .. N` in order, 16 lanes at a time. Lanes `i .. i + 16` read `key[i + M ..]`
/// (old words) for `i + 16 <= N - M = 227` and `key[i - 227 ..]` (words already replaced,
/// 227 > 16 lanes back) for `i >= 227`; the last vector of each part overlaps the one
/// before it and is computed from words loaded before that one is stored, so the
/// overlapping lanes are written twice with the same value.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) fn twist(key: &mut [u32; MT_N]) {
    const D: usize = MT_N - MT_M; // 227
    let mut i = 0;
    while i + 32 <= D {
        let v = twist_at(key, i, i + MT_M);
        store_u32(&mut key[i..], v);
        i += 16;
    }
    // i = 208: lanes 208..224 and 211..227.
    let a = twist_at(key, i, i + MT_M);
    let b = twist_at(key, D - 16, MT_N - 16);
    store_u32(&mut key[i..], a);
    store_u32(&mut key[D - 16..], b);
    let mut i = D;
    while i + 32 < MT_N {
        let v = twist_at(key, i, i - D);
        store_u32(&mut key[i..], v);
        i += 16;
    }
    // i = 595: lanes 595..611 and 607..623 (`key[i + 1]` of lane 622 is the old key[623]).
    let a = twist_at(key, i, i - D);
    let b = twist_at(key, MT_N - 17, MT_N - 17 - D);
    store_u32(&mut key[i..], a);
    store_u32(&mut key[MT_N - 17..], b);
    // The last word pairs with the new key[0].
    let (y, k0) = (key[MT_N - 1], key[0]);
    let y = (y & 0x8000_0000) | (k0 & 0x7fff_ffff);
    key[MT_N - 1] = key[MT_M - 1] ^ (y >> 1) ^ ((y & 1).wrapping_neg() & 0x9908_b0df);
}

/// MT19937 tempering of 16 words.
#[inline]
#[target_feature(enable = "avx512f")]
fn temper(y: __m512i) -> __m512i {
    // y ^ (s & c) is ternary-logic function 0x78.
    let y = _mm512_xor_si512(y, _mm512_srli_epi32::<11>(y));
    let c = _mm512_set1_epi32(0x9d2c_5680_u32 as i32);
    let y = _mm512_ternarylogic_epi32::<0x78>(y, _mm512_slli_epi32::<7>(y), c);
    let c = _mm512_set1_epi32(0xefc6_0000_u32 as i32);
    let y = _mm512_ternarylogic_epi32::<0x78>(y, _mm512_slli_epi32::<15>(y), c);
    _mm512_xor_si512(y, _mm512_srli_epi32::<18>(y))
}

/// `2u - 1` for the 8 uniform doubles of 16 tempered words (word pairs `(a, b)`):
/// `w = (a >> 5) << 26 | (b >> 6)` is the exact integer `(a >> 5) * 2^26 + (b >> 6)` below
/// 2^53, so `w as f64 * 2^-52` is exactly `2 * ((w as f64) * 2^-53)`, and only the final
/// `- 1` rounds, as in the scalar code.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn signed_uniforms(t: __m512i) -> __m512d {
    // Bits 5..32 of a (the low word) to bits 26..53, b's bits 6..32 to bits 0..26; the
    // mask drops a's bits 0..5 and b's bits 0..11 from the left shift.
    let hi = _mm512_slli_epi64::<21>(t);
    let lo = _mm512_srli_epi64::<38>(t);
    let mask = _mm512_set1_epi64(((1i64 << 27) - 1) << 26);
    // (hi & mask) | lo is ternary-logic function 0xEC.
    let w = _mm512_ternarylogic_epi64::<0xEC>(hi, lo, mask);
    let u2 = _mm512_mul_pd(
        _mm512_cvtepu64_pd(w),
        _mm512_set1_pd(1.0 / (1u64 << 52) as f64),
    );
    _mm512_sub_pd(u2, _mm512_set1_pd(1.0))
}

/// The accepted candidates of the block in `key` (already twisted), appended to `b.x1`,
/// `b.x2` and `b.r2` from index `b.m`; returns the new count. `between` runs once per
/// eight candidates (the other round's output chunks).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,popcnt")]
fn candidates(key: &[u32; MT_N], b: &mut Batch, mut between: impl FnMut()) -> usize {
    let mut m = b.m;
    let (x1, x2, r2) = (&mut b.x1, &mut b.x2, &mut b.r2);
    let even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    let odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    let one = _mm512_set1_pd(1.0);
    let zero = _mm512_setzero_pd();
    let mut push = |a: __m512d, b: __m512d, keep: __mmask8| {
        let r = _mm512_add_pd(_mm512_mul_pd(a, a), _mm512_mul_pd(b, b));
        // numpy rejects `r2 >= 1.0 || r2 == 0.0` (r2 is never NaN).
        let ok = keep
            & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(r, one)
            & _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(r, zero);
        store_f64(&mut x1[m..], _mm512_maskz_compress_pd(ok, a));
        store_f64(&mut x2[m..], _mm512_maskz_compress_pd(ok, b));
        store_f64(&mut r2[m..], _mm512_maskz_compress_pd(ok, r));
        m += ok.count_ones() as usize;
    };
    // 39 vectors of 16 words = 4 candidates each: 19 pairs (8 candidates) and one single.
    let (pairs, last) = key.as_chunks::<32>();
    for p in pairs {
        let u = signed_uniforms(temper(load_u32(&p[..16])));
        let v = signed_uniforms(temper(load_u32(&p[16..])));
        push(
            _mm512_permutex2var_pd(u, even, v),
            _mm512_permutex2var_pd(u, odd, v),
            0xff,
        );
        between();
    }
    let u = signed_uniforms(temper(load_u32(last)));
    push(
        _mm512_permutex2var_pd(u, even, u),
        _mm512_permutex2var_pd(u, odd, u),
        0x0f,
    );
    m
}

/// [`np_clip`](crate::numpy::clip::np_clip) of 8 lanes: `m = v < lo ? lo : v`, then
/// `m > hi ? hi : m` (a NaN sample compares false and stays), NaN where a bound is NaN.
#[inline]
#[target_feature(enable = "avx512f")]
fn clip8(v: __m512d, lo: __m512d, hi: __m512d) -> __m512d {
    let m = _mm512_mask_blend_pd(_mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, lo), v, lo);
    let m = _mm512_mask_blend_pd(_mm512_cmp_pd_mask::<_CMP_GT_OQ>(m, hi), m, hi);
    let nan_bound = _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(lo, hi);
    _mm512_mask_blend_pd(nan_bound, m, _mm512_set1_pd(f64::NAN))
}

/// `dst[j] = src[j].ln()`, bit-identical to glibc `log`, eight at a time where
/// [`crate::numpy::log`] can.
fn logs(src: &[f64], dst: &mut [f64]) {
    dst.copy_from_slice(src);
    crate::numpy::log::ln_in_place(dst);
}

/// Writes a round's outputs 16 samples (eight pairs) at a time: pair `p` is `f * x2[p]`,
/// `f * x1[p]` with `f = sqrt(-2 * ln[p] / r2[p])`, scaled, shifted and clipped. Lanes
/// past the round's `m` hold stale but initialised values and are never stored.
struct Emitter {
    /// The next pair to write.
    pair: usize,
    loc: __m512d,
    scale: __m512d,
    clip: Option<(__m512d, __m512d)>,
}

impl Emitter {
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn new(loc: f64, scale: f64, clip: Option<(f64, f64)>) -> Emitter {
        Emitter {
            pair: 0,
            loc: _mm512_set1_pd(loc),
            scale: _mm512_set1_pd(scale),
            clip: clip.map(|(lo, hi)| (_mm512_set1_pd(lo), _mm512_set1_pd(hi))),
        }
    }

    /// Starts on a new round.
    fn start(&mut self) {
        self.pair = 0;
    }

    /// Writes the next (up to) 16 samples of `b` to the front of `out` and advances
    /// `out` past them; does nothing once `out` is empty. `out` must not be longer than
    /// `2 * (b.m - self.pair)`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn step(&mut self, out: &mut &mut [f64], b: &Batch) {
        if out.is_empty() {
            return;
        }
        let p = self.pair;
        self.pair += 8;
        let r = load_f64(&b.r2[p..]);
        let q = _mm512_mul_pd(_mm512_set1_pd(-2.0), load_f64(&b.ln[p..]));
        let f = _mm512_sqrt_pd(_mm512_div_pd(q, r));
        let (loc, scale) = (self.loc, self.scale);
        let fx2 = _mm512_mul_pd(f, load_f64(&b.x2[p..]));
        let fx1 = _mm512_mul_pd(f, load_f64(&b.x1[p..]));
        let second = _mm512_add_pd(loc, _mm512_mul_pd(scale, fx2));
        let first = _mm512_add_pd(loc, _mm512_mul_pd(scale, fx1));
        let lo_idx = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
        let hi_idx = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
        let mut v0 = _mm512_permutex2var_pd(second, lo_idx, first);
        let mut v1 = _mm512_permutex2var_pd(second, hi_idx, first);
        if let Some((lo, hi)) = self.clip {
            v0 = clip8(v0, lo, hi);
            v1 = clip8(v1, lo, hi);
        }
        let n = out.len().min(16);
        let (dst, later) = std::mem::take(out).split_at_mut(n);
        *out = later;
        if let Ok(d) = <&mut [f64; 16]>::try_from(&mut *dst) {
            store_f64(&mut d[..8], v0);
            store_f64(&mut d[8..], v1);
        } else {
            // The round's last, partial chunk of n < 16 samples.
            let (d0, d1) = dst.split_at_mut(dst.len().min(8));
            store_f64_first(d0, v0);
            store_f64_first(d1, v1);
        }
    }
}
