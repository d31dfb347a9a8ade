//! What this CPU can run, checked at run time: the binary targets any x86-64, and the vector
//! kernels are chosen per machine (every one has a portable twin giving the same bits).

/// AVX-512F and FMA: the Gaussian's four-row kernel and transposes, and glibc's `log` eight at
/// a time.
#[inline]
pub(crate) fn has_avx512_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// AVX-512F, AVX-512DQ and POPCNT: the numpy noise generator.
#[inline]
pub(crate) fn has_avx512_dq() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
