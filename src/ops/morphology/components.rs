//! Connected components of a plane whose pixels carry a class (an integer): neighbours of one
//! class join, pixels of the background class belong to none. Connectivity 1 joins the 4 edge
//! neighbours, 2 the 8 edge and corner neighbours (`ndi.generate_binary_structure(2, c)`).
//!
//! Each row is cut into runs of one class; a run joins the runs of the row above that touch it
//! (overlap, or also meet at a corner for connectivity 2) and have its class, through a
//! union-find whose root is always the lowest run. The lowest run of a component holds its first
//! pixel in raster order, so numbering the roots in run order numbers the components in the order
//! of their first pixels — the order of `skimage.measure.label` and `scipy.ndimage.label`.

use crate::Image;

/// A run of pixels `x0 .. x1` of row `y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub y: usize,
    pub x0: usize,
    pub x1: usize,
}

/// The components of one plane (buffers reused from image to image).
#[derive(Default, Debug)]
pub struct Components {
    /// Every non-background run, in raster order.
    pub runs: Vec<Run>,
    class: Vec<i64>,
    parent: Vec<usize>,
    /// The component (1 ..= count) of each run.
    pub label: Vec<usize>,
    /// The pixel count of each component (`area[0]` is unused).
    pub area: Vec<usize>,
    /// How many components there are.
    pub count: usize,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

impl Components {
    /// Finds the components of the `h × w` plane whose pixel `i` (row-major) has class
    /// `class(i)`; pixels of class `background` belong to none. `connectivity` is 1 or 2 (any
    /// other value counts as 2).
    pub fn find(
        &mut self,
        (h, w): (usize, usize),
        class: impl Fn(usize) -> i64,
        background: i64,
        connectivity: u32,
    ) {
        self.runs.clear();
        self.class.clear();
        self.parent.clear();
        let reach = usize::from(connectivity != 1);
        let mut prev = 0..0;
        for y in 0..h {
            let start = self.runs.len();
            let mut x = 0;
            while x < w {
                let c = class(y * w + x);
                let x0 = x;
                x += 1;
                while x < w && class(y * w + x) == c {
                    x += 1;
                }
                if c != background {
                    self.runs.push(Run { y, x0, x1: x });
                    self.class.push(c);
                    self.parent.push(self.parent.len());
                }
            }
            // Join each run with the runs above it that touch it. The runs of a row are sorted
            // and disjoint: a run above that ends before this one starts ends before every
            // later one too.
            let mut j = prev.start;
            for r in start..self.runs.len() {
                let Run { x0, x1, .. } = self.runs[r];
                while j < prev.end && self.runs[j].x1 + reach <= x0 {
                    j += 1;
                }
                let mut k = j;
                while k < prev.end && self.runs[k].x0 < x1 + reach {
                    if self.class[k] == self.class[r] {
                        let (a, b) = (find(&mut self.parent, k), find(&mut self.parent, r));
                        let (lo, hi) = (a.min(b), a.max(b));
                        self.parent[hi] = lo;
                    }
                    k += 1;
                }
            }
            prev = start..self.runs.len();
        }
        // Number the roots in run order; every other run's root comes before it.
        self.label.clear();
        self.area.clear();
        self.area.push(0);
        self.count = 0;
        for i in 0..self.runs.len() {
            let root = find(&mut self.parent, i);
            let l = if root == i {
                self.count += 1;
                self.area.push(0);
                self.count
            } else {
                self.label[root]
            };
            self.label.push(l);
            self.area[l] += self.runs[i].x1 - self.runs[i].x0;
        }
    }

    /// The non-background runs with their component.
    pub fn labelled(&self) -> impl Iterator<Item = (Run, usize)> + '_ {
        self.runs.iter().copied().zip(self.label.iter().copied())
    }

    /// The components' pixel counts, in label order.
    pub fn areas(&self) -> &[usize] {
        self.area.get(1..).unwrap_or(&[])
    }
}

/// The components of a gray image's non-zero pixels (`label(image != 0, connectivity)`), for
/// the metrics named `metric`; a colour image is refused.
pub fn foreground(metric: &str, image: &Image, connectivity: u32) -> Result<Components, String> {
    if image.channels != 1 {
        return Err(format!(
            "`{metric}` counts objects of a gray image, and this one has {} channels (use \
             `channel = \"each\"`, or the source's `color = \"gray\"`)",
            image.channels
        ));
    }
    let mut c = Components::default();
    let data = &image.data;
    c.find(
        (image.height, image.width),
        |i| i64::from(data[i] != 0.0),
        0,
        connectivity,
    );
    Ok(c)
}

/// numpy's `astype(np.int64)` of a float64 on x86-64: truncation toward zero, and the "integer
/// indefinite" `i64::MIN` for NaN, ±inf and values out of range.
pub fn np_int64(v: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if v.is_nan() || !(-LIMIT..LIMIT).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(rows: &[&str], connectivity: u32) -> String {
        let (h, w) = (rows.len(), rows[0].len());
        let px: Vec<i64> = rows
            .iter()
            .flat_map(|r| r.bytes().map(|b| i64::from(b - b'0')))
            .collect();
        let mut c = Components::default();
        c.find((h, w), |i| px[i], 0, connectivity);
        let mut out = vec![0usize; h * w];
        for (r, l) in c.labelled() {
            out[r.y * w + r.x0..r.y * w + r.x1].fill(l);
        }
        out.chunks(w)
            .map(|r| r.iter().map(|l| l.to_string()).collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `skimage.measure.label(a, connectivity=c)` of these arrays.
    #[test]
    fn labels_in_raster_order_of_first_pixels() {
        let a = ["1001", "0110", "1001"];
        assert_eq!(labels(&a, 1), "1002 0330 4005");
        assert_eq!(labels(&a, 2), "1001 0110 1001");
        // A U shape: its right arm starts first on row 0 only after the left; one component.
        assert_eq!(labels(&["101", "101", "111"], 1), "101 101 111");
        // Equal values join, different ones do not.
        assert_eq!(labels(&["1122", "1122"], 2), "1122 1122");
        assert_eq!(labels(&["0202", "2020"], 1), "0102 3040");
        assert_eq!(labels(&["0202", "2020"], 2), "0101 1010");
    }

    #[test]
    fn areas_and_empty_planes() {
        let mut c = Components::default();
        c.find((0, 0), |_| 1, 0, 1);
        assert_eq!((c.count, c.areas()), (0, &[][..]));
        let px = [1, 1, 0, 1];
        c.find((2, 2), |i| px[i], 0, 1);
        assert_eq!((c.count, c.areas()), (1, &[3][..]));
    }

    #[test]
    fn casts_like_numpy() {
        assert_eq!(np_int64(1.9), 1);
        assert_eq!(np_int64(-1.9), -1);
        assert_eq!(np_int64(-0.5), 0);
        assert_eq!(np_int64(f64::NAN), i64::MIN);
        assert_eq!(np_int64(f64::INFINITY), i64::MIN);
        assert_eq!(np_int64(1e19), i64::MIN);
        assert_eq!(np_int64(-9.2e18), -9_200_000_000_000_000_000);
    }
}
