//! Boundary extension modes of `scipy.ndimage` (`NI_ExtendLine`, `ni_support.c`).
//!
//! A 1-D filter of radius `r` over a line of length `n` reads virtual positions `p` in
//! `-r .. n + r`. [`BoundaryMode::map_index`] says which real sample stands at `p`, or that the
//! constant `cval` does. The formulas are closed-form and hold for any radius, including
//! `r` much larger than `n`, exactly as scipy extends lines (docs/exactness.md, "Boundary modes").

use serde::{Deserialize, Serialize};

/// How a filter sees samples beyond the edge of the image (scipy.ndimage `mode`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum BoundaryMode {
    /// Repeat the edge sample: `aaaa|abcd|dddd` (scikit-image's default for `gaussian`).
    #[default]
    Nearest,
    /// Reflect about the edge, repeating the edge sample: `dcba|abcd|dcba` (scipy's default;
    /// also called `grid-mirror`, and `symmetric` in numpy.pad).
    Reflect,
    /// Reflect about the centre of the edge sample, not repeating it: `dcb|abcd|cba`
    /// (`reflect` in numpy.pad).
    Mirror,
    /// Fill with the constant `cval`: `kkkk|abcd|kkkk` (also `grid-constant`).
    Constant,
    /// Wrap around periodically: `abcd|abcd|abcd` (also `grid-wrap`).
    Wrap,
}

impl BoundaryMode {
    /// Every mode, in declaration order.
    pub const ALL: [BoundaryMode; 5] = [
        BoundaryMode::Nearest,
        BoundaryMode::Reflect,
        BoundaryMode::Mirror,
        BoundaryMode::Constant,
        BoundaryMode::Wrap,
    ];

    /// The mode's name as written in workflow files and used by scipy (`"nearest"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            BoundaryMode::Nearest => "nearest",
            BoundaryMode::Reflect => "reflect",
            BoundaryMode::Mirror => "mirror",
            BoundaryMode::Constant => "constant",
            BoundaryMode::Wrap => "wrap",
        }
    }

    /// The index of the sample used for virtual position `p` on a line of length `n`.
    ///
    /// Positions inside `0..n` map to themselves in every mode. Outside, `None` means "use
    /// `cval`" (only [`BoundaryMode::Constant`] returns it). Valid for any `p`, however far
    /// outside the line. For `n == 0` there is no sample and the result is always `None`.
    pub fn map_index(self, p: isize, n: usize) -> Option<usize> {
        if n == 0 {
            return None;
        }
        if p >= 0 && (p as usize) < n {
            return Some(p as usize);
        }
        // i128 arithmetic: no overflow for any isize position and usize length.
        let p = p as i128;
        let n = n as i128;
        let q = match self {
            BoundaryMode::Nearest => p.clamp(0, n - 1),
            BoundaryMode::Reflect => {
                let q = p.rem_euclid(2 * n);
                if q < n {
                    q
                } else {
                    2 * n - 1 - q
                }
            }
            BoundaryMode::Mirror => {
                if n == 1 {
                    0
                } else {
                    let q = p.rem_euclid(2 * n - 2);
                    if q < n {
                        q
                    } else {
                        2 * n - 2 - q
                    }
                }
            }
            BoundaryMode::Constant => return None,
            BoundaryMode::Wrap => p.rem_euclid(n),
        };
        Some(q as usize)
    }

    /// The mode named `s` (the inverse of [`BoundaryMode::name`]).
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::BoundaryMode::{self, *};

    fn ext(mode: BoundaryMode, n: usize, r: isize) -> Vec<i64> {
        (-r..n as isize + r)
            .map(|p| mode.map_index(p, n).map_or(-1, |i| i as i64))
            .collect()
    }

    #[test]
    fn names_round_trip() {
        for m in BoundaryMode::ALL {
            assert_eq!(BoundaryMode::from_name(m.name()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
            assert_eq!(serde_json::from_str::<BoundaryMode>(&json).unwrap(), m);
        }
        assert_eq!(BoundaryMode::default(), Nearest);
        assert_eq!(BoundaryMode::from_name("bogus"), None);
    }

    #[test]
    fn small_patterns() {
        // n = 4, r = 4: the patterns of docs/exactness.md, "Boundary modes".
        assert_eq!(ext(Nearest, 4, 4), [0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3]);
        assert_eq!(ext(Reflect, 4, 4), [3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0]);
        assert_eq!(ext(Mirror, 4, 4), [2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1]);
        assert_eq!(ext(Wrap, 4, 4), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
        assert_eq!(
            ext(Constant, 4, 4),
            [-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1]
        );
    }

    #[test]
    fn empty_line_and_extremes() {
        for m in BoundaryMode::ALL {
            assert_eq!(m.map_index(0, 0), None);
            assert_eq!(m.map_index(isize::MIN, 0), None);
            // Extreme positions never overflow and always land inside the line.
            for n in [1usize, 2, 3, 7, usize::MAX] {
                for p in [isize::MIN, isize::MIN + 1, -1, isize::MAX] {
                    if let Some(i) = m.map_index(p, n) {
                        assert!(i < n, "{m:?} p={p} n={n} -> {i}");
                    } else {
                        assert_eq!(m, Constant);
                    }
                }
            }
        }
    }

    /// scipy's extension for p = -40 .. n+40 (r = 40 ≫ n), one character per position, `k` = cval.
    /// Produced by correlating `arange(n)` with a one-hot kernel, so output 0 reads in_ext[p]:
    /// ```text
    /// import numpy as np, scipy.ndimage as ndi
    /// def ext(n, mode, r=40, R=60):
    ///     out = []
    ///     for p in range(-r, n + r):
    ///         w = np.zeros(2*R+1); w[R+p] = 1
    ///         out.append(int(ndi.correlate1d(np.arange(n, dtype=float), w, mode=mode, cval=-1)[0]))
    ///     return ''.join('k' if v < 0 else str(v) for v in out)
    /// ```
    const SCIPY_R40: [(BoundaryMode, usize, &str); 20] = [
        (
            Nearest,
            1,
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            Nearest,
            2,
            "0000000000000000000000000000000000000000011111111111111111111111111111111111111111",
        ),
        (
            Nearest,
            3,
            "00000000000000000000000000000000000000000122222222222222222222222222222222222222222",
        ),
        (
            Nearest,
            5,
            "0000000000000000000000000000000000000000012344444444444444444444444444444444444444444",
        ),
        (
            Reflect,
            1,
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            Reflect,
            2,
            "0110011001100110011001100110011001100110011001100110011001100110011001100110011001",
        ),
        (
            Reflect,
            3,
            "22100122100122100122100122100122100122100122100122100122100122100122100122100122100",
        ),
        (
            Reflect,
            5,
            "0123443210012344321001234432100123443210012344321001234432100123443210012344321001234",
        ),
        (
            Mirror,
            1,
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            Mirror,
            2,
            "0101010101010101010101010101010101010101010101010101010101010101010101010101010101",
        ),
        (
            Mirror,
            3,
            "01210121012101210121012101210121012101210121012101210121012101210121012101210121012",
        ),
        (
            Mirror,
            5,
            "0123432101234321012343210123432101234321012343210123432101234321012343210123432101234",
        ),
        (
            Constant,
            1,
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk0kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        ),
        (
            Constant,
            2,
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk01kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        ),
        (
            Constant,
            3,
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk012kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        ),
        (
            Constant,
            5,
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk01234kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        ),
        (
            Wrap,
            1,
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            Wrap,
            2,
            "0101010101010101010101010101010101010101010101010101010101010101010101010101010101",
        ),
        (
            Wrap,
            3,
            "20120120120120120120120120120120120120120120120120120120120120120120120120120120120",
        ),
        (
            Wrap,
            5,
            "0123401234012340123401234012340123401234012340123401234012340123401234012340123401234",
        ),
    ];

    #[test]
    fn matches_scipy_for_radius_much_larger_than_line() {
        for (mode, n, want) in SCIPY_R40 {
            let got: String = ext(mode, n, 40)
                .iter()
                .map(|&i| {
                    if i < 0 {
                        'k'
                    } else {
                        char::from(b'0' + i as u8)
                    }
                })
                .collect();
            assert_eq!(got, want, "{mode:?} n={n}");
        }
    }
}
