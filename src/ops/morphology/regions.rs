//! The ops built on connected components ([`super::components`]): `remove_small_objects`,
//! `remove_small_holes` and `label`.
//!
//! - `remove_small_objects(image != 0, max_size, connectivity)`: scikit-image labels the set
//!   pixels (`ndi.label`) and unsets every component of `max_size` pixels or fewer;
//! - `remove_small_holes`: the same on the unset pixels (`~image`), which are then set — a small
//!   unset region touching the border is filled too, as in scikit-image;
//! - `label`: `skimage.measure.label(image, background, connectivity)` on the float image as it
//!   is: scikit-image casts it to int64 (truncation toward zero) and joins neighbours of equal
//!   value, so a 0.0 / 1.0 image is labelled as `label(image != 0)` would be, and a label image
//!   keeps touching labels apart.

use super::components::{np_int64, Components};
use crate::diag::ParamCx;
use crate::ops::elementwise::shape_like;
use crate::ops::{Kernel, Scratch, Shape};
use crate::Image;

/// Checks a `connectivity` (1 or 2), reported at `key`.
pub fn check_connectivity(c: u32, cx: &mut ParamCx) -> bool {
    if c == 1 || c == 2 {
        return true;
    }
    cx.err(
        "connectivity",
        format!("`connectivity` must be 1 or 2, got {c}"),
        Some("1: the 4 edge neighbours touch; 2: the 8 edge and corner neighbours".to_string()),
    );
    false
}

/// The size limit of `remove_small_*`: `max_size`, or its deprecated alias (`min_size`,
/// `area_threshold`), which scikit-image 0.26 applies the same inclusive way; giving both is an
/// error there too.
pub fn size_limit(
    max_size: Option<u64>,
    alias: (&str, Option<u64>),
    cx: &mut ParamCx,
) -> Option<u64> {
    match (max_size, alias.1) {
        (Some(_), Some(_)) => {
            cx.err(
                alias.0,
                format!(
                    "give `max_size` or its deprecated name `{}`, not both",
                    alias.0
                ),
                Some("scikit-image 0.26 raises the same error".to_string()),
            );
            None
        }
        (Some(v), None) | (None, Some(v)) => Some(v),
        (None, None) => Some(64),
    }
}

/// What a components op computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionOp {
    /// Unset set components of at most this many pixels.
    RemoveObjects(u64),
    /// Set unset components of at most this many pixels.
    FillHoles(u64),
    /// Number the components of equal integer value, `background` excluded.
    Label { background: i64 },
}

/// A compiled components op.
#[derive(Clone, Debug, PartialEq)]
pub struct Regions {
    pub name: &'static str,
    pub op: RegionOp,
    pub connectivity: u32,
}

impl Regions {
    /// The op over the gray plane `src` (`h × w`) into `out`.
    pub fn run(&self, src: &[f64], hw: (usize, usize), out: &mut [f64], c: &mut Components) {
        let w = hw.1;
        let fill = |out: &mut [f64], c: &Components, keep: &dyn Fn(usize) -> Option<f64>| {
            for (r, l) in c.labelled() {
                if let Some(v) = keep(l) {
                    out[r.y * w + r.x0..r.y * w + r.x1].fill(v);
                }
            }
        };
        match self.op {
            RegionOp::RemoveObjects(max) => {
                c.find(hw, |i| i64::from(src[i] != 0.0), 0, self.connectivity);
                out.fill(0.0);
                fill(out, c, &|l| (c.area[l] as u64 > max).then_some(1.0));
            }
            RegionOp::FillHoles(max) => {
                c.find(hw, |i| i64::from(src[i] == 0.0), 0, self.connectivity);
                for (o, &v) in out.iter_mut().zip(src) {
                    *o = f64::from(u8::from(v != 0.0));
                }
                fill(out, c, &|l| (c.area[l] as u64 <= max).then_some(1.0));
            }
            RegionOp::Label { background } => {
                c.find(hw, |i| np_int64(src[i]), background, self.connectivity);
                out.fill(0.0);
                fill(out, c, &|l| Some(l as f64));
            }
        }
    }
}

impl Kernel for Regions {
    fn key(&self) -> serde_json::Value {
        match self.op {
            RegionOp::RemoveObjects(max) | RegionOp::FillHoles(max) => {
                serde_json::json!({ "max_size": max, "connectivity": self.connectivity })
            }
            RegionOp::Label { background } => {
                serde_json::json!({ "background": background, "connectivity": self.connectivity })
            }
        }
    }

    fn describe(&self) -> String {
        match self.op {
            RegionOp::RemoveObjects(max) | RegionOp::FillHoles(max) => {
                format!("max_size={max} connectivity={}", self.connectivity)
            }
            RegionOp::Label { background } => {
                format!("background={background} connectivity={}", self.connectivity)
            }
        }
    }

    fn apply(
        &self,
        inputs: &[&Image],
        out: &mut Image,
        scratch: &mut Scratch,
    ) -> Result<(), String> {
        let [img] = inputs else {
            return Err(format!("`{}` takes one image", self.name));
        };
        super::gray_only(self.name, img.channels)?;
        shape_like(out, Shape::of(img));
        let hw = (img.height, img.width);
        self.run(&img.data, hw, &mut out.data, scratch.get::<Components>());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: RegionOp, connectivity: u32, rows: &[&[i32]]) -> Vec<Vec<i32>> {
        let (h, w) = (rows.len(), rows[0].len());
        let src: Vec<f64> = rows
            .iter()
            .flat_map(|r| r.iter().map(|&v| f64::from(v)))
            .collect();
        let r = Regions {
            name: "test",
            op,
            connectivity,
        };
        let mut out = vec![0.0; h * w];
        r.run(&src, (h, w), &mut out, &mut Components::default());
        out.chunks(w)
            .map(|r| r.iter().map(|&v| v as i32).collect())
            .collect()
    }

    /// The docstring examples of `remove_small_objects` and `remove_small_holes`.
    #[test]
    fn remove_small_as_scikit_image() {
        let a: &[&[i32]] = &[&[0, 0, 0, 1, 0], &[1, 1, 1, 0, 0], &[1, 1, 1, 0, 1]];
        assert_eq!(
            run(RegionOp::RemoveObjects(5), 1, a),
            [[0, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 0, 0]]
        );
        assert_eq!(
            run(RegionOp::RemoveObjects(6), 2, a),
            [[0, 0, 0, 1, 0], [1, 1, 1, 0, 0], [1, 1, 1, 0, 0]]
        );
        let b: &[&[i32]] = &[
            &[1, 1, 1, 1, 1, 0],
            &[1, 1, 1, 0, 1, 0],
            &[1, 0, 0, 1, 1, 0],
            &[1, 1, 1, 1, 1, 0],
        ];
        assert_eq!(
            run(RegionOp::FillHoles(1), 1, b),
            [
                [1, 1, 1, 1, 1, 0],
                [1, 1, 1, 1, 1, 0],
                [1, 0, 0, 1, 1, 0],
                [1, 1, 1, 1, 1, 0]
            ]
        );
        assert_eq!(run(RegionOp::FillHoles(1), 2, b), b);
        // A small unset region on the border is a hole too.
        assert_eq!(run(RegionOp::FillHoles(4), 1, b), [[1; 6]; 4]);
    }

    /// The docstring examples of `skimage.measure.label`.
    #[test]
    fn label_as_scikit_image() {
        let eye: &[&[i32]] = &[&[1, 0, 0], &[0, 1, 0], &[0, 0, 1]];
        let label = |background, c, rows| run(RegionOp::Label { background }, c, rows);
        assert_eq!(label(0, 1, eye), [[1, 0, 0], [0, 2, 0], [0, 0, 3]]);
        assert_eq!(label(0, 2, eye), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        assert_eq!(label(-1, 2, eye), [[1, 2, 2], [2, 1, 2], [2, 2, 1]]);
        let x: &[&[i32]] = &[&[1, 0, 0], &[1, 1, 5], &[0, 0, 0]];
        assert_eq!(label(0, 2, x), [[1, 0, 0], [1, 1, 2], [0, 0, 0]]);
    }

    /// Labels by a plain flood fill, numbering regions in raster order of their first pixel.
    fn flood(px: &[i64], (h, w): (usize, usize), background: i64, conn: u32) -> Vec<usize> {
        let mut out = vec![0usize; h * w];
        let mut next = 0;
        for start in 0..h * w {
            if px[start] == background || out[start] != 0 {
                continue;
            }
            next += 1;
            out[start] = next;
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                let (y, x) = ((i / w) as isize, (i % w) as isize);
                for dy in -1..=1isize {
                    for dx in -1..=1isize {
                        let (ny, nx) = (y + dy, x + dx);
                        let edge = dy == 0 || dx == 0;
                        if (conn == 1 && !edge) || ny < 0 || nx < 0 {
                            continue;
                        }
                        let (ny, nx) = (ny as usize, nx as usize);
                        let j = ny * w + nx;
                        if ny < h && nx < w && out[j] == 0 && px[j] == px[i] {
                            out[j] = next;
                            stack.push(j);
                        }
                    }
                }
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// On any small plane, `label` is the flood fill's numbering, `remove_small_objects`
        /// keeps exactly the set pixels of the larger objects and `remove_small_holes` sets
        /// exactly the unset pixels of the smaller holes; a constant plane is one region.
        #[test]
        fn components_match_a_flood_fill(
            h in 0usize..8,
            w in 0usize..8,
            values in proptest::collection::vec(-1i64..3, 64),
            conn in 1u32..3,
            max in 0u64..12,
            background in -1i64..2,
            constant in proptest::prelude::any::<bool>(),
        ) {
            let px: Vec<i64> = if constant {
                vec![values[0]; h * w]
            } else {
                values[..h * w].to_vec()
            };
            let src: Vec<f64> = px.iter().map(|&v| v as f64).collect();
            let go = |op| {
                let r = Regions { name: "test", op, connectivity: conn };
                let mut out = vec![f64::NAN; h * w];
                r.run(&src, (h, w), &mut out, &mut Components::default());
                out
            };
            let want = flood(&px, (h, w), background, conn);
            let got = go(RegionOp::Label { background });
            proptest::prop_assert_eq!(got.iter().map(|&v| v as usize).collect::<Vec<_>>(), want);
            if constant && h * w > 0 {
                let one = if values[0] == background { 0.0 } else { 1.0 };
                proptest::prop_assert!(got.iter().all(|&v| v == one));
            }
            let set: Vec<i64> = px.iter().map(|&v| i64::from(v != 0)).collect();
            let objects = flood(&set, (h, w), 0, conn);
            let holes = flood(&set, (h, w), 1, conn);
            let size = |labels: &[usize], l: usize| labels.iter().filter(|&&k| k == l).count();
            let removed = go(RegionOp::RemoveObjects(max));
            let filled = go(RegionOp::FillHoles(max));
            for i in 0..h * w {
                let keep = objects[i] != 0 && size(&objects, objects[i]) as u64 > max;
                proptest::prop_assert_eq!(removed[i], f64::from(u8::from(keep)));
                let fill = holes[i] != 0 && size(&holes, holes[i]) as u64 <= max;
                proptest::prop_assert_eq!(filled[i], f64::from(u8::from(set[i] == 1 || fill)));
            }
        }
    }
}
