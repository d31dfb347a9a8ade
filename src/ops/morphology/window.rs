//! The window a morphology filter takes its min or max over: a footprint padded to odd sizes the
//! way scikit-image pads it, with its cells as offsets from the centre and as horizontal runs
//! ("chords") for the fast filters.
//!
//! scikit-image pads an even footprint axis by one zero cell before handing it to scipy, whose
//! origin is then the exact centre:
//! - the grey ops (`erosion`, `dilation`, …) pad at the **start** (`pad_end=False`): an even
//!   side `n` covers offsets `1 - n/2 ..= n/2`;
//! - the binary ops pad at the **end** (`pad_end=True`): offsets `-n/2 ..= n/2 - 1`, one pixel
//!   apart from the grey ops (scikit-image documents the shift).

use crate::ops::footprint::Footprint;

/// A footprint with odd sides, centred at `(rows / 2, cols / 2)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub rows: usize,
    pub cols: usize,
    /// Row-major: `mask[i * cols + j]`.
    pub mask: Vec<bool>,
}

/// One horizontal run of set cells of a window: offsets `(dy, dx ..= dx + len - 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub dy: isize,
    pub dx: isize,
    pub len: usize,
}

impl Window {
    /// scikit-image's default footprint, `ndi.generate_binary_structure(2, 1)`: the 3 × 3 cross.
    pub fn cross() -> Window {
        Window {
            rows: 3,
            cols: 3,
            mask: [false, true, false, true, true, true, false, true, false].to_vec(),
        }
    }

    /// `pad_footprint(footprint, pad_end=False)`: a zero row (column) put before an even one.
    pub fn grey(fp: &Footprint) -> Window {
        Self::padded(fp, false)
    }

    /// `pad_footprint(footprint, pad_end=True)`: a zero row (column) put after an even one.
    pub fn binary(fp: &Footprint) -> Window {
        Self::padded(fp, true)
    }

    fn padded(fp: &Footprint, at_end: bool) -> Window {
        let pad = |n: usize| usize::from(n.is_multiple_of(2));
        let (rows, cols) = (fp.rows + pad(fp.rows), fp.cols + pad(fp.cols));
        // Where the footprint's cell (0, 0) lands in the padded window.
        let (r0, c0) = if at_end {
            (0, 0)
        } else {
            (pad(fp.rows), pad(fp.cols))
        };
        let mut mask = vec![false; rows * cols];
        for i in 0..fp.rows {
            for j in 0..fp.cols {
                mask[(i + r0) * cols + j + c0] = fp.mask[i * fp.cols + j];
            }
        }
        Window { rows, cols, mask }
    }

    /// `footprint[::-1, ::-1]` (`mirror_footprint`): the offsets negated.
    pub fn mirrored(&self) -> Window {
        Window {
            rows: self.rows,
            cols: self.cols,
            mask: self.mask.iter().rev().copied().collect(),
        }
    }

    /// The offsets `(dy, dx)` of the set cells from the centre, in row-major order (the order
    /// scipy's `NI_MinOrMaxFilter` visits them).
    pub fn offsets(&self) -> Vec<(isize, isize)> {
        let (cy, cx) = ((self.rows / 2) as isize, (self.cols / 2) as isize);
        (0..self.rows * self.cols)
            .filter(|&k| self.mask[k])
            .map(|k| ((k / self.cols) as isize - cy, (k % self.cols) as isize - cx))
            .collect()
    }

    /// Whether every cell is set: scipy then filters axis by axis (`minimum_filter1d`).
    pub fn is_full(&self) -> bool {
        self.mask.iter().all(|&m| m)
    }

    /// The horizontal runs of set cells, row by row.
    pub fn chords(&self) -> Vec<Chord> {
        let (cy, cx) = ((self.rows / 2) as isize, (self.cols / 2) as isize);
        let mut out = Vec::new();
        for i in 0..self.rows {
            let row = &self.mask[i * self.cols..(i + 1) * self.cols];
            let mut j = 0;
            while j < self.cols {
                if !row[j] {
                    j += 1;
                    continue;
                }
                let start = j;
                while j < self.cols && row[j] {
                    j += 1;
                }
                out.push(Chord {
                    dy: i as isize - cy,
                    dx: start as isize - cx,
                    len: j - start,
                });
            }
        }
        out
    }

    /// The smallest `(dy0, dy1, dx0, dx1)` with every set cell's offset inside
    /// `dy0 ..= dy1`, `dx0 ..= dx1`; `None` for a window without set cells.
    pub fn extent(&self) -> Option<(isize, isize, isize, isize)> {
        let offsets = self.offsets();
        let dy0 = offsets.iter().map(|o| o.0).min()?;
        let dy1 = offsets.iter().map(|o| o.0).max()?;
        let dx0 = offsets.iter().map(|o| o.1).min()?;
        let dx1 = offsets.iter().map(|o| o.1).max()?;
        Some((dy0, dy1, dx0, dx1))
    }

    /// Whether the set cells fill their bounding box (a rectangle, possibly off-centre): the
    /// fast filters then work axis by axis.
    pub fn is_rectangle(&self) -> bool {
        let Some((dy0, dy1, dx0, dx1)) = self.extent() else {
            return false;
        };
        let count = self.mask.iter().filter(|&&m| m).count();
        count as isize == (dy1 - dy0 + 1) * (dx1 - dx0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::footprint::FootprintSpec;

    #[test]
    fn even_sides_are_padded_as_scikit_image_pads_them() {
        let fp = FootprintSpec::Square(2).build();
        // Grey ops: the 2 × 2 block covers offsets {0, 1}² (scikit-image's `pad_end=False`).
        assert_eq!(
            Window::grey(&fp).offsets(),
            [(0, 0), (0, 1), (1, 0), (1, 1)]
        );
        // Binary ops: offsets {-1, 0}².
        assert_eq!(
            Window::binary(&fp).offsets(),
            [(-1, -1), (-1, 0), (0, -1), (0, 0)]
        );
        let r = FootprintSpec::Rectangle([2, 3]).build();
        assert_eq!(Window::grey(&r).extent(), Some((0, 1, -1, 1)));
        assert_eq!(Window::binary(&r).extent(), Some((-1, 0, -1, 1)));
        assert!(Window::grey(&r).is_rectangle() && !Window::grey(&r).is_full());
        assert!(Window::grey(&FootprintSpec::Square(3).build()).is_full());
    }

    #[test]
    fn mirror_negates_offsets_and_chords_cover_the_cells() {
        let w = Window::grey(&FootprintSpec::Rectangle([2, 2]).build());
        let m = w.mirrored();
        assert_eq!(m.offsets(), [(-1, -1), (-1, 0), (0, -1), (0, 0)]);
        let disk = Window::grey(&FootprintSpec::Disk(2).build());
        let chords = disk.chords();
        assert_eq!(
            chords,
            [
                Chord {
                    dy: -2,
                    dx: 0,
                    len: 1
                },
                Chord {
                    dy: -1,
                    dx: -1,
                    len: 3
                },
                Chord {
                    dy: 0,
                    dx: -2,
                    len: 5
                },
                Chord {
                    dy: 1,
                    dx: -1,
                    len: 3
                },
                Chord {
                    dy: 2,
                    dx: 0,
                    len: 1
                },
            ]
        );
        assert_eq!(Window::cross().offsets().len(), 5);
        assert!(!Window::cross().is_rectangle());
    }
}
