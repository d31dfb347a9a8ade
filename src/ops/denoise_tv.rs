//! `op = "denoise_tv"`: `skimage.restoration.denoise_tv_chambolle(image, weight, eps,
//! max_num_iter, channel_axis=-1 for colour)`, bit for bit: Chambolle's projection iterated on
//! each channel as a 2-D image (τ = 1/4), with `_denoise_tv_chambolle_nd`'s arithmetic —
//!
//! - `d = -(p0 + p1)`, then `d[1:, :] += p0[:-1, :]`, `d[:, 1:] += p1[:, :-1]`; `out = image + d`
//!   (at the first iteration `d = 0` and `out = image`);
//! - `E = sum(d²)` and `E += weight * sum(norm)` with numpy's pairwise sums, where
//!   `norm = sqrt(g0² + g1²)` of the forward differences `g` of `out` (0 on the last row /
//!   column);
//! - `norm = norm * (τ / weight) + 1`; `p = (p - τ g) / norm`; `E /= size`;
//! - stop when `|E_previous - E| < eps * E_initial`, returning this iteration's `out`.
//!
//! The first two steps are one pass over the image, the norm and the update of `p` a second
//! one (the update at a pixel reads nothing the first pass still needs); the sums are taken
//! over the buffers of `d` and `norm`, in numpy's pairwise order.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::mem::set_len;
use crate::numpy::pairwise::{pairwise_map, pairwise_sum};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.restoration.denoise_tv_chambolle(image, weight, eps, max_num_iter,
/// channel_axis=-1 for colour)`: total-variation denoising, each colour channel on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DenoiseTv {
    /// Denoising weight: the larger, the smoother (and the less like the input); > 0.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Stop when the energy changes by less than `eps` times the first iteration's energy.
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// At most this many iterations; ≥ 1.
    #[serde(default = "default_iter")]
    pub max_num_iter: u32,
}

fn default_weight() -> f64 {
    0.1
}
fn default_eps() -> f64 {
    2.0e-4
}
fn default_iter() -> u32 {
    200
}

impl OpSpec for DenoiseTv {
    const NAME: &'static str = "denoise_tv";
    const EQUALS: &'static str = "skimage.restoration.denoise_tv_chambolle(image, weight, eps, max_num_iter, channel_axis=-1 for colour)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        if !(self.weight.is_finite() && self.weight > 0.0) {
            cx.err(
                "weight",
                format!("`weight` must be a finite number > 0, got {}", self.weight),
                Some("e.g. weight = 0.1 (scikit-image's default)".to_string()),
            );
            ok = false;
        }
        if !(self.eps.is_finite() && self.eps >= 0.0) {
            cx.err(
                "eps",
                format!("`eps` must be a finite number >= 0, got {}", self.eps),
                None,
            );
            ok = false;
        }
        if self.max_num_iter == 0 {
            cx.err(
                "max_num_iter",
                "`max_num_iter` must be at least 1",
                Some("scikit-image's default is 200".to_string()),
            );
            ok = false;
        }
        ok.then(|| Box::new(self.clone()) as Box<dyn Kernel>)
    }
}

/// Per-worker buffers: the dual field `p`, `d`, the current `out` and `norm` of one channel.
#[derive(Default)]
struct TvScratch {
    img: Vec<f64>,
    p0: Vec<f64>,
    p1: Vec<f64>,
    d: Vec<f64>,
    out: Vec<f64>,
    norm: Vec<f64>,
}

impl Kernel for DenoiseTv {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!(
            "weight={} eps={} max_num_iter={}",
            self.weight, self.eps, self.max_num_iter
        )
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("denoise_tv takes one image".into());
        };
        Ok(*s)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("denoise_tv takes one image".into());
        };
        shape_like(out, Shape::of(img));
        let s = scratch.get::<TvScratch>();
        let (h, w, c) = (img.height, img.width, img.channels);
        let n = h * w;
        if n == 0 || c == 0 {
            return Ok(());
        }
        for ch in 0..c {
            set_len(&mut s.img, n);
            for (v, px) in s.img.iter_mut().zip(img.data.chunks_exact(c)) {
                *v = px[ch];
            }
            self.channel(h, w, s);
            for (px, &v) in out.data.chunks_exact_mut(c).zip(&s.out) {
                px[ch] = v;
            }
        }
        Ok(())
    }
}

impl DenoiseTv {
    /// `_denoise_tv_chambolle_nd(s.img)` (`h × w`, non-empty) into `s.out`.
    fn channel(&self, h: usize, w: usize, s: &mut TvScratch) {
        let n = h * w;
        for v in [&mut s.p0, &mut s.p1, &mut s.d, &mut s.out, &mut s.norm] {
            v.clear();
            v.resize(n, 0.0);
        }
        let tau = 1.0 / (2.0 * 2.0);
        let scale = tau / self.weight;
        let size = n as f64;
        let (mut e_init, mut e_prev) = (0.0, 0.0);
        for i in 0..self.max_num_iter {
            let mut e = if i > 0 {
                divergence_step(&s.img, &s.p0, &s.p1, h, w, &mut s.d, &mut s.out);
                0.0 + pairwise_map(&s.d, |x| x * x)
            } else {
                s.out.copy_from_slice(&s.img);
                0.0
            };
            project(&s.out, h, w, tau, scale, &mut s.p0, &mut s.p1, &mut s.norm);
            e += self.weight * pairwise_sum(&s.norm);
            e /= size;
            if i == 0 {
                e_init = e;
                e_prev = e;
            } else if (e_prev - e).abs() < self.eps * e_init {
                break;
            } else {
                e_prev = e;
            }
        }
    }
}

/// `d = -(p0 + p1); d[1:, :] += p0[:-1, :]; d[:, 1:] += p1[:, :-1]; out = img + d`.
#[multiversion::multiversion(targets = "simd")]
fn divergence_step(img: &[f64], p0: &[f64], p1: &[f64], h: usize, w: usize, d: &mut [f64], out: &mut [f64]) {
    for y in 0..h {
        let r = y * w..(y + 1) * w;
        let (p0r, p1r, ir) = (&p0[r.clone()], &p1[r.clone()], &img[r.clone()]);
        let (dr, or) = (&mut d[r.clone()], &mut out[r]);
        for x in 0..w {
            dr[x] = -(p0r[x] + p1r[x]);
        }
        if y > 0 {
            let up = &p0[(y - 1) * w..y * w];
            for x in 0..w {
                dr[x] += up[x];
            }
        }
        for x in 1..w {
            dr[x] += p1r[x - 1];
        }
        for x in 0..w {
            or[x] = ir[x] + dr[x];
        }
    }
}

/// The forward differences `g` of `out`, `norm = sqrt(g0² + g1²)` (kept for the energy), and
/// `p = (p - τ g) / (norm * (τ / weight) + 1)`.
#[allow(clippy::too_many_arguments)]
#[multiversion::multiversion(targets = "simd")]
fn project(
    out: &[f64],
    h: usize,
    w: usize,
    tau: f64,
    scale: f64,
    p0: &mut [f64],
    p1: &mut [f64],
    norm: &mut [f64],
) {
    for y in 0..h {
        let r = y * w..(y + 1) * w;
        let or = &out[r.clone()];
        let below = if y + 1 < h { Some(&out[(y + 1) * w..(y + 2) * w]) } else { None };
        let (p0r, p1r, nr) = (&mut p0[r.clone()], &mut p1[r.clone()], &mut norm[r]);
        for x in 0..w {
            let g0 = match below {
                Some(b) => b[x] - or[x],
                None => 0.0,
            };
            let g1 = if x + 1 < w { or[x + 1] - or[x] } else { 0.0 };
            let nv = (g0 * g0 + g1 * g1).sqrt();
            nr[x] = nv;
            let m = nv * scale + 1.0;
            p0r[x] = (p0r[x] - tau * g0) / m;
            p1r[x] = (p1r[x] - tau * g1) / m;
        }
    }
}

#[cfg(test)]
#[path = "denoise_tv_tests.rs"]
mod tests;
