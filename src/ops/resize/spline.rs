//! scipy's B-spline prefilter (`spline_filter`, `ni_splines.c` at v1.17.1), operation for
//! operation: each axis in turn, every line along it multiplied by the gain and run through a
//! causal and an anticausal recursion per pole, with the boundary initialisation of the mode —
//! including, for scipy's `reflect` and `nearest`, the in-place accumulation into `c[0]` of
//! `_init_causal_reflect` that reads the partly updated `c[0]` back (scipy 1.17.1 does this;
//! later versions fixed it).
//!
//! The lines of one axis are filtered together: element `i` of every line is a *lane* of the
//! `m` contiguous samples at `base + i * stride`, so axis 0 runs as whole-row operations (each
//! lane doing exactly the scalar recursion of its own line).

use super::zoom::NdMode;

/// The poles of the spline filter of order 2 … 5 (`get_filter_poles`), digits as scipy writes them.
#[allow(clippy::excessive_precision)]
pub fn poles(order: usize) -> &'static [f64] {
    match order {
        2 => &[-0.171_572_875_253_809_902_396_622_551_580_603_843],
        3 => &[-0.267_949_192_431_122_706_472_553_658_494_127_633],
        4 => &[
            -0.361_341_225_900_220_177_092_212_841_325_675_255,
            -0.013_725_429_297_339_121_360_331_226_939_128_204,
        ],
        5 => &[
            -0.430_575_347_099_973_791_851_434_783_493_520_110,
            -0.043_096_288_203_264_653_822_712_376_822_550_182,
        ],
        _ => &[],
    }
}

/// Which boundary initialisation a mode uses (`apply_filter`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Init {
    Mirror,
    Wrap,
    Reflect,
}

fn init_of(mode: NdMode) -> Init {
    match mode {
        NdMode::GridConstant | NdMode::Mirror => Init::Mirror,
        NdMode::GridWrap => Init::Wrap,
        NdMode::Nearest | NdMode::Reflect => Init::Reflect,
    }
}

/// Filters `data` (C order, dimensions `dims`) along `axis`, in place, as
/// `spline_filter1d(data, order, axis, mode=mode)`. Lines of length 1 are left as they are.
#[multiversion::multiversion(targets = "simd")]
pub fn filter_axis(data: &mut [f64], dims: &[usize], axis: usize, order: usize, mode: NdMode) {
    let n = dims[axis];
    let zs = poles(order);
    if n <= 1 || zs.is_empty() || data.is_empty() {
        return;
    }
    let inner: usize = dims[axis + 1..].iter().product();
    let outer: usize = dims[..axis].iter().product();
    let stride = inner;
    let mut gain = 1.0;
    for &z in zs {
        gain *= (1.0 - z) * (1.0 - 1.0 / z);
    }
    let init = init_of(mode);
    let mut lanes = Lanes {
        stride,
        m: inner,
        n,
        tmp: vec![0.0; inner],
    };
    for o in 0..outer {
        let block = &mut data[o * n * inner..(o + 1) * n * inner];
        for v in block.iter_mut() {
            *v *= gain;
        }
        for &z in zs {
            lanes.apply(block, z, init);
        }
    }
}

/// The lines of one block: element `i` of lane `k` is `block[i * stride + k]`, `k < m`.
struct Lanes {
    stride: usize,
    m: usize,
    n: usize,
    tmp: Vec<f64>,
}

impl Lanes {
    #[inline(always)]
    fn el(&self, i: usize) -> std::ops::Range<usize> {
        i * self.stride..i * self.stride + self.m
    }

    /// `_apply_filter` with one pole.
    #[inline(always)]
    fn apply(&mut self, c: &mut [f64], z: f64, init: Init) {
        let n = self.n;
        match init {
            Init::Mirror => self.causal_mirror(c, z),
            Init::Wrap => self.causal_wrap(c, z),
            Init::Reflect => self.causal_reflect(c, z),
        }
        for i in 1..n {
            let (prev, cur) = c.split_at_mut(i * self.stride);
            let prev = &prev[(i - 1) * self.stride..(i - 1) * self.stride + self.m];
            for (x, &p) in cur[..self.m].iter_mut().zip(prev) {
                *x += z * p;
            }
        }
        match init {
            Init::Mirror => {
                // c[n-1] = (z * c[n-2] + c[n-1]) * z / (z * z - 1)
                let zz = z * z - 1.0;
                let (a, b) = c.split_at_mut((n - 1) * self.stride);
                let prev = &a[(n - 2) * self.stride..(n - 2) * self.stride + self.m];
                for (x, &p) in b[..self.m].iter_mut().zip(prev) {
                    *x = (z * p + *x) * z / zz;
                }
            }
            Init::Wrap => self.anticausal_wrap(c, z),
            Init::Reflect => {
                let f = z / (z - 1.0);
                let r = self.el(n - 1);
                for x in &mut c[r] {
                    *x *= f;
                }
            }
        }
        for i in (0..n - 1).rev() {
            let (cur, next) = c.split_at_mut((i + 1) * self.stride);
            let cur = &mut cur[i * self.stride..i * self.stride + self.m];
            for (x, &nx) in cur.iter_mut().zip(&next[..self.m]) {
                *x = z * (nx - *x);
            }
        }
    }

    /// `_init_causal_mirror`.
    #[inline(always)]
    fn causal_mirror(&mut self, c: &mut [f64], z: f64) {
        let n = self.n;
        let z_n_1 = z.powf((n - 1) as f64);
        let mut acc = std::mem::take(&mut self.tmp);
        for (k, a) in acc.iter_mut().enumerate() {
            *a = c[k] + z_n_1 * c[(n - 1) * self.stride + k];
        }
        let mut z_i = z;
        for i in 1..n - 1 {
            let (ri, rj) = (i * self.stride, (n - 1 - i) * self.stride);
            for (k, a) in acc.iter_mut().enumerate() {
                *a += z_i * (c[ri + k] + z_n_1 * c[rj + k]);
            }
            z_i *= z;
        }
        let d = 1.0 - z_n_1 * z_n_1;
        for (k, a) in acc.iter().enumerate() {
            c[k] = a / d;
        }
        self.tmp = acc;
    }

    /// `_init_causal_wrap`.
    #[inline(always)]
    fn causal_wrap(&mut self, c: &mut [f64], z: f64) {
        let n = self.n;
        let mut z_i = z;
        for i in 1..n {
            let r = (n - i) * self.stride;
            for k in 0..self.m {
                c[k] += z_i * c[r + k];
            }
            z_i *= z;
        }
        let d = 1.0 - z_i;
        for x in &mut c[..self.m] {
            *x /= d;
        }
    }

    /// `_init_anticausal_wrap`.
    #[inline(always)]
    fn anticausal_wrap(&mut self, c: &mut [f64], z: f64) {
        let n = self.n;
        let last = (n - 1) * self.stride;
        let mut z_i = z;
        for i in 0..n - 1 {
            let r = i * self.stride;
            for k in 0..self.m {
                c[last + k] += z_i * c[r + k];
            }
            z_i *= z;
        }
        let f = z / (z_i - 1.0);
        for x in &mut c[last..last + self.m] {
            *x *= f;
        }
    }

    /// `_init_causal_reflect`, accumulating into `c[0]` in place as scipy 1.17.1 does (so the
    /// term for `i = n - 1` reads the partial `c[0]`).
    #[inline(always)]
    fn causal_reflect(&mut self, c: &mut [f64], z: f64) {
        let n = self.n;
        let z_n = z.powf(n as f64);
        let mut c0 = std::mem::take(&mut self.tmp);
        c0.copy_from_slice(&c[..self.m]);
        let last = (n - 1) * self.stride;
        for k in 0..self.m {
            c[k] += z_n * c[last + k];
        }
        let mut z_i = z;
        for i in 1..n {
            let (ri, rj) = (i * self.stride, (n - 1 - i) * self.stride);
            for k in 0..self.m {
                let t = z_i * (c[ri + k] + z_n * c[rj + k]);
                c[k] += t;
            }
            z_i *= z;
        }
        let f = z / (1.0 - z_n * z_n);
        for (x, &orig) in c[..self.m].iter_mut().zip(&c0) {
            *x *= f;
            *x += orig;
        }
        self.tmp = c0;
    }
}
