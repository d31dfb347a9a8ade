//! Large per-worker buffers backed by transparent huge pages where the kernel offers them
//! (`madvise(MADV_HUGEPAGE)`, for the common `enabled = madvise` setting).
//!
//! A worker's image-sized buffers (tens of MB for 2048² images) are faulted in on its first
//! image; with 4 KB pages that is thousands of page faults, each zeroing a page, and on a VM
//! each can also be a fault in the host. With 2 MB pages it is 512 times fewer faults, and
//! fewer TLB misses on the strided column reads of the Gaussian. The buffers are reused for
//! every later image, so this only changes start-up cost and TLB reach, never results.

/// Buffers at least this large are advised (two huge pages: smaller ones gain nothing).
const HUGE_MIN_BYTES: usize = 4 << 20;

/// Makes `v`'s capacity at least `n` elements, keeping its contents. When it has to grow to
/// [`HUGE_MIN_BYTES`] or more, the new allocation is advised for huge pages before anything is
/// written to it.
pub fn reserve_huge<T: Copy>(v: &mut Vec<T>, n: usize) {
    if v.capacity() >= n {
        return;
    }
    let bytes = n.saturating_mul(std::mem::size_of::<T>());
    if bytes < HUGE_MIN_BYTES {
        v.reserve_exact(n - v.len());
        return;
    }
    let mut fresh: Vec<T> = Vec::with_capacity(n);
    advise_huge(fresh.as_mut_ptr().cast(), bytes);
    fresh.extend_from_slice(v);
    *v = fresh;
}

/// Makes `v` `n` long, zero-filling only the samples it did not have, for callers that then
/// overwrite every sample; a buffer that grows large is advised for huge pages first.
pub fn set_len(v: &mut Vec<f64>, n: usize) {
    reserve_huge(v, n);
    v.truncate(n);
    v.resize(n, 0.0);
}

/// `madvise(MADV_HUGEPAGE)` on the 2 MB-aligned part of `[ptr, ptr + len)`; failures (no THP,
/// another OS) are ignored: the advice is only a hint.
fn advise_huge(ptr: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: [start, end) lies inside the allocation just made by the caller, which
            // owns it; MADV_HUGEPAGE changes no contents and no access rights.
            let _ = unsafe {
                rustix::mm::madvise(
                    start as *mut std::ffi::c_void,
                    end - start,
                    rustix::mm::Advice::LinuxHugepage,
                )
            };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_keeps_contents_and_grows() {
        for n in [0usize, 10, 1 << 20, 3 << 20] {
            let mut v: Vec<f64> = (0..5).map(f64::from).collect();
            reserve_huge(&mut v, n);
            assert!(v.capacity() >= n);
            assert_eq!(v, [0.0, 1.0, 2.0, 3.0, 4.0]);
            v.resize(n.max(5), 7.0);
            assert_eq!(v.len(), n.max(5));
        }
    }
}
