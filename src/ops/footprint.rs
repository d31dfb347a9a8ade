//! Footprints (structuring elements) as scikit-image 0.26 makes them, for the ops that take one
//! (`median`, the morphology ops): written `footprint = { disk = 2 }`, `{ square = 3 }`,
//! `{ rectangle = [3, 5] }` or `{ diamond = 1 }`.
//!
//! - `disk(r)`: `x² + y² <= r²` over `[-r, r]²` (`skimage.morphology.disk`, strict radius);
//! - `square(n)`: an `n × n` block (`footprint_rectangle((n, n))`; `square` is deprecated in
//!   scikit-image 0.25 in its favour);
//! - `rectangle(rows, cols)`: a `rows × cols` block (`footprint_rectangle((rows, cols))`);
//! - `diamond(r)`: `|x| + |y| <= r` over `[-r, r]²` (`skimage.morphology.diamond`).
//!
//! The centre (scipy's origin 0) is `(rows / 2, cols / 2)`, rounded down, as scipy.ndimage puts
//! it for even sizes too.

use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A footprint as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FootprintSpec {
    /// `skimage.morphology.disk(radius)`.
    Disk(u32),
    /// An `n × n` square (`footprint_rectangle((n, n))`).
    Square(u32),
    /// A `[rows, columns]` rectangle (`footprint_rectangle((rows, columns))`).
    Rectangle([u32; 2]),
    /// `skimage.morphology.diamond(radius)`.
    Diamond(u32),
}

/// The largest footprint side accepted (a 1001 × 1001 window is far past any real use, and
/// keeps the offsets' memory and the per-pixel work bounded).
pub const MAX_SIDE: u32 = 1001;

/// A footprint: a `rows × cols` mask, centred at `(rows / 2, cols / 2)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    pub rows: usize,
    pub cols: usize,
    /// Row-major: `mask[dy * cols + dx]`.
    pub mask: Vec<bool>,
}

impl FootprintSpec {
    /// Checks the size (reported at `key`) and builds the mask.
    pub fn compile(self, key: &str, cx: &mut ParamCx) -> Option<Footprint> {
        let (rows, cols) = match self {
            FootprintSpec::Disk(r) | FootprintSpec::Diamond(r) => {
                (2 * u64::from(r) + 1, 2 * u64::from(r) + 1)
            }
            FootprintSpec::Square(n) => (u64::from(n), u64::from(n)),
            FootprintSpec::Rectangle([h, w]) => (u64::from(h), u64::from(w)),
        };
        if rows == 0 || cols == 0 {
            cx.err(
                key,
                format!("`{key}` is empty ({rows} × {cols})"),
                Some("e.g. { square = 3 } or { disk = 1 }".to_string()),
            );
            return None;
        }
        if rows > u64::from(MAX_SIDE) || cols > u64::from(MAX_SIDE) {
            cx.err(
                key,
                format!("`{key}` is {rows} × {cols}, over {MAX_SIDE} pixels a side"),
                None,
            );
            return None;
        }
        Some(self.build())
    }

    /// The mask (sizes checked by [`FootprintSpec::compile`]).
    pub fn build(self) -> Footprint {
        let (rows, cols) = match self {
            FootprintSpec::Disk(r) | FootprintSpec::Diamond(r) => {
                (2 * r as usize + 1, 2 * r as usize + 1)
            }
            FootprintSpec::Square(n) => (n as usize, n as usize),
            FootprintSpec::Rectangle([h, w]) => (h as usize, w as usize),
        };
        let (cy, cx) = ((rows / 2) as i64, (cols / 2) as i64);
        let keep = |y: i64, x: i64| match self {
            FootprintSpec::Disk(r) => x * x + y * y <= i64::from(r) * i64::from(r),
            FootprintSpec::Diamond(r) => x.abs() + y.abs() <= i64::from(r),
            FootprintSpec::Square(_) | FootprintSpec::Rectangle(_) => true,
        };
        let mask = (0..rows * cols)
            .map(|k| keep((k / cols) as i64 - cy, (k % cols) as i64 - cx))
            .collect();
        Footprint { rows, cols, mask }
    }

    /// For `plan`: `disk=2`, `square=3`, `rectangle=[3, 5]`, `diamond=1`.
    pub fn describe(self) -> String {
        match self {
            FootprintSpec::Disk(r) => format!("disk={r}"),
            FootprintSpec::Square(n) => format!("square={n}"),
            FootprintSpec::Rectangle([h, w]) => format!("rectangle=[{h}, {w}]"),
            FootprintSpec::Diamond(r) => format!("diamond={r}"),
        }
    }
}

impl Footprint {
    /// The centre: `(rows / 2, cols / 2)`.
    pub fn centre(&self) -> (usize, usize) {
        (self.rows / 2, self.cols / 2)
    }

    /// The offsets `(dy, dx)` from the centre of the mask's `true` cells, in row-major order
    /// (the order scipy.ndimage walks a footprint).
    pub fn offsets(&self) -> Vec<(isize, isize)> {
        let (cy, cx) = self.centre();
        (0..self.rows * self.cols)
            .filter(|&k| self.mask[k])
            .map(|k| {
                (
                    (k / self.cols) as isize - cy as isize,
                    (k % self.cols) as isize - cx as isize,
                )
            })
            .collect()
    }

    /// Whether every cell is set (a rectangle: separable, and the fast paths apply).
    pub fn is_full(&self) -> bool {
        self.mask.iter().all(|&m| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `skimage.morphology.disk(2).astype(int)` and `diamond(2)`.
    #[test]
    fn shapes_are_scikit_images() {
        let text = |f: Footprint| {
            f.mask
                .chunks(f.cols)
                .map(|r| {
                    r.iter()
                        .map(|&b| if b { '1' } else { '0' })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            text(FootprintSpec::Disk(2).build()),
            "00100 01110 11111 01110 00100"
        );
        assert_eq!(
            text(FootprintSpec::Diamond(2).build()),
            "00100 01110 11111 01110 00100"
        );
        assert_eq!(
            text(FootprintSpec::Disk(3).build()),
            "0001000 0111110 0111110 1111111 0111110 0111110 0001000"
        );
        let r = FootprintSpec::Rectangle([2, 3]).build();
        assert_eq!((r.rows, r.cols, r.centre()), (2, 3, (1, 1)));
        assert_eq!(r.offsets()[0], (-1, -1));
        assert!(r.is_full() && !FootprintSpec::Disk(1).build().is_full());
    }
}
