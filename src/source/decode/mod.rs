//! Image decoding: bytes on disk → an [`Image`] of f64 samples, exactly as scikit-image sees the
//! file after `skimage.io.imread` (imageio + Pillow / tifffile) and `img_as_float`.
//!
//! The format is sniffed from the content, never from the extension. Supported: PNG, JPEG (via
//! libjpeg-turbo, as Pillow: see `jpeg`), BMP, TIFF (any page, via the `tiff` crate) and GIF
//! (first frame).
//!
//! Sample conversion (`img_as_float`, i.e. `_convert` in skimage/util/dtype.py; docs/exactness.md,
//! "Reading images"), checked bit for bit against scikit-image 0.26 / tifffile 2026.3:
//! - unsigned integers: `x * (1.0 / max)`, a multiply by the reciprocal as numpy does, not
//!   `x / max`: `1/255` (8-bit), `1/65535` (16-bit), `1/4294967295` (32-bit TIFF),
//!   `1/18446744073709551615` (64-bit TIFF; the value is first rounded to f64, as numpy casts);
//! - signed integers (TIFF): `max(x * (1.0 / max), -1.0)` with `max` = 127, 32767, 2147483647
//!   or 9223372036854775807, so the most negative value maps to -1.0 (the DirectX rule);
//! - floats (16-, 32- and 64-bit TIFF): the value as is (`img_as_float` returns float arrays
//!   unchanged; f16 and f32 widen to f64 exactly; no clipping or rescaling).
//!
//! Channels: alpha is always **dropped** (gray+alpha → gray, RGBA → RGB), like `img[..., :3]`;
//! so is any extra sample of a TIFF (gray + one extra sample → gray, RGB + extras → RGB).
//! Where Pillow reads a file differently from its header, the Pillow reading wins, because that
//! is what a scikit-image script gets:
//! - 16-bit RGB/RGBA PNG: Pillow keeps only the high byte of each sample (8-bit RGB);
//! - 16-bit gray+alpha PNG: Pillow returns 8-bit RGBA (gray high byte replicated), so it loads as
//!   3 equal channels;
//! - palettised BMP whose palette is the identity grey ramp (`palette[i] == (i, i, i)`): Pillow
//!   returns mode `L` (one channel); any other palette is expanded to RGB.
//!
//! The two 16-bit PNG readings lose precision a user may not expect, so they are reported:
//! [`decode_bytes_with_notes`] and [`decode_file_with_notes`] return [`Notes`] beside the image,
//! and a run merges them (`|`) and prints each of [`Notes::warnings`] once. [`decode_bytes`] and
//! [`decode_file`] drop the notes.
//!
//! White-is-zero (MinIsWhite) TIFFs keep their stored samples: tifffile does not invert them
//! (the `tiff` crate would, so the file is decoded as black-is-zero).
//!
//! Refused, with [`DecodeError::Unsupported`]: palette, CMYK, YCbCr and L\*a\*b\* TIFFs, planar
//! (separate-plane) TIFFs, TIFF samples of other widths (1/2/4/12-bit …) or formats, 12-bit and
//! lossless JPEGs; and CMYK JPEGs ([`DecodeError::CmykJpeg`]). Known differences from
//! scikit-image: `skimage.io.imread` turns an array shaped `(3 or 4, w, c)` with `c` not 3 or 4
//! into `(w, c, 3 or 4)` (taking it for channels-first), which a 3- or 4-row 8-bit gray+alpha
//! PNG or gray+alpha TIFF is, where this module reads the image as stored.
//!
//! Every failure is a [`DecodeError`]; no input bytes make this module panic. Its messages are
//! plain words: lower-case, naming the format, with no Rust Debug text (the decoders' enum values
//! are named in words and their known Debug texts rewritten, see `messages`).

mod convert;
mod image_crate;
mod jpeg;
mod messages;
mod pages;
#[cfg(test)]
mod tests;
mod tiff;

use std::path::Path;

use self::tiff::decode_tiff;
use crate::Image;
use convert::apply_color;
use image_crate::decode_with_image;
use jpeg::decode_jpeg;

pub use convert::{rgb_to_gray, rgb_to_gray_into, rgb_to_gray_one_column};
pub use pages::{frame_count, MAX_PAGES};

/// How decoded channels are mapped to the channels of the resulting [`Image`].
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
pub enum ColorMode {
    /// Keep the file's colour layout: grey images load with 1 channel, colour images with 3
    /// (alpha is dropped in both cases).
    #[default]
    Keep,
    /// Convert colour images to 1-channel grey with scikit-image's `rgb2gray`
    /// (`0.2125 R + 0.7154 G + 0.0721 B` on the `[0, 1]` floats); grey images stay as they are.
    Gray,
    /// Load as 3-channel RGB; grey images are replicated into R, G and B.
    Rgb,
}

/// Which images a file holds.
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
pub enum Frames {
    /// One image per file: a multi-page TIFF's first page (a GIF's or APNG's first frame).
    #[default]
    First,
    /// Every page of a multi-page TIFF is an image of its own (`{frame}` is its page number, from
    /// 0; it equals `skimage.io.imread(path, key=frame)`); other files are one image, frame 0.
    Each,
}

/// Options for [`decode_file`], [`decode_bytes`] and their `_with_notes` forms. Serialized
/// (into the plan key, see `plan::key`) with [`READERS_VERSION`].
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Channel layout of the result.
    pub color: ColorMode,
    /// Which images a file holds: the source's page list is made from it ([`frame_count`]);
    /// decoding reads the page it is given ([`decode_frame_with_notes`]).
    pub frames: Frames,
    /// Largest accepted `width * height`; checked from the header before any pixel buffer is
    /// allocated. Default `1 << 28` (268 435 456).
    pub max_pixels: u64,
}

/// The version of how files are read, in the plan key: a change that alters decoded samples
/// bumps it, so that images made from the old samples are recomputed. 2: JPEG through
/// libjpeg-turbo (as Pillow) instead of zune-jpeg.
pub const READERS_VERSION: u32 = 2;

impl serde::Serialize for DecodeOptions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let each = self.frames == Frames::Each;
        let mut st = s.serialize_struct("DecodeOptions", 3 + usize::from(each))?;
        st.serialize_field("color", &self.color)?;
        st.serialize_field("max_pixels", &self.max_pixels)?;
        if each {
            st.serialize_field("frames", &self.frames)?;
        }
        st.serialize_field("readers", &READERS_VERSION)?;
        st.end()
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            color: ColorMode::Keep,
            frames: Frames::First,
            max_pixels: 1 << 28,
        }
    }
}

/// Why an image could not be decoded. Messages are plain words: lower-case, naming the format,
/// with no Rust Debug text.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// The content is none of the supported formats.
    #[error("not a supported image (png, jpeg, bmp, tiff, gif)")]
    UnknownFormat,
    /// The format was recognised but the data is damaged or cut short.
    #[error("truncated or corrupt {format}: {message}")]
    Corrupt {
        /// `png`, `jpeg`, `bmp`, `tiff` or `gif`.
        format: &'static str,
        /// The decoder's description of the problem.
        message: String,
    },
    /// A valid file using a feature flowrun does not read (e.g. a palette TIFF, or signed 12-bit
    /// TIFF samples).
    #[error("unsupported {format}: {what}")]
    Unsupported {
        /// `png`, `jpeg`, `bmp`, `tiff` or `gif`.
        format: &'static str,
        /// What is not supported.
        what: String,
    },
    /// The header announces more pixels than [`DecodeOptions::max_pixels`].
    #[error("image is {width}×{height} = {:e} pixels, over max_pixels {max_pixels}", *width as u64 * *height as u64)]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The limit that was exceeded.
        max_pixels: u64,
    },
    /// The decoder refused to allocate the memory the image needs.
    #[error("{format} exceeds the decoding memory limits: {message}")]
    Limits {
        /// `png`, `jpeg`, `bmp`, `tiff` or `gif`.
        format: &'static str,
        /// The decoder's message.
        message: String,
    },
    /// The header says the image has height 0.
    #[error("image has zero rows")]
    ZeroRows,
    /// The header says the image has width 0.
    #[error("image has zero columns")]
    ZeroColumns,
    /// A 4-component (CMYK or YCCK) JPEG. Pillow reads it as mode `CMYK`, so `skimage.io.imread`
    /// gives its four inverted ink channels, not colours; an image here is gray or RGB, and
    /// dropping K (as alpha is dropped) would give neither, so it is refused.
    #[error(
        "cmyk jpeg is not supported (skimage.io.imread reads its 4 ink channels, which are not \
         gray or RGB); convert it to RGB first"
    )]
    CmykJpeg,
    /// The file has fewer pages than the page asked for (it changed since the run was planned).
    #[error("the file has no page {frame} (pages are numbered from 0)")]
    NoFrame {
        /// The page asked for.
        frame: usize,
    },
}

/// The formats recognised by their magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Png,
    Jpeg,
    Bmp,
    Tiff,
    Gif,
}

impl Format {
    fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"BM") {
            Some(Format::Bmp)
        } else if bytes.starts_with(b"II*\0")
            || bytes.starts_with(b"MM\0*")
            || bytes.starts_with(b"II+\0")
            || bytes.starts_with(b"MM\0+")
        {
            Some(Format::Tiff)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Gif => "gif",
        }
    }

    fn image_format(self) -> image::ImageFormat {
        match self {
            Format::Png => image::ImageFormat::Png,
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Bmp => image::ImageFormat::Bmp,
            Format::Tiff => image::ImageFormat::Tiff,
            Format::Gif => image::ImageFormat::Gif,
        }
    }
}

/// Things worth telling the user about how one image was read: places where the result follows
/// Pillow's reading of the file rather than its header. A run warns once for each note that any
/// of its images raised: merge the notes of all images with `|` (or [`Notes::merge`]), then print
/// [`Notes::warnings`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Notes {
    /// A 16-bit RGB or RGBA PNG was read as 8-bit: the high byte of each sample.
    pub png16_colour_as_8bit: bool,
    /// A 16-bit gray+alpha PNG was read as 8-bit RGB: the high byte of the gray sample in each of
    /// R, G and B (alpha dropped).
    pub png16_gray_alpha_as_8bit_rgb: bool,
}

impl Notes {
    /// The warning for [`Notes::png16_colour_as_8bit`].
    pub const PNG16_COLOUR_AS_8BIT: &'static str = "16-bit colour PNGs are read as 8-bit (the \
        high byte of each sample), as Pillow and so skimage.io.imread read them";
    /// The warning for [`Notes::png16_gray_alpha_as_8bit_rgb`].
    pub const PNG16_GRAY_ALPHA_AS_8BIT_RGB: &'static str = "16-bit gray+alpha PNGs are read as \
        8-bit RGB (the high byte of the gray sample in each of R, G and B), as Pillow and so \
        skimage.io.imread read them";

    /// No note is set.
    pub fn is_empty(self) -> bool {
        self == Notes::default()
    }

    /// The notes set in either.
    #[must_use]
    pub fn merge(self, other: Notes) -> Notes {
        Notes {
            png16_colour_as_8bit: self.png16_colour_as_8bit || other.png16_colour_as_8bit,
            png16_gray_alpha_as_8bit_rgb: self.png16_gray_alpha_as_8bit_rgb
                || other.png16_gray_alpha_as_8bit_rgb,
        }
    }

    /// One plain-English line for each note that is set, in a fixed order.
    pub fn warnings(self) -> impl Iterator<Item = &'static str> {
        [
            (self.png16_colour_as_8bit, Notes::PNG16_COLOUR_AS_8BIT),
            (
                self.png16_gray_alpha_as_8bit_rgb,
                Notes::PNG16_GRAY_ALPHA_AS_8BIT_RGB,
            ),
        ]
        .into_iter()
        .filter_map(|(set, line)| set.then_some(line))
    }
}

impl std::ops::BitOr for Notes {
    type Output = Notes;
    fn bitor(self, other: Notes) -> Notes {
        self.merge(other)
    }
}

impl std::ops::BitOrAssign for Notes {
    fn bitor_assign(&mut self, other: Notes) {
        *self = self.merge(other);
    }
}

/// Reads and decodes the file at `path` (format sniffed from its content).
pub fn decode_file(path: &Path, opts: &DecodeOptions) -> Result<Image, DecodeError> {
    decode_file_with_notes(path, opts).map(|(img, _)| img)
}

/// Decodes an in-memory image file (format sniffed from its content).
pub fn decode_bytes(bytes: &[u8], opts: &DecodeOptions) -> Result<Image, DecodeError> {
    decode_bytes_with_notes(bytes, opts).map(|(img, _)| img)
}

/// [`decode_file`], also returning the [`Notes`] on how the image was read.
pub fn decode_file_with_notes(
    path: &Path,
    opts: &DecodeOptions,
) -> Result<(Image, Notes), DecodeError> {
    let bytes = std::fs::read(path)?;
    decode_bytes_with_notes(&bytes, opts)
}

/// [`decode_bytes`], also returning the [`Notes`] on how the image was read.
pub fn decode_bytes_with_notes(
    bytes: &[u8],
    opts: &DecodeOptions,
) -> Result<(Image, Notes), DecodeError> {
    decode_frame_with_notes(bytes, opts, 0)
}

/// Image `frame` of an in-memory image file: page `frame` of a TIFF (0 is the first, as
/// `skimage.io.imread(path, key=frame)`); any other file has frame 0 only, its image.
pub fn decode_frame_with_notes(
    bytes: &[u8],
    opts: &DecodeOptions,
    frame: usize,
) -> Result<(Image, Notes), DecodeError> {
    let format = Format::sniff(bytes).ok_or(DecodeError::UnknownFormat)?;
    if frame > 0 && format != Format::Tiff {
        return Err(DecodeError::NoFrame { frame });
    }
    let (raw, notes) = match format {
        Format::Tiff => (decode_tiff(bytes, opts, frame)?, Notes::default()),
        Format::Jpeg => (decode_jpeg(bytes, opts)?, Notes::default()),
        _ => decode_with_image(bytes, format, opts)?,
    };
    Ok((apply_color(raw, opts.color), notes))
}

/// Checks the header dimensions against zero and `max_pixels`.
fn check_dimensions(width: u32, height: u32, max_pixels: u64) -> Result<(), DecodeError> {
    if height == 0 {
        return Err(DecodeError::ZeroRows);
    }
    if width == 0 {
        return Err(DecodeError::ZeroColumns);
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooLarge {
            width,
            height,
            max_pixels,
        });
    }
    Ok(())
}
