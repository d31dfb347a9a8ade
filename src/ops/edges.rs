//! The edge filters of `skimage.filters` (`sobel`, `scharr`, `prewitt`, `farid`; `laplace`),
//! as `_generic_edge_filter` computes them (skimage/filters/edges.py):
//!
//! - per axis `k` of the array, the kernel is the edge weights along `k` times the smoothing
//!   weights along every other axis (multiplied in increasing axis order, in float64), applied
//!   with `scipy.ndimage.convolve(image, kernel, mode, cval)` ([`crate::ops::ndimage::convolve`]:
//!   the kernel flipped, the taps above `DBL_EPSILON` summed in C order from `0.0`);
//! - the magnitude (no `axis`) is `sqrt(0 + g0² + g1² [+ g2²]) / sqrt(ndim)`, the squares added
//!   in axis order; with `axis`, the result is `0 + g_axis`.
//!
//! scikit-image's edge filters have no `channel_axis`: on an `(H, W, 3)` colour array they are
//! 3-D filters, the channel axis smoothed and differentiated like the others (`ndim = 3`). The
//! ops do exactly that, so `sobel` of a colour image equals `skimage.filters.sobel(image)` on
//! the same array; `rgb2gray` first gives the usual gray edge map.

use super::boundary::BoundaryMode;
use super::ndimage::{correlate_row, NdKernel, RowMap, Tap};
use super::{Kernel, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The parameters every gradient filter takes: `sobel(image, *, axis=None, mode='reflect',
/// cval=0.0)` and its siblings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EdgeParams {
    /// 0 (the derivative down the columns, i.e. horizontal edges) or 1 (along the rows:
    /// vertical edges), signed; none: the gradient magnitude over every axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<i64>,
    /// How the image is extended past its edges (scikit-image's default: `reflect`).
    #[serde(default = "reflect")]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
}

impl Default for EdgeParams {
    fn default() -> Self {
        EdgeParams {
            axis: None,
            mode: BoundaryMode::Reflect,
            cval: 0.0,
        }
    }
}

/// `BoundaryMode::Reflect`, scipy's and the edge filters' default.
pub fn reflect() -> BoundaryMode {
    BoundaryMode::Reflect
}

/// The 1-D weights of one gradient filter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub name: &'static str,
    pub edge: &'static [f64],
    pub smooth: &'static [f64],
}

impl EdgeParams {
    /// Checks `axis` and `cval`, and builds the filter.
    pub fn compile(&self, weights: Weights, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        if let Some(a) = self.axis.filter(|a| !(0..=1).contains(a)) {
            cx.err(
                "axis",
                format!("`axis` must be 0 (down the columns) or 1 (along the rows), got {a}"),
                Some("leave it out for the gradient magnitude".to_string()),
            );
            ok = false;
        }
        if !self.cval.is_finite() {
            cx.err(
                "cval",
                format!("`cval` must be finite, got {}", self.cval),
                None,
            );
            ok = false;
        }
        ok.then(|| {
            Box::new(EdgeFilter {
                weights,
                params: self.clone(),
            }) as Box<dyn Kernel>
        })
    }
}

/// A compiled gradient filter.
#[derive(Debug)]
pub struct EdgeFilter {
    weights: Weights,
    params: EdgeParams,
}

/// The kernel of axis `edge_dim` on an array of `ndim` axes (`s^ndim` weights in C order,
/// padded to three axes): `edge[i_k] · smooth[i_a] (· smooth[i_b])`, the factors multiplied left
/// to right as `_generic_edge_filter` does.
pub fn axis_kernel(w: Weights, ndim: usize, edge_dim: usize) -> NdKernel {
    let s = w.edge.len();
    let shape = [s, s, if ndim == 3 { s } else { 1 }];
    let mut weights = Vec::with_capacity(shape.iter().product());
    for i in 0..shape[0] {
        for j in 0..shape[1] {
            for k in 0..shape[2] {
                let idx = [i, j, k];
                let mut v = w.edge[idx[edge_dim]];
                for a in (0..ndim).filter(|&a| a != edge_dim) {
                    v *= w.smooth[idx[a]];
                }
                weights.push(v);
            }
        }
    }
    NdKernel {
        shape,
        weights,
        origin: [0; 3],
    }
}

/// Working memory of the edge filters.
#[derive(Default)]
pub struct EdgeScratch {
    /// The padded rows in use, a ring indexed by padded row number.
    ring: Vec<Vec<f64>>,
    /// Each kernel's output row.
    rows: Vec<Vec<f64>>,
}

/// Correlates `img` with each kernel (all of one shape, centred), one output row at a time, and
/// combines the rows: `combine(out_row, [row of kernels[0], row of kernels[1], …])`. Only the
/// padded rows a row needs are kept (a ring of kernel-height rows, each padded once).
pub fn rows_of(
    img: &Image,
    out: &mut Image,
    kernels: &[NdKernel],
    (mode, cval): (BoundaryMode, f64),
    scratch: &mut EdgeScratch,
    combine: impl Fn(&mut [f64], &[Vec<f64>]),
) {
    super::elementwise::shape_like(out, Shape::of(img));
    if img.data.is_empty() || kernels.is_empty() {
        return;
    }
    let (h, w, c) = (img.height, img.width, img.channels);
    let shape = kernels[0].shape;
    let centre = shape.map(|s| s / 2);
    let after = [0, 1, 2].map(|a| shape[a] - 1 - centre[a]);
    let map = RowMap::new((w, c), centre, after, mode, cval);
    let geometry = (w, c, map.cmap.len());
    let taps: Vec<Vec<Tap>> = kernels.iter().map(|k| k.flipped().taps()).collect();
    let ky = shape[0];
    scratch.ring.resize_with(ky, Vec::new);
    for r in &mut scratch.ring {
        r.resize(map.len(), 0.0);
    }
    scratch.rows.resize_with(kernels.len(), Vec::new);
    for r in &mut scratch.rows {
        r.resize(w * c, 0.0);
    }
    // Padded row `py` lives in ring slot `py % ky`.
    let pad = |py: usize, slot: &mut Vec<f64>| {
        let src = mode
            .map_index(py as isize - centre[0] as isize, h)
            .map(|sy| &img.data[sy * w * c..][..w * c]);
        map.pad(src, slot);
    };
    for py in 0..ky - 1 {
        pad(py, &mut scratch.ring[py % ky]);
    }
    for (y, out_row) in out.data.chunks_exact_mut(w * c).enumerate() {
        let newest = y + ky - 1;
        pad(newest, &mut scratch.ring[newest % ky]);
        let rows: Vec<&[f64]> = (y..y + ky).map(|py| &scratch.ring[py % ky][..]).collect();
        for (t, r) in taps.iter().zip(scratch.rows.iter_mut()) {
            correlate_row(&rows, t, geometry, r);
        }
        combine(out_row, &scratch.rows);
    }
}

/// `sqrt(0 + g0² + g1² [+ g2²]) / sqrt(ndim)`, the squares added in axis order.
#[multiversion::multiversion(targets = "simd")]
fn magnitude(out: &mut [f64], g: &[Vec<f64>]) {
    let div = (g.len() as f64).sqrt();
    match g {
        [a, b] => {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = ((0.0 + x * x) + y * y).sqrt() / div;
            }
        }
        _ => {
            for (i, o) in out.iter_mut().enumerate() {
                let mut s = 0.0;
                for gk in g {
                    s += gk[i] * gk[i];
                }
                *o = s.sqrt() / div;
            }
        }
    }
}

impl Kernel for EdgeFilter {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let p = &self.params;
        let mut text = match p.axis {
            Some(a) => format!("axis={a} "),
            None => String::new(),
        };
        text.push_str(&format!("mode={}", p.mode.name()));
        if p.mode == BoundaryMode::Constant {
            text.push_str(&format!(" cval={}", p.cval));
        }
        text
    }

    fn apply(
        &self,
        inputs: &[&Image],
        out: &mut Image,
        scratch: &mut Scratch,
    ) -> Result<(), String> {
        let [img] = inputs else {
            return Err(format!("{} takes one image", self.weights.name));
        };
        let ndim = super::ndimage::ndim(img);
        let p = &self.params;
        let scratch = scratch.get::<EdgeScratch>();
        match p.axis {
            Some(a) => {
                let k = [axis_kernel(self.weights, ndim, a as usize)];
                rows_of(img, out, &k, (p.mode, p.cval), scratch, |o, g| {
                    for (o, &v) in o.iter_mut().zip(&g[0]) {
                        *o = 0.0 + v;
                    }
                });
            }
            None => {
                let k: Vec<NdKernel> = (0..ndim)
                    .map(|a| axis_kernel(self.weights, ndim, a))
                    .collect();
                rows_of(img, out, &k, (p.mode, p.cval), scratch, magnitude);
            }
        }
        Ok(())
    }
}

/// Sobel: edge `[1, 0, -1]`, smoothing `[1, 2, 1] / 4`.
pub const SOBEL: Weights = Weights {
    name: "sobel",
    edge: &[1.0, 0.0, -1.0],
    smooth: &[0.25, 0.5, 0.25],
};

/// Scharr: edge `[1, 0, -1]`, smoothing `[3, 10, 3] / 16`.
pub const SCHARR: Weights = Weights {
    name: "scharr",
    edge: &[1.0, 0.0, -1.0],
    smooth: &[0.1875, 0.625, 0.1875],
};

/// Prewitt: edge `[1, 0, -1]`, smoothing `np.full(3, 1/3)`.
pub const PREWITT: Weights = Weights {
    name: "prewitt",
    edge: &[1.0, 0.0, -1.0],
    smooth: &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
};

/// Farid & Simoncelli's 5-tap derivative and smoothing weights, as scikit-image writes them.
pub const FARID: Weights = Weights {
    name: "farid",
    edge: &[
        0.109603762960254,
        0.276690988455557,
        0.0,
        -0.276690988455557,
        -0.109603762960254,
    ],
    smooth: &[
        0.0376593171958126,
        0.249153396177344,
        0.426374573253687,
        0.249153396177344,
        0.0376593171958126,
    ],
};
