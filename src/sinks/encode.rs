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
//! - **TIFF** (u8, u16, f32): the `tiff` crate, uncompressed, one strip layout chosen by the crate.
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
    /// TIFF, u8, u16 or f32.
    Tiff,
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
    /// 32-bit float, values as they are (TIFF only).
    F32,
}

impl Dtype {
    /// The lower-case name used in workflow files: `u8`, `u16`, `f32`.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::U8 => "u8",
            Dtype::U16 => "u16",
            Dtype::F32 => "f32",
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
    pub const EXTENSIONS: &'static [&'static str] = &["bmp", "png", "jpg", "jpeg", "tif", "tiff"];

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
        } else {
            None
        }
    }

    /// Whether the format can store samples of type `d`: BMP and JPEG u8; PNG u8 and u16;
    /// TIFF u8, u16 and f32.
    pub fn supports(self, d: Dtype) -> bool {
        match self {
            ImageFormat::Bmp | ImageFormat::Jpeg => d == Dtype::U8,
            ImageFormat::Png => matches!(d, Dtype::U8 | Dtype::U16),
            ImageFormat::Tiff => true,
        }
    }

    /// The lower-case name: `bmp`, `png`, `jpeg`, `tiff`.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Bmp => "bmp",
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Tiff => "tiff",
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
        ImageFormat::Tiff => "u8, u16, f32",
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
        }
        .map_err(err)?;
    }
    Ok(())
}

/// The 14-byte file header plus the 40-byte BITMAPINFOHEADER, as Pillow writes them.
fn bmp_headers(
    out: &mut Vec<u8>,
    width: usize,
    height: usize,
    bits: u16,
    stride: usize,
    colors: u32,
) {
    let offset = 14 + 40 + 4 * colors;
    let image_size = (stride * height) as u32;
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(offset + image_size).to_le_bytes()); // file size
    out.extend_from_slice(&0u32.to_le_bytes()); // reserved
    out.extend_from_slice(&offset.to_le_bytes()); // pixel data offset
    out.extend_from_slice(&40u32.to_le_bytes()); // header size
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(height as u32).to_le_bytes()); // positive: bottom-up
    out.extend_from_slice(&1u16.to_le_bytes()); // planes
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // BI_RGB
    out.extend_from_slice(&image_size.to_le_bytes());
    out.extend_from_slice(&3780u32.to_le_bytes()); // x px/m = int(96 * 39.3701 + 0.5)
    out.extend_from_slice(&3780u32.to_le_bytes()); // y px/m
    out.extend_from_slice(&colors.to_le_bytes()); // colours used
    out.extend_from_slice(&colors.to_le_bytes()); // colours important
}

/// Appends the rows bottom-up, each `row_len` bytes filled by `fill_row(y, dst)` for image row
/// `y`, then zero padding to `stride`.
fn bmp_rows(
    out: &mut Vec<u8>,
    row_len: usize,
    height: usize,
    stride: usize,
    mut fill_row: impl FnMut(usize, &mut [u8]),
) {
    if stride == 0 {
        return;
    }
    let start = out.len();
    out.resize(start + stride * height, 0);
    // In image order (the file's rows run backwards): the source is read front to back, which
    // the hardware prefetchers follow far better than a backwards walk of a large image.
    for (i, dst) in out[start..].chunks_exact_mut(stride).enumerate().rev() {
        fill_row(height - 1 - i, &mut dst[..row_len]);
    }
}

/// Row `y` of a row-major `pixels` array with `row_len`-byte rows, copied by `map_row` into
/// `dst`; rows missing from a short `pixels` are left as they are (zeros).
fn copy_row(
    pixels: &[u8],
    row_len: usize,
    y: usize,
    dst: &mut [u8],
    map_row: impl Fn(&[u8], &mut [u8]),
) {
    if let Some(src) = pixels.get(y * row_len..(y + 1) * row_len) {
        map_row(src, dst);
    }
}

/// An 8-bit grey BMP exactly as Pillow writes mode `L` (docs/exactness.md, "BMP files"):
/// palettised with the identity grey palette, bottom-up, rows padded to 4 bytes, 3780 px/m, 256
/// colours used/important. `pixels` is row-major, `width * height` bytes (missing bytes are
/// written as 0). Sizes must fit the 32-bit header fields ([`encode`] checks this).
pub fn write_bmp_gray(width: usize, height: usize, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    bmp_gray_into(&mut out, width, height, |y, dst| {
        copy_row(pixels, width, y, dst, |s, d| d.copy_from_slice(s))
    });
    out
}

/// [`write_bmp_gray`] appended to `out`, with each row's `width` bytes written by
/// `fill_row(y, dst)`.
fn bmp_gray_into(
    out: &mut Vec<u8>,
    width: usize,
    height: usize,
    fill_row: impl FnMut(usize, &mut [u8]),
) {
    let stride = (width + 3) & !3;
    crate::mem::reserve_huge(out, out.len() + 1078 + stride * height);
    bmp_headers(out, width, height, 8, stride, 256);
    for i in 0..=255u8 {
        out.extend_from_slice(&[i, i, i, 0]);
    }
    bmp_rows(out, width, height, stride, fill_row);
}

/// A 24-bit BMP exactly as Pillow writes mode `RGB`: no palette, pixels stored B, G, R,
/// bottom-up, rows padded to 4 bytes, 3780 px/m. `pixels_rgb` is row-major interleaved R, G, B,
/// `3 * width * height` bytes (missing bytes are written as 0). Sizes must fit the 32-bit
/// header fields ([`encode`] checks this).
pub fn write_bmp_rgb(width: usize, height: usize, pixels_rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    bmp_rgb_into(&mut out, width, height, pixels_rgb);
    out
}

/// [`write_bmp_rgb`] appended to `out`.
fn bmp_rgb_into(out: &mut Vec<u8>, width: usize, height: usize, pixels_rgb: &[u8]) {
    let stride = (3 * width + 3) & !3;
    crate::mem::reserve_huge(out, out.len() + 54 + stride * height);
    bmp_headers(out, width, height, 24, stride, 0);
    bmp_rows(out, 3 * width, height, stride, |y, dst| {
        copy_row(pixels_rgb, 3 * width, y, dst, |src, dst| {
            for (s, d) in src.chunks_exact(3).zip(dst.chunks_exact_mut(3)) {
                d.copy_from_slice(&[s[2], s[1], s[0]]);
            }
        })
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn rint_clip_matches_round_ties_even() {
        let mut x = 0.123_456_789_f64;
        for k in 0..200_000u32 {
            // A sweep over [-1.2, 1.2] plus every exact k + 0.5 tie.
            x = (x * 3.9 * (1.0 - x)).clamp(0.0, 1.0);
            let v = x * 2.4 - 1.2;
            for t in [v * 255.0, v * 65535.0, f64::from(k % 300) - 20.5] {
                for top in [255.0, 65535.0] {
                    let want = t.round_ties_even().clamp(0.0, top);
                    assert_eq!(super::rint_clip(t, top), want, "{t}"); // -0.0 == 0.0: both cast to 0
                }
            }
        }
        assert_eq!(super::rint_clip(f64::NAN, 255.0), 0.0);
    }

    use super::*;
    use sha2::{Digest, Sha256};

    fn sha(b: &[u8]) -> String {
        format!("{:x}", Sha256::digest(b))
    }

    /// `((y*31 + x*7 + c*85 + (x*y) % 13) % 256)`, the pattern used for the Pillow digests.
    fn pattern(h: usize, w: usize, ch: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(h * w * ch);
        for y in 0..h {
            for x in 0..w {
                for c in 0..ch {
                    v.push(((y * 31 + x * 7 + c * 85 + (x * y) % 13) % 256) as u8);
                }
            }
        }
        v
    }

    #[test]
    fn bmp_is_byte_identical_to_imageio_pillow() {
        // >>> y, x = np.mgrid[:h, :w]; a = ((y*31 + x*7 + (x*y) % 13) % 256).astype(np.uint8)
        // >>> imageio.imwrite('t.bmp', a); sha256(open('t.bmp','rb').read())
        // (RGB: np.mgrid[:h, :w, :3] with + c*85.)  imageio 2.38.1, Pillow 13.0.0
        let gray = [
            (
                1,
                1,
                1082,
                "e6e2337df51b291f1db7a91ab4a9d1f9cf34cafe3141410aefda2178b37eb40d",
            ),
            (
                3,
                2,
                1090,
                "5d52433a37da080e895f79ab609308c6c2bce8d3013322cee637aa0051548235",
            ),
            (
                7,
                13,
                1190,
                "a8372f597c5acb76ab581ab0959edc1afa17466cf225cfec02177b30d8e5fffe",
            ),
            (
                64,
                80,
                6198,
                "3ac9edf3692da28952f1a748bf1b0e6ce21a16d9cb917ca92db55150ee09ce22",
            ),
            (
                37,
                53,
                3150,
                "e1c02248e0530f67b37e70e5b4d1f22f4e3a5d7422ba9ad7e449fef231efdb34",
            ),
        ];
        for (h, w, len, digest) in gray {
            let b = write_bmp_gray(w, h, &pattern(h, w, 1));
            assert_eq!((b.len(), sha(&b).as_str()), (len, digest), "gray {h}x{w}");
        }
        let rgb = [
            (
                1,
                1,
                58,
                "b630aad9d4ad9bc4711d6a6305b524dc55b45d6a5a45214c2a4c64363f31165e",
            ),
            (
                2,
                3,
                78,
                "0143b8cf70f013e88e8d00d0227c8d2cf8a54781827dd4bb03a7f610c8915af0",
            ),
            (
                5,
                7,
                174,
                "1efd0641839e5c059b0d56809ab3b5518dd3484df4a67cb6834f070e6b706653",
            ),
            (
                37,
                53,
                5974,
                "9113e95255ddf9dfe8a80ffbed30f426e8f8bba655cca9c0727222a20235ada5",
            ),
        ];
        for (h, w, len, digest) in rgb {
            let b = write_bmp_rgb(w, h, &pattern(h, w, 3));
            assert_eq!((b.len(), sha(&b).as_str()), (len, digest), "rgb {h}x{w}");
        }
        // The 2×3 RGB file in full (docs/exactness.md, "BMP files").
        let b = write_bmp_rgb(3, 2, &pattern(2, 3, 3));
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(
            hex,
            "424d4e0000000000000036000000280000000300000002000000010018000000000018000000c40e0000\
             c40e00000000000000000000c9741fd17c27d9842f000000aa5500b15c07b8630e000000"
        );
        // Through `encode`, from floats k/255.
        let img = Image::from_vec(
            7,
            13,
            1,
            pattern(7, 13, 1)
                .iter()
                .map(|&v| v as f64 / 255.0)
                .collect(),
        )
        .unwrap();
        let b = encode(&img, ImageFormat::Bmp, Dtype::U8).unwrap();
        assert_eq!(sha(&b), gray[2].3);
    }

    #[test]
    fn img_as_ubyte_and_uint_match_skimage() {
        // >>> a = np.array(xs); img_as_ubyte(a).tolist(); img_as_uint(a).tolist()
        let xs = [
            0.0,
            1.0,
            -1.0,
            -0.3,
            -1e-300,
            0.00196078431372549,
            0.0058823529411764705,
            0.00980392156862745,
            0.013725490196078431,
            0.3941176470588235,
            0.1,
            0.2,
            0.7,
            0.999,
            0.9999999999999999,
            0.5019607843137255,
            5e-324,
        ];
        assert_eq!(
            to_u8(&xs).unwrap(),
            [0, 255, 0, 0, 0, 0, 2, 2, 4, 100, 26, 51, 178, 255, 255, 128, 0]
        );
        assert_eq!(
            to_u16(&xs).unwrap(),
            [
                0, 65535, 0, 0, 0, 128, 386, 642, 900, 25828, 6554, 13107, 45874, 65469, 65535,
                32896, 0
            ]
        );
        // scikit-image's check lets NaN through (it becomes 0, with a warning); flowrun refuses
        // non-finite samples, which an integer image cannot hold.
        let e = to_u8(&[f64::NAN, 0.5]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the image holds NaN values, which u8 output cannot store (a division by zero?)"
        );
        let e = to_u16(&[f64::INFINITY, f64::NAN]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the image holds NaN and infinite values, which u16 output cannot store (a division by zero?)"
        );
        let e = to_u8(&[0.5, 1.0000000000000002]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "images of type float must be between -1 and 1 for u8 output; \
             got min 0.5, max 1.0000000000000002"
        );
        let e = to_u16(&[-1.5, 0.0]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "images of type float must be between -1 and 1 for u16 output; got min -1.5, max 0"
        );
        // An out-of-range image leaves no file behind in a reused buffer, in any format.
        let bad = Image::from_vec(2, 3, 1, vec![0.0, 0.5, 2.0, 0.1, 0.2, 0.3]).unwrap();
        for format in [ImageFormat::Bmp, ImageFormat::Png, ImageFormat::Tiff] {
            let mut out = b"stale".to_vec();
            assert!(encode_into(&bad, format, Dtype::U8, &mut out).is_err());
            assert!(out.is_empty(), "{format:?}");
        }
    }

    #[test]
    fn formats_and_dtypes() {
        assert_eq!(ImageFormat::from_extension("JPG"), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::from_extension("Tif"), Some(ImageFormat::Tiff));
        assert_eq!(ImageFormat::from_extension("gif"), None);
        for ext in ImageFormat::EXTENSIONS {
            assert!(ImageFormat::from_extension(ext).is_some());
        }
        assert!(ImageFormat::Png.supports(Dtype::U16));
        assert!(!ImageFormat::Png.supports(Dtype::F32));
        assert!(!ImageFormat::Jpeg.supports(Dtype::U16));
        assert!(ImageFormat::Tiff.supports(Dtype::F32));
        let img = Image::zeros(2, 2, 1);
        assert_eq!(
            encode(&img, ImageFormat::Bmp, Dtype::U16)
                .unwrap_err()
                .to_string(),
            "bmp cannot store u16 samples (supported: u8)"
        );
        assert_eq!(
            encode(&Image::zeros(0, 5, 1), ImageFormat::Png, Dtype::U8)
                .unwrap_err()
                .to_string(),
            "cannot encode an empty image (0×5)"
        );
        assert_eq!(
            encode(&Image::zeros(2, 2, 2), ImageFormat::Png, Dtype::U8)
                .unwrap_err()
                .to_string(),
            "cannot encode an image with 2 channels (expected 1 or 3)"
        );
        let bad = Image {
            height: 2,
            width: 2,
            channels: 1,
            data: vec![0.0; 3],
        };
        assert_eq!(
            encode(&bad, ImageFormat::Tiff, Dtype::F32)
                .unwrap_err()
                .to_string(),
            "image data has 3 samples, expected 2×2×1"
        );
        // Writers never panic on short input or zero sizes.
        assert_eq!(write_bmp_gray(0, 3, &[]).len(), 1078);
        assert_eq!(write_bmp_rgb(2, 2, &[1]).len(), 54 + 16);
    }

    #[test]
    fn png_jpeg_tiff_decode_to_the_same_pixels() {
        use crate::source::decode::{decode_bytes, DecodeOptions};
        let px = pattern(5, 6, 3);
        let img = Image::from_vec(5, 6, 3, px.iter().map(|&v| v as f64 / 255.0).collect()).unwrap();
        for f in [ImageFormat::Png, ImageFormat::Tiff, ImageFormat::Bmp] {
            let back = decode_bytes(
                &encode(&img, f, Dtype::U8).unwrap(),
                &DecodeOptions::default(),
            )
            .unwrap();
            let got: Vec<u8> = back
                .data
                .iter()
                .map(|v| (v * 255.0).round() as u8)
                .collect();
            assert_eq!(got, px, "{f:?}");
        }
        let jpg = encode(&img, ImageFormat::Jpeg, Dtype::U8).unwrap();
        assert_eq!(&jpg[..3], &[0xFF, 0xD8, 0xFF]);
        let back = decode_bytes(&jpg, &DecodeOptions::default()).unwrap();
        assert_eq!((back.height, back.width, back.channels), (5, 6, 3));
    }
}
