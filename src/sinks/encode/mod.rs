//! Image encoding: an f64 [`Image`] → the bytes of an image file, as scikit-image + imageio write it.
//!
//! Samples are first converted like `img_as_ubyte` / `img_as_uint` (docs/exactness.md, "Writing
//! images"): the image must lie in `[-1, 1]` (a NaN anywhere disables the check, as with numpy's
//! `min`/`max`), then `v * 255` (or `* 65535`), round half to even, clamp, cast (NaN → 0). `f32`
//! output is a plain `as f32` cast with no range check, like `astype(np.float32)`.
//!
//! Formats:
//! - **BMP** (u8): byte-identical to `imageio.imwrite` (Pillow): 8-bit palettised grey or 24-bit
//!   BGR, bottom-up, 3780 px/m ([`write_bmp_gray`], [`write_bmp_rgb`]).
//! - **PNG** (u8, u16): the `image` crate with its defaults (`CompressionType::Fast`, i.e. fdeflate,
//!   and adaptive filtering): pixel-identical to imageio's output, not byte-identical.
//! - **JPEG** (u8): the `image` crate at quality 95 (Pillow's own default is 75); lossy, so only
//!   close to what Pillow writes.
//! - **TIFF** (u8, u16, f32, f64): the `tiff` crate, uncompressed, one strip layout chosen by the
//!   crate.
//! - **NPY** (u8, u16, f32, f64): numpy's `.npy` format 1.0, C order, shape `(H, W)` or
//!   `(H, W, 3)`, exactly what `np.save` writes; with `f64` the pipeline's values bit for bit.
//!
//! An image with zero rows or columns is refused with [`EncodeError::Empty`]. Everything is
//! written into one `Vec<u8>`; the caller writes it out (see [`super::atomic`]).

use std::io::Cursor;

use crate::Image;

/// An output file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// Windows bitmap, u8 only.
    Bmp,
    /// PNG, u8 or u16.
    Png,
    /// JPEG (quality 95), u8 only.
    Jpeg,
    /// TIFF, u8, u16, f32 or f64.
    Tiff,
    /// numpy's `.npy`, any sample type.
    Npy,
}

/// Sample type written to the file.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// 8-bit unsigned, via `img_as_ubyte` (the image must be within `[-1, 1]`).
    #[default]
    U8,
    /// 16-bit unsigned, via `img_as_uint` (the image must be within `[-1, 1]`).
    U16,
    /// 32-bit float, values as they are rounded to float32 (TIFF, NPY).
    F32,
    /// 64-bit float, the pipeline's values exactly (TIFF, NPY).
    F64,
}

impl Dtype {
    /// The lower-case name used in workflow files: `u8`, `u16`, `f32`.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::U8 => "u8",
            Dtype::U16 => "u16",
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
        }
    }
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl ImageFormat {
    /// Every file extension [`ImageFormat::from_extension`] accepts (lower-case, no dot).
    pub const EXTENSIONS: &'static [&'static str] =
        &["bmp", "png", "jpg", "jpeg", "tif", "tiff", "npy"];

    /// The format for a file extension (without the dot), case-insensitively.
    pub fn from_extension(ext: &str) -> Option<Self> {
        // Compared in place (no lowercase copy: this runs for every image's output).
        let is = |name: &str| ext.eq_ignore_ascii_case(name);
        if is("bmp") {
            Some(ImageFormat::Bmp)
        } else if is("png") {
            Some(ImageFormat::Png)
        } else if is("jpg") || is("jpeg") {
            Some(ImageFormat::Jpeg)
        } else if is("tif") || is("tiff") {
            Some(ImageFormat::Tiff)
        } else if is("npy") {
            Some(ImageFormat::Npy)
        } else {
            None
        }
    }

    /// Whether the format can store samples of type `d`: BMP and JPEG u8; PNG u8 and u16;
    /// TIFF and NPY any.
    pub fn supports(self, d: Dtype) -> bool {
        match self {
            ImageFormat::Bmp | ImageFormat::Jpeg => d == Dtype::U8,
            ImageFormat::Png => matches!(d, Dtype::U8 | Dtype::U16),
            ImageFormat::Tiff | ImageFormat::Npy => true,
        }
    }

    /// The lower-case name: `bmp`, `png`, `jpeg`, `tiff`.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Bmp => "bmp",
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Tiff => "tiff",
            ImageFormat::Npy => "npy",
        }
    }
}

/// Why an image could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// A sample is outside `[-1, 1]` for integer output (scikit-image raises `ValueError` here).
    #[error(
        "images of type float must be between -1 and 1 for {dtype} output; got min {min}, max {max}"
    )]
    OutOfRange {
        /// Smallest sample.
        min: f64,
        /// Largest sample.
        max: f64,
        /// The requested output type.
        dtype: Dtype,
    },
    /// A sample is NaN or infinite (e.g. from a division by zero): an integer image cannot hold
    /// it. (scikit-image would raise for ±inf, and write NaN as 0 with a warning; flowrun fails
    /// the image for both.)
    #[error("the image holds {what}, which {dtype} output cannot store (a division by zero?)")]
    NotFinite {
        /// "NaN values", "infinite values" or both.
        what: &'static str,
        /// The requested output type.
        dtype: Dtype,
    },
    /// The format cannot hold this sample type.
    #[error("{} cannot store {dtype} samples (supported: {})", format.name(), supported(*format))]
    UnsupportedDtype {
        /// The requested format.
        format: ImageFormat,
        /// The requested sample type.
        dtype: Dtype,
    },
    /// Only 1 (grey) and 3 (RGB) channels can be written.
    #[error("cannot encode an image with {0} channels (expected 1 or 3)")]
    Channels(usize),
    /// `data.len()` is not `height * width * channels`.
    #[error("image data has {len} samples, expected {height}×{width}×{channels}")]
    Shape {
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
        /// Channels.
        channels: usize,
        /// Actual `data.len()`.
        len: usize,
    },
    /// The image has no pixels.
    #[error("cannot encode an empty image ({height}×{width})")]
    Empty {
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
    },
    /// The image is too large for the format's header fields.
    #[error("image {height}×{width} is too large for {}", format.name())]
    TooLarge {
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
        /// The requested format.
        format: ImageFormat,
    },
    /// The underlying encoder failed.
    #[error("{} encoder failed: {message}", format.name())]
    Encoder {
        /// The requested format.
        format: ImageFormat,
        /// The encoder's message.
        message: String,
    },
}

fn supported(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Bmp | ImageFormat::Jpeg => "u8",
        ImageFormat::Png => "u8, u16",
        ImageFormat::Tiff | ImageFormat::Npy => "u8, u16, f32, f64",
    }
}

/// The range check of `img_as_ubyte` / `img_as_uint` on `data`: fails when a sample lies
/// outside `[-1, 1]` (scikit-image raises), or is NaN or infinite. `suspicious` says whether any
/// sample is outside `[-1, 1]` or NaN (as [`quantize`] reports it); only then is `data` looked at
/// again.
fn check_range(data: &[f64], suspicious: bool, dtype: Dtype) -> Result<(), EncodeError> {
    if !suspicious {
        return Ok(());
    }
    let nan = data.iter().any(|v| v.is_nan());
    let inf = data.iter().any(|v| v.is_infinite());
    if nan || inf {
        let what = match (nan, inf) {
            (true, true) => "NaN and infinite values",
            (true, false) => "NaN values",
            _ => "infinite values",
        };
        return Err(EncodeError::NotFinite { what, dtype });
    }
    let min = data.iter().copied().fold(f64::INFINITY, f64::min);
    let max = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Err(EncodeError::OutOfRange { min, max, dtype })
}

/// 2^52: doubles from here up to 2^53 are exactly the integers, one apart.
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// `clip(rint(t), 0, top)` with NaN → 0, for `top < 2^52`: adding and subtracting 2^52 rounds a
/// non-negative double below 2^52 to an integer, half to even (the default rounding mode), exactly
/// like `np.rint` — without a libm call, so the loop vectorises.
#[inline(always)]
fn rint_clip(t: f64, top: f64) -> f64 {
    let t = if t > 0.0 { t } else { 0.0 };
    let r = (t + TWO_52) - TWO_52;
    if r < top {
        r
    } else {
        top
    }
}

/// The integer `r` (`0 <= r < 2^52`, as [`rint_clip`] returns) as the low bits of `r + 2^52`'s
/// representation: exact, and unlike `as` (which saturates and maps NaN) it vectorises.
#[inline(always)]
fn int_bits(r: f64) -> u64 {
    (r + TWO_52).to_bits()
}

/// `dst[i] = cast(rint_clip(src[i] * scale, top))` in one pass that also says whether any
/// sample is outside `[-1, 1]` or NaN (for [`check_range`], which the caller applies before
/// using `dst`).
#[inline(always)]
fn quantize<T: Copy>(src: &[f64], dst: &mut [T], scale: f64, top: f64, cast: fn(f64) -> T) -> bool {
    let mut suspicious = false;
    for (&v, d) in src.iter().zip(dst) {
        suspicious |= !(-1.0..=1.0).contains(&v);
        *d = cast(rint_clip(v * scale, top));
    }
    suspicious
}

/// [`quantize`] to u8 (`img_as_ubyte`'s arithmetic, without its range check).
#[multiversion::multiversion(targets = "simd")]
fn quantize_u8(src: &[f64], dst: &mut [u8]) -> bool {
    quantize(src, dst, 255.0, 255.0, |r| int_bits(r) as u8)
}

/// [`quantize`] to u16 (`img_as_uint`'s arithmetic, without its range check).
#[multiversion::multiversion(targets = "simd")]
fn quantize_u16(src: &[f64], dst: &mut [u16]) -> bool {
    quantize(src, dst, 65535.0, 65535.0, |r| int_bits(r) as u16)
}

/// `skimage.img_as_ubyte` on float64 samples: range check `[-1, 1]`, `rint(v * 255)`, clamp to
/// `0..=255`; NaN becomes 0.
pub fn to_u8(data: &[f64]) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![0u8; data.len()];
    check_range(data, quantize_u8(data, &mut out), Dtype::U8)?;
    Ok(out)
}

/// `skimage.img_as_uint` on float64 samples: range check `[-1, 1]`, `rint(v * 65535)`, clamp to
/// `0..=65535`; NaN becomes 0.
pub fn to_u16(data: &[f64]) -> Result<Vec<u16>, EncodeError> {
    let mut out = vec![0u16; data.len()];
    check_range(data, quantize_u16(data, &mut out), Dtype::U16)?;
    Ok(out)
}

/// Encodes `img` (1 or 3 channels) as `format` with `dtype` samples, into one buffer.
pub fn encode(img: &Image, format: ImageFormat, dtype: Dtype) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_into(img, format, dtype, &mut out)?;
    Ok(out)
}

/// [`encode`] into `out` (cleared first; its allocation is reused, so a worker that keeps one
/// buffer per output does not fault in fresh pages for every image). On an error `out` is
/// left empty.
pub fn encode_into(
    img: &Image,
    format: ImageFormat,
    dtype: Dtype,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    encode_into_rows(img, format, dtype, out, &mut |_| {})
}

/// [`encode_into`]; encoders that read the image a row at a time, in order, call
/// `rows_read(n)` after each row (`n` rows read so far), so that the caller can use those rows
/// while they are in cache. Others do not call it.
pub fn encode_into_rows(
    img: &Image,
    format: ImageFormat,
    dtype: Dtype,
    out: &mut Vec<u8>,
    rows_read: &mut dyn FnMut(usize),
) -> Result<(), EncodeError> {
    out.clear();
    // Some encoders write headers before a sample is checked.
    encode_appending(img, format, dtype, out, rows_read).inspect_err(|_| out.clear())
}

/// [`encode_into`]'s work, appending to an empty `out` (which may hold a partial file on error).
fn encode_appending(
    img: &Image,
    format: ImageFormat,
    dtype: Dtype,
    out: &mut Vec<u8>,
    rows_read: &mut dyn FnMut(usize),
) -> Result<(), EncodeError> {
    let (height, width, channels) = (img.height, img.width, img.channels);
    if !format.supports(dtype) {
        return Err(EncodeError::UnsupportedDtype { format, dtype });
    }
    if channels != 1 && channels != 3 {
        return Err(EncodeError::Channels(channels));
    }
    let expected = height
        .checked_mul(width)
        .and_then(|n| n.checked_mul(channels));
    if expected != Some(img.data.len()) {
        return Err(EncodeError::Shape {
            height,
            width,
            channels,
            len: img.data.len(),
        });
    }
    if height == 0 || width == 0 {
        return Err(EncodeError::Empty { height, width });
    }
    let too_large = EncodeError::TooLarge {
        height,
        width,
        format,
    };
    let (Ok(w32), Ok(h32)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(too_large);
    };
    let rgb = channels == 3;
    match format {
        ImageFormat::Bmp => {
            let stride = (width * channels + 3) & !3;
            let fits = stride
                .checked_mul(height)
                .is_some_and(|n| n <= (u32::MAX - 1078) as usize)
                && width <= i32::MAX as usize
                && height <= i32::MAX as usize;
            if !fits {
                return Err(too_large);
            }
            if rgb {
                bmp_rgb_into(out, width, height, &to_u8(&img.data)?);
                return Ok(());
            }
            // Grey: quantise each row straight into its place in the file.
            let mut suspicious = false;
            bmp_gray_into(out, width, height, |y, dst| {
                suspicious |= quantize_u8(&img.data[y * width..(y + 1) * width], dst);
                rows_read(y + 1);
            });
            check_range(&img.data, suspicious, Dtype::U8)
        }
        ImageFormat::Png | ImageFormat::Jpeg => {
            use image::ExtendedColorType as C;
            let (bytes, color) = match (dtype, rgb) {
                (Dtype::U16, _) => {
                    // The image crate takes 16-bit samples in native byte order.
                    let px = to_u16(&img.data)?;
                    let bytes = px.iter().flat_map(|v| v.to_ne_bytes()).collect();
                    (bytes, if rgb { C::Rgb16 } else { C::L16 })
                }
                _ => (to_u8(&img.data)?, if rgb { C::Rgb8 } else { C::L8 }),
            };
            let res = if format == ImageFormat::Png {
                image::ImageEncoder::write_image(
                    image::codecs::png::PngEncoder::new(&mut *out),
                    &bytes,
                    w32,
                    h32,
                    color,
                )
            } else {
                image::ImageEncoder::write_image(
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut *out, 95),
                    &bytes,
                    w32,
                    h32,
                    color,
                )
            };
            res.map_err(|e| EncodeError::Encoder {
                format,
                message: e.to_string(),
            })
        }
        ImageFormat::Tiff => encode_tiff(img, dtype, w32, h32, out),
        ImageFormat::Npy => encode_npy(img, dtype, out),
    }
}

/// TIFF through the `tiff` crate (uncompressed), which also writes grey f32.
fn encode_tiff(
    img: &Image,
    dtype: Dtype,
    w: u32,
    h: u32,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use tiff::encoder::{colortype as ct, TiffEncoder};
    let err = |e: tiff::TiffError| EncodeError::Encoder {
        format: ImageFormat::Tiff,
        message: e.to_string(),
    };
    let rgb = img.channels == 3;
    {
        let mut enc = TiffEncoder::new(Cursor::new(&mut *out)).map_err(err)?;
        match dtype {
            Dtype::U8 => {
                let px = to_u8(&img.data)?;
                if rgb {
                    enc.write_image::<ct::RGB8>(w, h, &px)
                } else {
                    enc.write_image::<ct::Gray8>(w, h, &px)
                }
            }
            Dtype::U16 => {
                let px = to_u16(&img.data)?;
                if rgb {
                    enc.write_image::<ct::RGB16>(w, h, &px)
                } else {
                    enc.write_image::<ct::Gray16>(w, h, &px)
                }
            }
            Dtype::F32 => {
                let px: Vec<f32> = img.data.iter().map(|&v| v as f32).collect();
                if rgb {
                    enc.write_image::<ct::RGB32Float>(w, h, &px)
                } else {
                    enc.write_image::<ct::Gray32Float>(w, h, &px)
                }
            }
            Dtype::F64 => {
                if rgb {
                    enc.write_image::<ct::RGB64Float>(w, h, &img.data)
                } else {
                    enc.write_image::<ct::Gray64Float>(w, h, &img.data)
                }
            }
        }
        .map_err(err)?;
    }
    Ok(())
}

/// numpy's `.npy` format 1.0, as `np.save` writes it: the magic, the version, a header dict
/// padded with spaces to a multiple of 64 bytes (newline last), then the samples in C order,
/// little-endian.
fn encode_npy(img: &Image, dtype: Dtype, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let descr = match dtype {
        Dtype::U8 => "|u1",
        Dtype::U16 => "<u2",
        Dtype::F32 => "<f4",
        Dtype::F64 => "<f8",
    };
    let shape = if img.channels == 1 {
        format!("({}, {})", img.height, img.width)
    } else {
        format!("({}, {}, {})", img.height, img.width, img.channels)
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // magic (6) + version (2) + header length (2) + header, a multiple of 64 with the newline.
    let total = (10 + header.len() + 1).div_ceil(64) * 64;
    header.extend(std::iter::repeat_n(' ', total - 10 - header.len() - 1));
    header.push('\n');
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match dtype {
        Dtype::U8 => out.extend_from_slice(&to_u8(&img.data)?),
        Dtype::U16 => out.extend(to_u16(&img.data)?.iter().flat_map(|v| v.to_le_bytes())),
        Dtype::F32 => out.extend(img.data.iter().flat_map(|&v| (v as f32).to_le_bytes())),
        Dtype::F64 => out.extend(img.data.iter().flat_map(|v| v.to_le_bytes())),
    }
    Ok(())
}

mod bmp;

use bmp::{bmp_gray_into, bmp_rgb_into};
pub use bmp::{write_bmp_gray, write_bmp_rgb};

#[cfg(test)]
mod tests;
