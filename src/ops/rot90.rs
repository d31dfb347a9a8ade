//! `op = "rot90"`: `np.rot90(image, k)` in the plane of the first two axes.

use super::elementwise::shape_like;
use super::transpose::swap_axes;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.rot90(image, k)`: the image turned by `k` quarter turns counter-clockwise (negative `k`
/// turns clockwise), each pixel's channels kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rot90 {
    /// Quarter turns, counter-clockwise; any integer (numpy takes it modulo 4).
    #[serde(default = "one")]
    pub k: i64,
}

fn one() -> i64 {
    1
}

impl Default for Rot90 {
    fn default() -> Self {
        Rot90 { k: 1 }
    }
}

impl OpSpec for Rot90 {
    const NAME: &'static str = "rot90";
    const EQUALS: &'static str = "np.rot90(image, k)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        Some(Box::new(self.clone()))
    }
}

impl Rot90 {
    /// `k` modulo 4, as Python's `k % 4` (never negative).
    fn turns(&self) -> i64 {
        self.k.rem_euclid(4)
    }
}

impl Kernel for Rot90 {
    fn key(&self) -> serde_json::Value {
        // Only k modulo 4 changes the result.
        serde_json::json!({ "k": self.turns() })
    }

    fn describe(&self) -> String {
        format!("k={}", self.k)
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("rot90 takes one image".into());
        };
        Ok(if self.turns() % 2 == 1 {
            Shape {
                height: s.width,
                width: s.height,
                channels: s.channels,
            }
        } else {
            *s
        })
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("rot90 takes one image".into());
        };
        match self.turns() {
            // k = 1: `transpose(flip(m, 1))`, out[i][j] = m[j][W-1-i].
            1 => swap_axes(img, out, false, true),
            // k = 3: `flip(transpose(m), 1)`, out[i][j] = m[H-1-j][i].
            3 => swap_axes(img, out, true, false),
            _ => {
                shape_like(out, Shape::of(img));
                out.data.copy_from_slice(&img.data);
                return self.apply_in_place(out, scratch).unwrap_or(Ok(()));
            }
        }
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        match self.turns() {
            0 => {}
            // Both axes flipped: the pixels in reverse order, each pixel's channels kept.
            2 => {
                let c = img.channels.max(1);
                img.data.reverse();
                if c > 1 {
                    for px in img.data.chunks_exact_mut(c) {
                        px.reverse();
                    }
                }
            }
            _ => return None,
        }
        Some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `np.rot90(np.arange(12.).reshape(2, 3, 2), k)` for k = 0 … 3 and -1, 5.
    #[test]
    fn rotates_like_numpy() {
        let a = Image::from_vec(2, 3, 2, (0..12).map(f64::from).collect()).unwrap();
        let rot = |k| {
            let mut out = Image::default();
            Rot90 { k }
                .apply(&[&a], &mut out, &mut Scratch::default())
                .unwrap();
            (out.height, out.width, out.data)
        };
        assert_eq!(rot(0), (2, 3, a.data.clone()));
        let one = (3, 2, vec![4., 5., 10., 11., 2., 3., 8., 9., 0., 1., 6., 7.]);
        assert_eq!(rot(1), one);
        assert_eq!(rot(5), one);
        assert_eq!(
            rot(2),
            (2, 3, vec![10., 11., 8., 9., 6., 7., 4., 5., 2., 3., 0., 1.])
        );
        let three = (3, 2, vec![6., 7., 0., 1., 8., 9., 2., 3., 10., 11., 4., 5.]);
        assert_eq!(rot(3), three);
        assert_eq!(rot(-1), three);
    }
}
