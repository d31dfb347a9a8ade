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
pub mod morphology;

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
    erosion::Erosion,
    dilation::Dilation,
    opening::Opening,
    closing::Closing,
    white_tophat::WhiteTophat,
    black_tophat::BlackTophat,
    binary_erosion::BinaryErosion,
    binary_dilation::BinaryDilation,
    binary_opening::BinaryOpening,
    binary_closing::BinaryClosing,
    remove_small_objects::RemoveSmallObjects,
    remove_small_holes::RemoveSmallHoles,
    label::Label,
    rot90::Rot90,
    transpose::Transpose,
    crop::Crop,
    pad::Pad,
    rgb2gray::Rgb2Gray,
    gray2rgb::Gray2Rgb,
    resize::Resize,
    rescale::Rescale,
    canny::Canny,
    denoise_tv::DenoiseTv,
    threshold::ThresholdParams,
    rescale_intensity::RescaleIntensity,
    equalize_hist::EqualizeHist,
    equalize_adapthist::EqualizeAdapthist,
    adjust_gamma::AdjustGamma,
    adjust_log::AdjustLog,
    adjust_sigmoid::AdjustSigmoid,
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
