//! Filter steps. Each op is one module — its parameters as written (serde + JsonSchema), their
//! checks, and the compiled [`Kernel`] — and one line in the list below, from which loading, the
//! schema, `did you mean` and the docs are made ([`OpEntry`]). Families share machinery:
//! [`elementwise`] for the per-sample ops, [`boundary`] for the edge modes of the filters,
//! [`ndimage`] for scipy.ndimage's correlations and running sums, [`edges`] for the gradient
//! filters.

pub mod boundary;
pub mod edges;
pub mod elementwise;
pub mod footprint;
pub mod ndimage;
mod registry;

pub use registry::*;

crate::ops! {
    gaussian::GaussianParams,
    subtract::Subtract,
    add::Add,
    multiply::Multiply,
    divide::Divide,
    abs::Abs,
    clip::Clip,
    invert::Invert,
    flip::Flip,
    median::Median,
    uniform::Uniform,
    sobel::Sobel,
    scharr::Scharr,
    prewitt::Prewitt,
    farid::Farid,
    laplace::Laplace,
    unsharp_mask::UnsharpMask,
    difference_of_gaussians::DifferenceOfGaussians,
}

/// The op called `name`.
pub fn entry(name: &str) -> Option<&'static OpEntry> {
    OPS.iter().find(|e| e.name == name)
}

/// Every op's name, in registry order.
pub fn names() -> Vec<&'static str> {
    OPS.iter().map(|e| e.name).collect()
}
