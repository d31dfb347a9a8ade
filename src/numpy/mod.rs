//! numpy's primitives, reproduced bit for bit: the pieces of numpy (and of the C library numpy
//! calls) whose exact results the ops, sources and metrics depend on.
//!
//! numpy-identical means: for the same inputs, every value is the one numpy computes, down to
//! the last bit (NaN payloads aside), not merely close to it. Each primitive here ports numpy's
//! own algorithm operation for operation, with the same order of floating-point operations, the
//! same rounding and the same fused multiply-adds, and nothing else. Every primitive is
//! bit-identical to numpy 2.x on x86-64 Linux (the wheels from PyPI, glibc's libm); the tests pin
//! values computed by numpy. docs/exactness.md explains each one:
//! - [`exp`]: `np.exp` on float64, Intel SVML's routine on AVX512_SKX CPUs or glibc's `exp`
//!   otherwise ("The `exp` problem: SVML on AVX-512");
//! - [`log`]: glibc's `log`, which numpy's Gaussian sampler calls, eight values at a time on
//!   AVX-512 ("glibc's log");
//! - [`pairwise`]: numpy's pairwise summation, so `np.sum`, `np.mean` and `np.var` ("Sums,
//!   means and variances").

pub mod exp;
pub mod log;
pub mod pairwise;
