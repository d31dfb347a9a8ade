//! The machinery of the per-sample ops (`subtract`, `abs`, `clip`, …): a unary or binary
//! function applied to every sample, in memory order, as numpy's float64 ufunc loops do. Each
//! sample's result is one IEEE operation on its own operands, so the order of the loop — and
//! any vectorisation of it — cannot change a bit.

use super::{same_shapes, Kernel, Scratch, Shape};
use crate::Image;
use std::fmt;

/// Makes `out` an image of `shape` (its buffer reused; contents unspecified).
pub fn shape_like(out: &mut Image, shape: Shape) {
    out.height = shape.height;
    out.width = shape.width;
    out.channels = shape.channels;
    let n = shape.height * shape.width * shape.channels;
    crate::mem::set_len(&mut out.data, n);
}

/// A one-input op `x ↦ f(x)`, with its key and description.
pub struct Unary<F> {
    pub key: serde_json::Value,
    pub describe: String,
    pub f: F,
}

impl<F> fmt::Debug for Unary<F> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Unary({})", self.key)
    }
}

impl<F: Fn(f64) -> f64 + Send + Sync> Kernel for Unary<F> {
    fn key(&self) -> serde_json::Value {
        self.key.clone()
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("this op takes one image".into());
        };
        shape_like(out, Shape::of(img));
        for (o, &x) in out.data.iter_mut().zip(&img.data) {
            *o = (self.f)(x);
        }
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        for x in &mut img.data {
            *x = (self.f)(*x);
        }
        Some(Ok(()))
    }
}

/// A two-input op `(a, b) ↦ f(a, b)` on images of one shape.
pub struct Binary<F> {
    pub f: F,
}

impl<F> fmt::Debug for Binary<F> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Binary")
    }
}

impl<F: Fn(f64, f64) -> f64 + Send + Sync> Kernel for Binary<F> {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    fn describe(&self) -> String {
        String::new()
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [a, b] = inputs else {
            return Err("this op takes two images".into());
        };
        let shape = same_shapes(&[Shape::of(a), Shape::of(b)])?;
        shape_like(out, shape);
        for ((o, &x), &y) in out.data.iter_mut().zip(&a.data).zip(&b.data) {
            *o = (self.f)(x, y);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_ops_need_one_shape() {
        let k = Binary {
            f: |a: f64, b: f64| a - b,
        };
        let a = Image::from_vec(1, 2, 1, vec![1.0, 2.0]).unwrap();
        let b = Image::from_vec(2, 1, 1, vec![1.0, 2.0]).unwrap();
        let mut out = Image::default();
        let err = k.apply(&[&a, &b], &mut out, &mut Scratch::default());
        assert_eq!(err.unwrap_err(), "its inputs differ in shape: 1×2 and 2×1");
        k.apply(&[&a, &a], &mut out, &mut Scratch::default())
            .unwrap();
        assert_eq!(out.data, [0.0, 0.0]);
    }
}
