//! numpy's primitives, reproduced bit for bit: the pieces of numpy (and of the C library numpy
//! calls) whose exact results the ops, sources and metrics depend on.
//!
//! numpy-identical means: for the same inputs, every value is the one numpy computes, down to
//! the last bit, not merely close to it. Each primitive here ports numpy's own algorithm (or the
//! C library's, where numpy calls it) operation for operation: the same floating-point
//! operations in the same order, each rounded the same way, with a fused multiply-add exactly
//! where numpy's build has one. Faster paths (vector lanes, streaming) regroup the work, never
//! the arithmetic. Every primitive here is bit-identical to numpy 2.x on x86-64 Linux (numpy's
//! Linux wheels with glibc); the tests pin values computed by numpy. docs/exactness.md explains
//! each one:
//! - [`exp`]: `np.exp` on float64, Intel SVML's routine on AVX512_SKX CPUs or glibc's `exp`
//!   otherwise ("The `exp` problem: SVML on AVX-512");
//! - [`log`]: glibc's `log`, which numpy's Gaussian sampler calls, eight values at a time on
//!   AVX-512 ("glibc's log");
//! - [`pairwise`]: numpy's pairwise summation, so `np.sum`, `np.mean` and `np.var` ("Sums,
//!   means and variances");
//! - [`random`]: the legacy `RandomState(seed).normal(...)` stream, MT19937 and the polar
//!   Gaussian ("Noise: numpy's RandomState");
//! - [`log_f32`]: `np.log` on float32, numpy's own vector routine on CPUs with AVX2 and FMA3;
//! - [`svml`]: `np.log`, `np.log2` and `np.power` on float64 in one place: the C library's
//!   (numpy's own on CPUs without AVX512_SKX; within an ulp of numpy's SVML results on those
//!   with it), with numpy's exact scalar-exponent shortcuts;
//! - `clip`: `np.clip`, whose NaN handling the noise source relies on ("Fill order, loc, scale
//!   and clip").

pub mod clip;
pub mod exp;
pub mod log;
pub mod log_f32;
pub mod pairwise;
pub mod random;
pub mod svml;
