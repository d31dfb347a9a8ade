//! `np.unique(a, return_counts=True)` for float64 samples: the distinct values in increasing
//! order with how often each occurs. As numpy compares them, `-0.0` and `0.0` are one value
//! (counted as `0.0`) and every NaN is one value, sorted last (`equal_nan=True`).
//!
//! numpy sorts a copy of the samples; the values and counts do not depend on how they are found,
//! so images with few distinct values (every 8- or 16-bit image) are counted in a small hash
//! table instead, and only images with many distinct values are sorted.

/// Past this many distinct values the samples are sorted rather than hashed.
const MAX_HASHED: usize = 1 << 16;

/// The distinct values of `data` in increasing order (NaN last), with their counts.
pub fn unique_counts(data: &[f64]) -> Vec<(f64, u64)> {
    let mut out = match hashed(data) {
        Some(v) => v,
        None => sorted(data),
    };
    out.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The value numpy's comparisons make of `x`: `0.0` for either zero, one NaN for every NaN.
#[inline(always)]
fn canonical(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// Counts in an open-addressing table; `None` once there are more than [`MAX_HASHED`] values.
fn hashed(data: &[f64]) -> Option<Vec<(f64, u64)>> {
    let mut bits = 10u32;
    let mut keys = vec![0u64; 1 << bits];
    let mut counts = vec![0u64; 1 << bits];
    let mut len = 0usize;
    for &x in data {
        let k = canonical(x);
        let mask = (1usize << bits) - 1;
        let mut i = slot(k, bits);
        loop {
            if counts[i] == 0 {
                keys[i] = k;
                counts[i] = 1;
                len += 1;
                break;
            }
            if keys[i] == k {
                counts[i] += 1;
                break;
            }
            i = (i + 1) & mask;
        }
        if 2 * len > (1 << bits) {
            if len > MAX_HASHED {
                return None;
            }
            bits += 1;
            let (old_keys, old_counts) = (keys, counts);
            keys = vec![0u64; 1 << bits];
            counts = vec![0u64; 1 << bits];
            let mask = (1usize << bits) - 1;
            for (&k, &c) in old_keys.iter().zip(&old_counts).filter(|(_, &c)| c != 0) {
                let mut i = slot(k, bits);
                while counts[i] != 0 {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                counts[i] = c;
            }
        }
    }
    Some(
        keys.iter()
            .zip(&counts)
            .filter(|(_, &c)| c != 0)
            .map(|(&k, &c)| (f64::from_bits(k), c))
            .collect(),
    )
}

#[inline(always)]
fn slot(k: u64, bits: u32) -> usize {
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// Counts by sorting a copy.
fn sorted(data: &[f64]) -> Vec<(f64, u64)> {
    let mut v: Vec<u64> = data.iter().map(|&x| canonical(x)).collect();
    // Finite and infinite values order like their bits once negatives are flipped; the sort is
    // on that key, and the caller sorts the (few) runs by value anyway.
    v.sort_unstable_by_key(|&b| order_key(b));
    let mut out: Vec<(f64, u64)> = Vec::new();
    for b in v {
        match out.last_mut() {
            Some((x, c)) if x.to_bits() == b => *c += 1,
            _ => out.push((f64::from_bits(b), 1)),
        }
    }
    out
}

/// A key whose unsigned order is the total order of the floats with these bits.
#[inline(always)]
fn order_key(b: u64) -> u64 {
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// `np.min(np.diff(np.unique(a)))` for samples without NaN: the smallest gap between distinct
/// values; `None` when there are fewer than two.
pub fn min_gap(data: &[f64]) -> Option<f64> {
    let u = unique_counts(data);
    u.windows(2).map(|w| w[1].0 - w[0].0).reduce(|a, b| {
        // np.min propagates NaN (none here) and keeps the smaller value.
        if b < a {
            b
        } else {
            a
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_numpy() {
        let a = [0.5, -0.0, f64::NAN, 0.25, 0.0, 0.5, f64::NAN, -1.0];
        let u = unique_counts(&a);
        assert_eq!(u.len(), 5);
        assert_eq!(
            u[..4].iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
            [(-1.0, 1), (0.0, 2), (0.25, 1), (0.5, 2)]
        );
        assert!(u[4].0.is_nan() && u[4].1 == 2);
        assert_eq!(sorted(&a).len(), 5);
    }

    #[test]
    fn many_values_are_sorted_alike() {
        let a: Vec<f64> = (0..200_000).map(|i| ((i * 7919) % 100_003) as f64 - 5e4).collect();
        let u = unique_counts(&a);
        assert!(hashed(&a).is_none());
        let mut v = sorted(&a);
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(u, v);
        assert!(u.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(u.iter().map(|p| p.1).sum::<u64>(), 200_000);
        assert_eq!(min_gap(&a), Some(1.0));
    }
}
