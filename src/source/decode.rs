//! Image decoding: bytes on disk → an [`Image`] of f64 samples, exactly as scikit-image sees the
//! file after `skimage.io.imread` (imageio + Pillow / tifffile) and `img_as_float`.
//!
//! The format is sniffed from the content, never from the extension. Supported: PNG, JPEG, BMP,
//! TIFF (first page, via the `tiff` crate) and GIF (first frame).
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
//! (separate-plane) TIFFs, TIFF samples of other widths (1/2/4/12-bit …) or formats, and CMYK
//! JPEGs. Known differences from scikit-image: JPEG pixels may differ by a few levels (zune-jpeg
//! is not libjpeg-turbo); `skimage.io.imread` turns an array shaped `(3 or 4, w, c)` with `c`
//! not 3 or 4 into `(w, c, 3 or 4)` (taking it for channels-first), which a 3- or 4-row 8-bit
//! gray+alpha PNG or gray+alpha TIFF is, where this module reads the image as stored.
//!
//! Every failure is a [`DecodeError`]; no input bytes make this module panic. Its messages are
//! plain words: lower-case, naming the format, with no Rust Debug text (the decoders' enum values
//! are named in words and their known Debug texts rewritten, see `plain`).

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits};

use crate::Image;

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

/// Options for [`decode_file`], [`decode_bytes`] and their `_with_notes` forms.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DecodeOptions {
    /// Channel layout of the result.
    pub color: ColorMode,
    /// Largest accepted `width * height`; checked from the header before any pixel buffer is
    /// allocated. Default `1 << 28` (268 435 456).
    pub max_pixels: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            color: ColorMode::Keep,
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
    /// A 4-component (CMYK or YCCK) JPEG: decoders disagree on these, so they are refused.
    #[error("cmyk jpeg is not supported")]
    CmykJpeg,
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
    let format = Format::sniff(bytes).ok_or(DecodeError::UnknownFormat)?;
    let (raw, notes) = match format {
        Format::Tiff => (decode_tiff(bytes, opts)?, Notes::default()),
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

/// An `image` crate error in plain words: enum values are named in words and the decoders' own
/// messages pass through [`plain`].
fn map_image_error(format: Format, e: ImageError) -> DecodeError {
    use image::error::{LimitErrorKind, UnsupportedErrorKind};
    let format_name = format.name();
    let corrupt = |message: String| DecodeError::Corrupt {
        format: format_name,
        message,
    };
    match e {
        ImageError::Limits(l) => DecodeError::Limits {
            format: format_name,
            message: match l.kind() {
                LimitErrorKind::InsufficientMemory => "the memory limit was reached".into(),
                LimitErrorKind::DimensionError => "the image is larger than the size limit".into(),
                _ => "a decoding limit was reached".into(),
            },
        },
        ImageError::Unsupported(u) => DecodeError::Unsupported {
            format: format_name,
            what: match u.kind() {
                UnsupportedErrorKind::Color(c) | UnsupportedErrorKind::ColorLayout(c) => {
                    format!("{} images", extended_colour_words(c))
                }
                UnsupportedErrorKind::GenericFeature(feature) => plain(&feature),
                _ => plain(&u.to_string()),
            },
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            corrupt("unexpected end of file".into())
        }
        ImageError::IoError(io) => corrupt(plain(&io.to_string())),
        // The decoder's own error is the source; the wrapper only adds "Format error decoding Png".
        ImageError::Decoding(d) => corrupt(match std::error::Error::source(&d) {
            Some(source) => plain(&source.to_string()),
            None => "malformed data".into(),
        }),
        other => corrupt(plain(&other.to_string())),
    }
}

/// `16-bit RGB`, `8-bit gray+alpha`, `32-bit float RGBA` … for the `image` crate's colour types.
fn colour_type_words(c: image::ColorType) -> String {
    extended_colour_words(c.into())
}

/// Plain words for the `image` crate's extended colour types (the file's own sample layout).
fn extended_colour_words(c: image::ExtendedColorType) -> String {
    use image::ExtendedColorType as C;
    let (bits, layout) = match c {
        C::A8 => ("8-bit", "alpha-only"),
        C::L1 => ("1-bit", "gray"),
        C::La1 => ("1-bit", "gray+alpha"),
        C::Rgb1 => ("1-bit", "RGB"),
        C::Rgba1 => ("1-bit", "RGBA"),
        C::L2 => ("2-bit", "gray"),
        C::La2 => ("2-bit", "gray+alpha"),
        C::Rgb2 => ("2-bit", "RGB"),
        C::Rgba2 => ("2-bit", "RGBA"),
        C::L4 => ("4-bit", "gray"),
        C::La4 => ("4-bit", "gray+alpha"),
        C::Rgb4 => ("4-bit", "RGB"),
        C::Rgba4 => ("4-bit", "RGBA"),
        C::Rgb5x1 => ("5-bit", "RGB"),
        C::L8 => ("8-bit", "gray"),
        C::La8 => ("8-bit", "gray+alpha"),
        C::Rgb8 => ("8-bit", "RGB"),
        C::Rgba8 => ("8-bit", "RGBA"),
        C::L16 => ("16-bit", "gray"),
        C::La16 => ("16-bit", "gray+alpha"),
        C::Rgb16 => ("16-bit", "RGB"),
        C::Rgba16 => ("16-bit", "RGBA"),
        C::Bgr8 => ("8-bit", "BGR"),
        C::Bgra8 => ("8-bit", "BGRA"),
        C::Rgb32F => ("32-bit float", "RGB"),
        C::Rgba32F => ("32-bit float", "RGBA"),
        C::Cmyk8 => ("8-bit", "CMYK"),
        C::Cmyk16 => ("16-bit", "CMYK"),
        _ => {
            return format!(
                "{}-channel {}-bit-per-pixel",
                c.channel_count(),
                c.bits_per_pixel()
            )
        }
    };
    format!("{bits} {layout}")
}

/// A decoder's message in plain words, for [`DecodeError`]: no Rust Debug text (`{`, `}`, `::`,
/// `Name(…)`), no quoting, no trailing full stop, and a lower-case start unless the first word is
/// an acronym (`CRC`, `IDAT`).
///
/// Known Debug texts are translated: the png crate's `ChunkType { type: IDAT, … }` becomes
/// `IDAT`, its colour types and bit depths (`Rgb`, `Sixteen`) become words, and zlib/deflate
/// error names (`BadZlibHeader`) become words. Any Debug syntax left is then stripped.
fn plain(msg: &str) -> String {
    let mut s = msg.trim().to_string();
    // zune-jpeg writes its messages through Debug: a quoted, escaped string.
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s = s[1..s.len() - 1].replace("\\\"", "\"").replace("\\n", " ");
    }
    s = png_chunk_types(&s);
    s = png_enum_words(&s);
    if let Some(rest) = s.strip_prefix("Corrupt deflate stream. ") {
        s = format!("corrupt deflate stream: {}", camel_to_words(rest));
    }
    // zune-jpeg: "I/O errors Not enough bytes, expected 16 but found 3",
    // "error parsing SOF segment. Reason:Length … expected 14,value is 17".
    if let Some(rest) = s.strip_prefix("I/O errors ") {
        s = match rest.strip_prefix("Not enough bytes, ") {
            Some(counts) => format!("unexpected end of file ({counts} bytes)"),
            None => rest.to_string(),
        };
    }
    s = s
        .replace(". Reason:", ": ")
        .replace("Reason:", "")
        .replace(" :", " ");
    s = space_after_commas(&s);
    s = strip_debug_syntax(&s);
    let s = s.trim().trim_end_matches('.').trim_end();
    lower_case_start(s)
}

/// `14,value` → `14, value` (a comma directly followed by a letter).
fn space_after_commas(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut after_comma = false;
    for c in s.chars() {
        if after_comma && c.is_alphabetic() {
            out.push(' ');
        }
        out.push(c);
        after_comma = c == ',';
    }
    out
}

/// `ChunkType { type: IDAT, critical: true, … }` → `IDAT`.
fn png_chunk_types(s: &str) -> String {
    const OPEN: &str = "ChunkType { type: ";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len()..];
        // The struct closes with " }"; an escaped byte in the name (`\u{0}`) has no space before
        // its closing brace.
        let Some(close) = after.find(" }") else {
            out.push_str("an unnamed");
            rest = "";
            break;
        };
        let name = after[..close].split(',').next().unwrap_or("");
        if name.len() == 4 && name.bytes().all(|b| b.is_ascii_alphabetic()) {
            out.push_str(name);
        } else {
            out.push_str("an unprintable");
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The png crate's colour type and bit depth names in messages that print them with Debug.
fn png_enum_words(s: &str) -> String {
    if !(s.contains("color type") || s.contains("color/depth") || s.contains("sample depth")) {
        return s.to_string();
    }
    let word = |w: &str| -> Option<&'static str> {
        Some(match w {
            "Grayscale" => "gray",
            "GrayscaleAlpha" => "gray+alpha",
            "Rgb" => "RGB",
            "Rgba" => "RGBA",
            "Indexed" => "palette",
            "One" => "1-bit",
            "Two" => "2-bit",
            "Four" => "4-bit",
            "Eight" => "8-bit",
            "Sixteen" => "16-bit",
            _ => return None,
        })
    };
    let mut out = String::with_capacity(s.len());
    let mut token = String::new();
    for c in s.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_alphanumeric() {
            token.push(c);
            continue;
        }
        out.push_str(word(&token).unwrap_or(&token));
        token.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out.replace(
        "color/depth combination in header: ",
        "colour type/bit depth in the header: ",
    )
    .replace("color type", "colour type")
}

/// `BadZlibHeader` → `bad zlib header`.
fn camel_to_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.trim().chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `s` shows Rust Debug text: braces, a path (`::`), or an enum value `Name(…)` (a
/// capitalised word directly followed by a parenthesis).
fn has_debug_text(s: &str) -> bool {
    if s.contains(['{', '}']) || s.contains("::") {
        return true;
    }
    let b = s.as_bytes();
    (1..b.len()).any(|i| {
        b[i] == b'(' && b[i - 1].is_ascii_alphanumeric() && {
            let start = b[..i]
                .iter()
                .rposition(|c| !c.is_ascii_alphanumeric() && *c != b'_')
                .map_or(0, |p| p + 1);
            b[start].is_ascii_uppercase()
        }
    })
}

/// Last resort for Debug text no rule above knew: braces dropped, `::` and `Name(` parentheses
/// turned into spaces. Plain text passes unchanged.
fn strip_debug_syntax(s: &str) -> String {
    if !has_debug_text(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut dropped_parens = Vec::new(); // per open parenthesis: whether it was dropped
    let mut prev: Option<char> = None;
    for c in s.replace("::", " ").chars() {
        match c {
            '{' | '}' => out.push(' '),
            '(' if prev.is_some_and(|p| p.is_ascii_alphanumeric()) => {
                dropped_parens.push(true);
                out.push(' ');
            }
            '(' => {
                dropped_parens.push(false);
                out.push(c);
            }
            ')' if dropped_parens.pop() == Some(true) => {}
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-cases the first word, unless it is an acronym (two or more capitals: `CRC`, `IDAT`); a
/// message in Title Case (`Unexpected End of File`) is lower-cased word by word.
fn lower_case_start(s: &str) -> String {
    let is_acronym = |w: &str| w.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2;
    let capitalised = |w: &str| w.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let words: Vec<&str> = s.split(' ').collect();
    let title_case = words.len() >= 2
        && words
            .iter()
            .filter(|w| w.len() >= 4)
            .all(|w| capitalised(w) || is_acronym(w));
    let lower = |w: &str| {
        let mut cs = w.chars();
        cs.next()
            .map(|c| c.to_lowercase().chain(cs).collect::<String>())
            .unwrap_or_default()
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if (i == 0 || title_case) && capitalised(w) && !is_acronym(w) {
                lower(w)
            } else {
                (*w).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// PNG, JPEG, BMP and GIF through the `image` crate, with limits, dimensions checked first.
fn decode_with_image(
    bytes: &[u8],
    format: Format,
    opts: &DecodeOptions,
) -> Result<(Image, Notes), DecodeError> {
    if format == Format::Jpeg && jpeg_components(bytes) == Some(4) {
        return Err(DecodeError::CmykJpeg);
    }
    // Zero or oversized dimensions get their own message even where the decoder would refuse the
    // header first (with e.g. "dimensions (2x0) are too large" for a BMP with 0 rows).
    if let Some((width, height)) = header_dimensions(bytes, format) {
        check_dimensions(width, height, opts.max_pixels)?;
    }
    let side = u32::try_from(opts.max_pixels).unwrap_or(u32::MAX);
    let mut limits = Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    // The output buffer (at most 8 bytes per pixel: RGBA16) plus room for decoder internals.
    limits.max_alloc = Some(opts.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits);
    let err = |e| map_image_error(format, e);
    let decoder = reader.into_decoder().map_err(err)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, opts.max_pixels)?;
    // The JPEG decoder fills a stream cut short with grey instead of failing; Pillow (so
    // scikit-image) raises "image file is truncated" for it.
    if format == Format::Jpeg && !jpeg_has_eoi(bytes) {
        return Err(DecodeError::Corrupt {
            format: "jpeg",
            message: "unexpected end of file (no end-of-image marker)".into(),
        });
    }
    let img = DynamicImage::from_decoder(decoder).map_err(err)?;
    let (h, w) = (height as usize, width as usize);
    let mut notes = Notes::default();
    let img = match img {
        DynamicImage::ImageLuma8(b) => from_u8(h, w, 1, &b),
        DynamicImage::ImageLumaA8(b) => from_u8(h, w, 2, &b),
        DynamicImage::ImageRgb8(b) if format == Format::Bmp && bmp_is_gray(bytes) => {
            first_channel(from_u8(h, w, 3, &b))
        }
        DynamicImage::ImageRgba8(b) if format == Format::Bmp && bmp_is_gray(bytes) => {
            first_channel(from_u8(h, w, 4, &b))
        }
        DynamicImage::ImageRgb8(b) => from_u8(h, w, 3, &b),
        DynamicImage::ImageRgba8(b) => from_u8(h, w, 4, &b),
        DynamicImage::ImageLuma16(b) => from_u16(h, w, 1, &b),
        // Pillow reads 16-bit colour PNGs as 8-bit (high byte); see the module docs.
        DynamicImage::ImageLumaA16(b) if format == Format::Png => {
            notes.png16_gray_alpha_as_8bit_rgb = true;
            let hi: Vec<u8> = b.chunks_exact(2).map(|p| (p[0] >> 8) as u8).collect();
            gray_to_rgb(from_u8(h, w, 1, &hi))
        }
        DynamicImage::ImageRgb16(b) if format == Format::Png => {
            notes.png16_colour_as_8bit = true;
            let hi: Vec<u8> = b.iter().map(|&v| (v >> 8) as u8).collect();
            from_u8(h, w, 3, &hi)
        }
        DynamicImage::ImageRgba16(b) if format == Format::Png => {
            notes.png16_colour_as_8bit = true;
            let hi: Vec<u8> = b.iter().map(|&v| (v >> 8) as u8).collect();
            from_u8(h, w, 4, &hi)
        }
        DynamicImage::ImageLumaA16(b) => from_u16(h, w, 2, &b),
        DynamicImage::ImageRgb16(b) => from_u16(h, w, 3, &b),
        DynamicImage::ImageRgba16(b) => from_u16(h, w, 4, &b),
        DynamicImage::ImageRgb32F(b) => from_f32(h, w, 3, &b),
        DynamicImage::ImageRgba32F(b) => from_f32(h, w, 4, &b),
        other => {
            return Err(DecodeError::Unsupported {
                format: format.name(),
                what: format!("{} images", colour_type_words(other.color())),
            })
        }
    };
    Ok((img, notes))
}

/// The number of components in the first SOF segment of a JPEG stream, if one is found.
fn jpeg_components(bytes: &[u8]) -> Option<u8> {
    let mut i = 2; // after SOI
    loop {
        // Skip to the next marker (0xFF, any fill 0xFF bytes, then a non-zero code).
        while *bytes.get(i)? != 0xFF {
            i += 1;
        }
        while *bytes.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *bytes.get(i)?;
        i += 1;
        match marker {
            0x00 | 0x01 | 0xD0..=0xD8 => continue, // stuffed byte or parameterless markers
            0xDA | 0xD9 => return None,            // start of scan / end of image: no SOF seen
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                // length(2) precision(1) height(2) width(2) components(1)
                return bytes.get(i + 7).copied();
            }
            _ => {
                let len = u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]) as usize;
                i += len;
            }
        }
    }
}

/// Whether the JPEG stream reaches its end-of-image marker (EOI). Marker segments are skipped by
/// their length (an EXIF thumbnail's own EOI is not mistaken for the end); inside entropy-coded
/// data, stuffed `FF 00` bytes and restart markers are passed over. Bytes after EOI are ignored.
fn jpeg_has_eoi(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        let Some(ff) = bytes
            .get(i..)
            .and_then(|b| b.iter().position(|&x| x == 0xFF))
        else {
            return false;
        };
        i += ff;
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            0x00 | 0x01 | 0xD0..=0xD8 => {} // stuffed byte, TEM, RSTn, SOI: no length
            _ => match bytes.get(i..i + 2) {
                Some(&[hi, lo]) if u16::from_be_bytes([hi, lo]) >= 2 => {
                    i += usize::from(u16::from_be_bytes([hi, lo]));
                }
                _ => return false,
            },
        }
    }
}

/// `(width, height)` from the fixed-position header fields of PNG (IHDR), BMP and GIF (logical
/// screen), where present; `None` for other formats or a header too short to hold them.
fn header_dimensions(bytes: &[u8], format: Format) -> Option<(u32, u32)> {
    let le16 = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let le32 = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let be32 = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match format {
        Format::Png if bytes.get(12..16) == Some(b"IHDR") => Some((be32(16)?, be32(20)?)),
        Format::Bmp => match le32(14)? {
            12 => Some((le16(18)?, le16(20)?)),
            _ => {
                // A negative height means rows stored top-down; a negative width is invalid (the
                // decoder says so).
                let w = u32::try_from(le32(18)?).ok()?;
                Some((w, le32(22)?.unsigned_abs()))
            }
        },
        Format::Gif => Some((le16(6)?, le16(8)?)),
        _ => None,
    }
}

/// Whether Pillow would open this BMP as grey (mode `L` or `1`): a palettised image (≤ 8 bits
/// per pixel) whose palette entries are exactly `(i, i, i)`, or `(0,0,0), (255,255,255)` for two
/// colours (PIL/BmpImagePlugin.py, "Check if grayscale and ignore palette if so").
fn bmp_is_gray(bytes: &[u8]) -> bool {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(header_size) = u32_at(14) else {
        return false;
    };
    let (bits, colors, entry) = if header_size == 12 {
        let Some(bits) = u16_at(24) else { return false };
        (bits, 0, 3usize)
    } else {
        let (Some(bits), Some(colors)) = (u16_at(28), u32_at(46)) else {
            return false;
        };
        (bits, colors, 4usize)
    };
    if bits == 0 || bits > 8 {
        return false;
    }
    let colors = if colors == 0 { 1u32 << bits } else { colors };
    if colors > 256 {
        return false;
    }
    let palette_start = 14 + header_size as usize;
    (0..colors as usize).all(|i| {
        let val = if colors == 2 { [0u8, 255][i] } else { i as u8 };
        let o = palette_start + i * entry;
        bytes.get(o..o + 3) == Some(&[val, val, val][..])
    })
}

/// First TIFF page through the `tiff` crate (which, unlike `image`, reads grey f32 and signed
/// samples). Every sample type `img_as_float` converts is read: unsigned and signed 8/16/32/64-bit
/// integers and 16/32/64-bit floats (see the module docs for each formula).
fn decode_tiff(bytes: &[u8], opts: &DecodeOptions) -> Result<Image, DecodeError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::{SampleFormat, Tag};
    use tiff::ColorType;
    let mut limits = tiff::decoder::Limits::default();
    // Whole image at once: at most 4 samples of 8 bytes per pixel.
    limits.decoding_buffer_size = usize::try_from(opts.max_pixels.saturating_mul(32))
        .unwrap_or(usize::MAX)
        .max(1 << 20);
    let black_is_zero = white_is_zero_as_black_is_zero(bytes);
    let bytes = black_is_zero.as_deref().unwrap_or(bytes);
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(map_tiff_error)?
        .with_limits(limits);
    let (width, height) = dec.dimensions().map_err(map_tiff_error)?;
    check_dimensions(width, height, opts.max_pixels)?;
    let unsupported = |what: String| DecodeError::Unsupported {
        format: "tiff",
        what,
    };
    let planar = dec
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(map_tiff_error)?;
    if planar == Some(2) {
        return Err(unsupported("planar (separate-plane) layout".into()));
    }
    let color = dec.colortype().map_err(map_tiff_error)?;
    let bits = match color {
        ColorType::Gray(b) | ColorType::GrayA(b) | ColorType::RGB(b) | ColorType::RGBA(b) => b,
        // Gray with one extra sample (alpha, or unspecified): the extra sample is dropped.
        ColorType::Multiband {
            bit_depth,
            num_samples: 2,
        } => bit_depth,
        ColorType::Multiband {
            bit_depth,
            num_samples,
        } => {
            return Err(unsupported(format!(
                "{bit_depth}-bit gray images with {num_samples} samples per pixel"
            )))
        }
        other => return Err(unsupported(format!("{} images", tiff_colour_words(other)))),
    };
    // Interleaved samples per pixel, extra samples included (RGB + an unspecified extra sample
    // is `RGB` to the crate, with 4 samples per pixel in the buffer).
    let samples_per_pixel = dec
        .find_tag_unsigned::<u16>(Tag::SamplesPerPixel)
        .map_err(map_tiff_error)?
        .unwrap_or(1);
    let sample_format = dec
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .map_err(map_tiff_error)?
        .and_then(|v| v.first().copied())
        .map_or(SampleFormat::Uint, SampleFormat::from_u16_exhaustive);
    let readable = matches!(
        (sample_format, bits),
        (SampleFormat::Uint | SampleFormat::Int, 8 | 16 | 32 | 64)
            | (SampleFormat::IEEEFP, 16 | 32 | 64)
    );
    if !readable {
        return Err(unsupported(sample_words(sample_format, bits)));
    }
    let (h, w, spp) = (
        height as usize,
        width as usize,
        usize::from(samples_per_pixel),
    );
    let result = dec.read_image().map_err(map_tiff_error)?;
    let len = match &result {
        DecodingResult::U8(v) => v.len(),
        DecodingResult::U16(v) => v.len(),
        DecodingResult::U32(v) => v.len(),
        DecodingResult::U64(v) => v.len(),
        DecodingResult::I8(v) => v.len(),
        DecodingResult::I16(v) => v.len(),
        DecodingResult::I32(v) => v.len(),
        DecodingResult::I64(v) => v.len(),
        DecodingResult::F16(v) => v.len(),
        DecodingResult::F32(v) => v.len(),
        DecodingResult::F64(v) => v.len(),
    };
    if spp == 0 || len != h * w * spp {
        return Err(DecodeError::Corrupt {
            format: "tiff",
            message: format!(
                "the decoded image has {len} samples where {width}×{height} pixels of \
                 {samples_per_pixel} samples need {}",
                h * w * spp
            ),
        });
    }
    // img_as_float: unsigned x * (1 / max); signed max(x * (1 / max), -1); floats as they are.
    Ok(match result {
        DecodingResult::U8(v) => from_u8(h, w, spp, &v),
        DecodingResult::U16(v) => from_u16(h, w, spp, &v),
        DecodingResult::U32(v) => build(h, w, spp, &v, |x| f64::from(x) * (1.0 / 4_294_967_295.0)),
        DecodingResult::U64(v) => build(h, w, spp, &v, |x| {
            x as f64 * (1.0 / 18_446_744_073_709_551_615.0)
        }),
        DecodingResult::I8(v) => build(h, w, spp, &v, |x| (f64::from(x) * (1.0 / 127.0)).max(-1.0)),
        DecodingResult::I16(v) => build(h, w, spp, &v, |x| {
            (f64::from(x) * (1.0 / 32_767.0)).max(-1.0)
        }),
        DecodingResult::I32(v) => build(h, w, spp, &v, |x| {
            (f64::from(x) * (1.0 / 2_147_483_647.0)).max(-1.0)
        }),
        DecodingResult::I64(v) => build(h, w, spp, &v, |x| {
            (x as f64 * (1.0 / 9_223_372_036_854_775_807.0)).max(-1.0)
        }),
        DecodingResult::F16(v) => build(h, w, spp, &v, |x| x.to_f64()),
        DecodingResult::F32(v) => from_f32(h, w, spp, &v),
        DecodingResult::F64(v) => build(h, w, spp, &v, |x| x),
    })
}

/// tifffile (so `skimage.io.imread`) returns the samples of a white-is-zero (MinIsWhite) TIFF as
/// they are stored, where the `tiff` crate inverts them (and refuses signed ones). For a file
/// whose first page is white-is-zero, this is a copy that says black-is-zero instead, so the
/// crate returns the stored samples; `None` for any other file, or a header too damaged to read
/// (the decoder then reports it).
fn white_is_zero_as_black_is_zero(bytes: &[u8]) -> Option<Vec<u8>> {
    let little = match bytes.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let uint = |at: usize, n: usize| -> Option<u64> {
        let b = bytes.get(at..at.checked_add(n)?)?;
        let fold = |acc: u64, &x: &u8| (acc << 8) | u64::from(x);
        Some(if little {
            b.iter().rev().fold(0, fold)
        } else {
            b.iter().fold(0, fold)
        })
    };
    // Classic TIFF: 4-byte IFD offset, 2-byte entry count, 12-byte entries with the value at
    // +8. BigTIFF: 8-byte offset at 8, 8-byte count, 20-byte entries with the value at +12.
    let (ifd, count_len, entry_len, value_at) = match uint(2, 2)? {
        42 => (uint(4, 4)?, 2, 12, 8),
        43 => (uint(8, 8)?, 8, 20, 12),
        _ => return None,
    };
    let ifd = usize::try_from(ifd).ok()?;
    let count = uint(ifd, count_len)?;
    let first = ifd.checked_add(count_len)?;
    for i in 0..count {
        let entry = usize::try_from(i)
            .ok()?
            .checked_mul(entry_len)?
            .checked_add(first)?;
        // PhotometricInterpretation (262), one SHORT (type 3) of value 0.
        if uint(entry, 2)? == 262 {
            let value = entry + value_at;
            if uint(entry + 2, 2)? != 3 || uint(value, 2)? != 0 {
                return None;
            }
            let mut patched = bytes.to_vec();
            let one = if little { [1, 0] } else { [0, 1] };
            patched[value..value + 2].copy_from_slice(&one);
            return Some(patched);
        }
    }
    None
}

/// `signed 12-bit integer samples`, `16-bit floating-point samples` …: a TIFF sample type in
/// plain words (signed types are named so).
fn sample_words(format: tiff::tags::SampleFormat, bits: u8) -> String {
    use tiff::tags::SampleFormat as S;
    match format {
        S::Uint if bits < 8 => format!("{bits}-bit samples"),
        S::Uint => format!("unsigned {bits}-bit integer samples"),
        S::Int => format!("signed {bits}-bit integer samples"),
        S::IEEEFP => format!("{bits}-bit floating-point samples"),
        other => format!(
            "{bits}-bit samples of format {}",
            sample_format_words(other)
        ),
    }
}

/// A `tiff` crate error in plain words: every enum value the crate prints with Debug (tags,
/// colour types, compression methods, photometric interpretations) is named in words here.
fn map_tiff_error(e: tiff::TiffError) -> DecodeError {
    use tiff::{TiffError as E, TiffFormatError as F, TiffUnsupportedError as U, UsageError};
    let corrupt = |message: String| DecodeError::Corrupt {
        format: "tiff",
        message,
    };
    match e {
        E::LimitsExceeded => DecodeError::Limits {
            format: "tiff",
            message: "the image buffer exceeds the decoding limits".into(),
        },
        E::IntSizeError => corrupt("a size or offset in the file is out of range".into()),
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            corrupt("unexpected end of file".into())
        }
        E::IoError(io) => corrupt(plain(&io.to_string())),
        E::FormatError(f) => corrupt(match f {
            F::TiffSignatureNotFound => "no TIFF signature".into(),
            F::TiffSignatureInvalid => "invalid TIFF signature".into(),
            F::ImageFileDirectoryNotFound => "image file directory not found".into(),
            F::InconsistentSizesEncountered => {
                "inconsistent sizes (sample counts or bits per sample)".into()
            }
            F::InvalidDimensions(w, h) => format!("invalid dimensions: width {w}, height {h}"),
            F::InvalidTag => "a tag holds an invalid value".into(),
            F::InvalidTagValueType(tag) => {
                format!("the {} has an unexpected value type", tag_words(tag))
            }
            F::RequiredTagNotFound(tag) => format!("the required {} is missing", tag_words(tag)),
            F::UnknownPredictor(p) => format!("unknown predictor {p}"),
            F::UnknownPlanarConfiguration(c) => format!("unknown planar configuration {c}"),
            F::InvalidTypeForTag => "a tag has an invalid type".into(),
            F::InvalidCountForTag(tag, n) => {
                format!(
                    "the {} has the wrong number of values ({n})",
                    tag_words(tag)
                )
            }
            F::StripTileTagConflict => "the strip or tile tags are missing or mixed".into(),
            F::CycleInOffsets => "the image file directories form a cycle".into(),
            F::SamplesPerPixelIsZero => "samples per pixel is zero".into(),
            F::CompressedDataCorrupt(m) => format!("compressed data is corrupt: {}", plain(&m)),
            other => plain(&other.to_string()),
        }),
        E::UnsupportedError(u) => DecodeError::Unsupported {
            format: "tiff",
            what: match u {
                U::FloatingPointPredictor(c) => format!(
                    "the floating-point predictor for {} samples",
                    tiff_colour_words(c)
                ),
                U::HorizontalPredictor(c) => {
                    format!(
                        "the horizontal predictor for {} samples",
                        tiff_colour_words(c)
                    )
                }
                U::InconsistentBitsPerSample(bits) if bits.contains(&0) => {
                    "samples of zero bits".into()
                }
                U::InconsistentBitsPerSample(bits) => {
                    format!("samples of different bit depths ({})", list(&bits))
                }
                U::InterpretationWithBits(p, bits) => {
                    let n = bits.len();
                    let per_pixel = if n == 1 { "sample" } else { "samples" };
                    match dedup(&bits)[..] {
                        [b] => format!(
                            "{b}-bit {} images with {n} {per_pixel} per pixel",
                            photometric_words(p)
                        ),
                        _ => format!(
                            "{} images with {n} {per_pixel} per pixel of {} bits",
                            photometric_words(p),
                            list(&bits)
                        ),
                    }
                }
                U::UnknownInterpretation => "an unknown photometric interpretation".into(),
                U::UnknownCompressionMethod => "an unknown compression method".into(),
                U::UnsupportedCompressionMethod(tiff::tags::CompressionMethod::Unknown(n)) => {
                    format!("compression method {n}")
                }
                U::UnsupportedCompressionMethod(m) => {
                    format!("{} compression", compression_words(m))
                }
                U::UnsupportedSampleDepth(bits) => format!("{bits}-bit samples"),
                U::UnsupportedSampleFormat(formats) => {
                    let words: Vec<String> =
                        formats.iter().map(|&f| sample_format_words(f)).collect();
                    format!("samples of format {}", list(&dedup(&words)))
                }
                U::UnsupportedColorType(c) => format!("{} images", tiff_colour_words(c)),
                U::UnsupportedBitsPerChannel(bits) => format!("{bits} bits per channel"),
                U::UnsupportedPlanarConfig(p) => match p {
                    Some(p) => format!("planar configuration {}", p.to_u16()),
                    None => "a missing planar configuration".into(),
                },
                U::UnsupportedDataType => "this sample data type".into(),
                U::UnsupportedInterpretation(p) => format!("{} images", photometric_words(p)),
                U::ChromaSubsampling => "chroma-subsampled YCbCr".into(),
                U::MisalignedTileBoundaries => "tile rows not aligned to byte boundaries".into(),
                other => plain(&other.to_string()),
            },
        },
        E::UsageError(UsageError::InvalidChunkType(..)) => {
            corrupt("the file mixes strips and tiles".into())
        }
        E::UsageError(u) => corrupt(plain(&u.to_string())),
    }
}

/// `8, 16`: a list in words.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The items in order of first appearance, each once.
fn dedup<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// `StripOffsets tag (273)`, or `tag 65000` for a tag the crate has no name for (the names are
/// the TIFF specification's).
fn tag_words(tag: tiff::tags::Tag) -> String {
    match tag {
        tiff::tags::Tag::Unknown(n) => format!("tag {n}"),
        named => format!("{named:?} tag ({})", named.to_u16()),
    }
}

/// `8-bit gray`, `16-bit RGB`, `8-bit palette`, `8-bit CMYK` … for the `tiff` crate's colour
/// types (bit depth and layout; the sample format is not part of them).
fn tiff_colour_words(c: tiff::ColorType) -> String {
    use tiff::ColorType as C;
    let (bits, layout) = match c {
        C::Gray(b) => (b, "gray".to_string()),
        C::RGB(b) => (b, "RGB".into()),
        C::Palette(b) => (b, "palette (colour-mapped)".into()),
        C::GrayA(b) => (b, "gray+alpha".into()),
        C::RGBA(b) => (b, "RGBA".into()),
        C::CMYK(b) => (b, "CMYK".into()),
        C::CMYKA(b) => (b, "CMYK+alpha".into()),
        C::YCbCr(b) => (b, "YCbCr".into()),
        C::Lab(b) => (b, "CIE L*a*b*".into()),
        C::Multiband {
            bit_depth,
            num_samples,
        } => (bit_depth, format!("{num_samples}-sample")),
        _ => return "an unknown colour type".into(),
    };
    format!("{bits}-bit {layout}")
}

/// Plain words for a TIFF photometric interpretation.
fn photometric_words(p: tiff::tags::PhotometricInterpretation) -> String {
    use tiff::tags::PhotometricInterpretation as P;
    match p {
        P::WhiteIsZero => "white-is-zero gray".into(),
        P::BlackIsZero => "black-is-zero gray".into(),
        P::RGB => "RGB".into(),
        P::RGBPalette => "palette (colour-mapped)".into(),
        P::TransparencyMask => "transparency mask".into(),
        P::CMYK => "CMYK".into(),
        P::YCbCr => "YCbCr".into(),
        P::CIELab => "CIE L*a*b*".into(),
        P::IccLab => "ICC L*a*b*".into(),
        P::ItuLab => "ITU L*a*b*".into(),
        other => format!("photometric interpretation {}", other.to_u16()),
    }
}

/// Plain words for a TIFF compression method.
fn compression_words(m: tiff::tags::CompressionMethod) -> String {
    use tiff::tags::CompressionMethod as M;
    match m {
        M::None => "no".into(),
        M::Huffman => "CCITT modified Huffman (RLE)".into(),
        M::Fax3 => "CCITT group 3 fax".into(),
        M::Fax4 => "CCITT group 4 fax".into(),
        M::LZW => "LZW".into(),
        M::JPEG => "old-style JPEG".into(),
        M::ModernJPEG => "JPEG".into(),
        M::Deflate => "Deflate".into(),
        M::OldDeflate => "old-style Deflate".into(),
        M::PackBits => "PackBits".into(),
        M::ZSTD => "Zstandard".into(),
        M::WebP => "WebP".into(),
        M::Unknown(n) => format!("method {n}"),
        other => format!("method {}", other.to_u16()),
    }
}

/// Plain words for a TIFF sample format.
fn sample_format_words(f: tiff::tags::SampleFormat) -> String {
    use tiff::tags::SampleFormat as S;
    match f {
        S::Uint => "unsigned integer".into(),
        S::Int => "signed integer".into(),
        S::IEEEFP => "floating-point".into(),
        S::Void => "untyped (void)".into(),
        other => format!("unknown ({})", other.to_u16()),
    }
}

/// `x * (1/255)` for every u8 value, computed once.
fn u8_table() -> &'static [f64; 256] {
    static TABLE: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| i as f64 * (1.0 / 255.0)))
}

/// Builds an image from interleaved samples with `src_channels` per pixel (1–4), dropping alpha
/// (the 2nd of 2 or the 4th of 4 channels). Panics never: a short buffer yields fewer pixels,
/// which the decoders rule out.
fn build<T: Copy>(
    height: usize,
    width: usize,
    src_channels: usize,
    src: &[T],
    f: impl Fn(T) -> f64,
) -> Image {
    let channels = if src_channels >= 3 { 3 } else { 1 };
    let n = height * width;
    let mut data = Vec::with_capacity(n * channels);
    if src_channels == channels {
        data.extend(src[..(n * channels).min(src.len())].iter().map(|&v| f(v)));
    } else {
        for px in src.chunks_exact(src_channels).take(n) {
            data.extend(px[..channels].iter().map(|&v| f(v)));
        }
    }
    data.resize(n * channels, 0.0);
    Image {
        height,
        width,
        channels,
        data,
    }
}

fn from_u8(height: usize, width: usize, src_channels: usize, src: &[u8]) -> Image {
    let table = u8_table();
    build(height, width, src_channels, src, |v| table[v as usize])
}

fn from_u16(height: usize, width: usize, src_channels: usize, src: &[u16]) -> Image {
    build(height, width, src_channels, src, |v| {
        f64::from(v) * (1.0 / 65535.0)
    })
}

fn from_f32(height: usize, width: usize, src_channels: usize, src: &[f32]) -> Image {
    build(height, width, src_channels, src, f64::from)
}

/// RGB → the R channel only (for grey-palette BMPs, where R = G = B = the index).
fn first_channel(img: Image) -> Image {
    if img.channels == 1 {
        return img;
    }
    let data = img.data.chunks_exact(img.channels).map(|p| p[0]).collect();
    Image {
        channels: 1,
        data,
        ..img
    }
}

/// Grey → RGB with R = G = B.
fn gray_to_rgb(img: Image) -> Image {
    if img.channels == 3 {
        return img;
    }
    let data = img.data.iter().flat_map(|&v| [v, v, v]).collect();
    Image {
        channels: 3,
        data,
        ..img
    }
}

/// scikit-image `rgb2gray` on one pixel: `0.2125 R + 0.7154 G + 0.0721 B`.
///
/// skimage computes `arr @ [0.2125, 0.7154, 0.0721]`, which numpy hands to OpenBLAS; its FMA
/// kernel evaluates `fma(b, 0.0721, fma(r, 0.2125, g * 0.7154))`, reproduced here bit for bit
/// (checked against numpy 2.4.6 / OpenBLAS 0.3.31 on 3 600 random pixels; the plain
/// `(r*0.2125 + g*0.7154) + b*0.0721` differs from it by 1 ulp on ~15 % of pixels). A numpy
/// linked to another BLAS may differ from this by 1 ulp.
pub fn rgb_to_gray(r: f64, g: f64, b: f64) -> f64 {
    b.mul_add(0.0721, r.mul_add(0.2125, g * 0.7154))
}

/// Applies the requested [`ColorMode`] to a decoded 1- or 3-channel image.
fn apply_color(img: Image, mode: ColorMode) -> Image {
    match (mode, img.channels) {
        (ColorMode::Gray, 3) => {
            let data = img
                .data
                .chunks_exact(3)
                .map(|p| rgb_to_gray(p[0], p[1], p[2]))
                .collect();
            Image {
                channels: 1,
                data,
                ..img
            }
        }
        (ColorMode::Rgb, 1) => gray_to_rgb(img),
        _ => img,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::encode::{encode, write_bmp_gray, write_bmp_rgb, Dtype, ImageFormat};

    fn hex(parts: &[&str]) -> Vec<u8> {
        let s: String = parts.concat();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn opts(color: ColorMode) -> DecodeOptions {
        DecodeOptions {
            color,
            ..DecodeOptions::default()
        }
    }

    fn keep(bytes: &[u8]) -> Result<Image, DecodeError> {
        decode_bytes(bytes, &DecodeOptions::default())
    }

    /// Back to the 0..=255 integers (exact for 8-bit sources).
    fn as_u8(img: &Image) -> Vec<u8> {
        img.data.iter().map(|v| (v * 255.0).round() as u8).collect()
    }

    #[test]
    fn u8_and_u16_scaling_is_multiply_by_reciprocal() {
        // img_as_float(np.arange(256, dtype=np.uint8)) differs from x/255 at 24 values, e.g. 3:
        // >>> img_as_float(np.array([3, 6, 7, 12, 255], np.uint8)).tolist()
        let t = u8_table();
        let expect = [
            0.011764705882352941,
            0.023529411764705882,
            0.027450980392156862,
            0.047058823529411764,
            1.0,
        ];
        for (i, e) in [3, 6, 7, 12, 255].iter().zip(expect) {
            assert_eq!(t[*i], e);
        }
        let differ = (0..256).filter(|&i| t[i] != i as f64 / 255.0).count();
        assert_eq!(differ, 24);
        // >>> img_as_float(np.array([0,1,2,7001,32768,65535], np.uint16)).tolist()
        let img = from_u16(1, 6, 1, &[0, 1, 2, 7001, 32768, 65535]);
        assert_eq!(
            img.data,
            [
                0.0,
                1.5259021896696422e-05,
                3.0518043793392844e-05,
                0.10682841229877164,
                0.5000076295109483,
                1.0
            ]
        );
    }

    #[test]
    fn rgb2gray_matches_skimage_bit_for_bit() {
        // >>> rgb2gray(img)[...] for these pixels inside a 60×60 uint8 image (numpy 2.4.6,
        // OpenBLAS 0.3.31 Haswell kernel); the plain `(r*a + g*b) + b*c` sum misses the last
        // five by 1 ulp. (A 1-pixel image takes numpy's non-BLAS path and gives the plain sum.)
        let cases: [([u8; 3], f64); 8] = [
            ([255, 128, 0], 0.5716027450980392),
            ([10, 200, 30], 0.577913725490196),
            ([1, 2, 3], 0.007292549019607844),
            ([124, 29, 251], 0.25566156862745093),
            ([29, 108, 159], 0.37211607843137257),
            ([109, 10, 183], 0.17063058823529412),
            ([130, 251, 192], 0.8667984313725489),
            ([163, 216, 206], 0.8000647058823529),
        ];
        let t = u8_table();
        for ([r, g, b], want) in cases {
            let got = rgb_to_gray(t[r as usize], t[g as usize], t[b as usize]);
            assert_eq!(got, want, "{r},{g},{b}");
        }
    }

    #[test]
    fn color_modes() {
        let rgb = encode(
            &Image::from_vec(1, 2, 3, vec![1.0, 128.0 / 255.0, 0.0, 0.0, 0.0, 1.0]).unwrap(),
            ImageFormat::Png,
            Dtype::U8,
        )
        .unwrap();
        let img = keep(&rgb).unwrap();
        assert_eq!((img.height, img.width, img.channels), (1, 2, 3));
        let g = decode_bytes(&rgb, &opts(ColorMode::Gray)).unwrap();
        assert_eq!(g.channels, 1);
        assert_eq!(g.data, [0.5716027450980392, 0.0721]);
        let gray = write_bmp_gray(2, 1, &[0, 255]);
        let img = decode_bytes(&gray, &opts(ColorMode::Rgb)).unwrap();
        assert_eq!(img.channels, 3);
        assert_eq!(img.data, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        assert_eq!(
            decode_bytes(&gray, &opts(ColorMode::Gray)).unwrap().data,
            [0.0, 1.0]
        );
    }

    #[test]
    fn bmp_gray_palette_loads_as_one_channel() {
        let px: Vec<u8> = (0..7 * 5).map(|i| (i * 7) as u8).collect();
        let img = keep(&write_bmp_gray(7, 5, &px)).unwrap();
        assert_eq!((img.height, img.width, img.channels), (5, 7, 1));
        assert_eq!(as_u8(&img), px);
        let rgb: Vec<u8> = (0..3 * 4 * 3).map(|i| (i * 11) as u8).collect();
        let img = keep(&write_bmp_rgb(4, 3, &rgb)).unwrap();
        assert_eq!((img.height, img.width, img.channels), (3, 4, 3));
        assert_eq!(as_u8(&img), rgb);
        // A non-grey palette expands to RGB (Pillow mode "P" -> imageio RGB).
        let mut bmp = write_bmp_gray(2, 1, &[0, 1]);
        bmp[54 + 4..54 + 7].copy_from_slice(&[10, 20, 30]); // palette[1] = B,G,R
        let img = keep(&bmp).unwrap();
        assert_eq!(img.channels, 3);
        assert_eq!(as_u8(&img), [0, 0, 0, 30, 20, 10]);
    }

    #[test]
    fn png_16_bit_colour_keeps_high_byte_like_pillow() {
        // >>> a = np.array([[[0,7001,0x80FF],[65535,256,255]],
        // ...               [[1000,2000,3000],[40000,50000,60000]]], '>u2')  (RGB, 16-bit)
        // >>> skimage.io.imread('rgb16.png').ravel().tolist()
        let rgb16 = hex(&[
        "89504e470d0a1a0a0000000d4948445200000002000000021002000000ad4446300000002349444154789c63",
        "6060908e6cf8ffff3f2303c37f06e617ec17b877cc71381cf02a01007da10ab0a1ff6a180000000049454e44",
        "ae426082",
        ]);
        let img = keep(&rgb16).unwrap();
        assert_eq!((img.height, img.width, img.channels), (2, 2, 3));
        assert_eq!(
            as_u8(&img),
            [0, 27, 128, 255, 1, 0, 3, 7, 11, 156, 195, 234]
        );
        // Grey+alpha 16-bit [[0x1234, a], [0xABCD, a]] -> Pillow RGBA8 [18,18,18,255, 171,...]
        let la16 = hex(&[
        "89504e470d0a1a0a0000000d49484452000000020000000110040000000ebb6b420000001149444154789c63",
        "1032f9ff7ff559060600120d03bd37d5a59e0000000049454e44ae426082",
        ]);
        let img = keep(&la16).unwrap();
        assert_eq!((img.height, img.width, img.channels), (1, 2, 3));
        assert_eq!(as_u8(&img), [18, 18, 18, 171, 171, 171]);

        // Each reading is noted, for the run's one-time warning.
        let with_notes = |b: &[u8]| decode_bytes_with_notes(b, &DecodeOptions::default()).unwrap();
        let (img, notes) = with_notes(&rgb16);
        assert_eq!(img, keep(&rgb16).unwrap());
        assert_eq!(
            notes,
            Notes {
                png16_colour_as_8bit: true,
                ..Notes::default()
            }
        );
        assert_eq!(
            notes.warnings().collect::<Vec<_>>(),
            [
                "16-bit colour PNGs are read as 8-bit (the high byte of each sample), as Pillow \
              and so skimage.io.imread read them"
            ]
        );
        let (_, la_notes) = with_notes(&la16);
        assert!(la_notes.png16_gray_alpha_as_8bit_rgb && !la_notes.png16_colour_as_8bit);
        assert_eq!(
            la_notes.warnings().collect::<Vec<_>>(),
            ["16-bit gray+alpha PNGs are read as 8-bit RGB (the high byte of the gray sample in \
              each of R, G and B), as Pillow and so skimage.io.imread read them"]
        );
        let mut all = Notes::default();
        assert!(all.is_empty() && all.warnings().next().is_none());
        all |= notes;
        all |= la_notes;
        assert_eq!(all, notes | la_notes);
        assert_eq!(all.warnings().count(), 2);
        // Files read as their header says carry no note: 8-bit colour, 16-bit gray PNG, TIFF.
        let rgb = Image::from_vec(1, 2, 3, vec![0.0, 0.25, 0.5, 0.75, 1.0, 0.0]).unwrap();
        let gray = Image::from_vec(1, 2, 1, vec![0.0, 0.5]).unwrap();
        for (img, f, d) in [
            (&rgb, ImageFormat::Png, Dtype::U8),
            (&gray, ImageFormat::Png, Dtype::U16),
            (&rgb, ImageFormat::Tiff, Dtype::U16),
        ] {
            let (_, n) = with_notes(&encode(img, f, d).unwrap());
            assert!(n.is_empty(), "{f:?} {d:?}");
        }
    }

    /// Colour types the `tiff` crate's encoder lacks: signed gray+alpha, RGB and RGBA, and
    /// 16-bit float gray (written as its bit pattern).
    macro_rules! tiff_colour_type {
        ($name:ident, $inner:ty, $photometric:ident, $bits:expr, $format:ident) => {
            struct $name;
            impl tiff::encoder::colortype::ColorType for $name {
                type Inner = $inner;
                const TIFF_VALUE: tiff::tags::PhotometricInterpretation =
                    tiff::tags::PhotometricInterpretation::$photometric;
                const BITS_PER_SAMPLE: &'static [u16] = $bits;
                const SAMPLE_FORMAT: &'static [tiff::tags::SampleFormat] =
                    &[tiff::tags::SampleFormat::$format; $bits.len()];
                fn horizontal_predict(row: &[$inner], result: &mut Vec<$inner>) {
                    result.extend_from_slice(row);
                }
            }
        };
    }
    tiff_colour_type!(GrayAI16, i16, BlackIsZero, &[16, 16], Int);
    tiff_colour_type!(RgbI16, i16, RGB, &[16, 16, 16], Int);
    tiff_colour_type!(RgbaI16, i16, RGB, &[16, 16, 16, 16], Int);
    tiff_colour_type!(GrayF16, u16, BlackIsZero, &[16], IEEEFP);

    /// A TIFF with an ExtraSamples tag (2: unassociated alpha) for gray+alpha.
    fn tiff_gray_alpha_i16(w: u32, h: u32, data: &[i16]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
        let mut img = enc.new_image::<GrayAI16>(w, h).unwrap();
        img.encoder()
            .write_tag(tiff::tags::Tag::ExtraSamples, 2u16)
            .unwrap();
        img.write_data(data).unwrap();
        out.into_inner()
    }

    #[test]
    fn signed_tiff_samples_like_img_as_float() {
        use tiff::encoder::colortype as ct;
        // img_as_float(int16): max(x * (1/32767), -1) in float64 (skimage/util/dtype.py, _convert).
        let i16_formula = |x: i16| (f64::from(x) * (1.0 / 32767.0)).max(-1.0);
        let px: [i16; 6] = [-32768, -32767, -12345, 0, 7001, 32767];
        let img = keep(&tiff_of::<ct::GrayI16>(3, 2, &px)).unwrap();
        assert_eq!((img.height, img.width, img.channels), (2, 3, 1));
        assert_eq!(img.data, px.map(i16_formula));
        // >>> img_as_float(skimage.io.imread(f)).ravel().tolist()  (tifffile int16, 1×6)
        assert_eq!(
            img.data,
            [
                -1.0,
                -1.0,
                -0.37675099948118534,
                0.0,
                0.21366008484145635,
                1.0
            ]
        );
        // Gray+alpha drops alpha; RGB keeps 3 channels; RGBA drops alpha.
        let ga: Vec<i16> = px.iter().flat_map(|&x| [x, 123]).collect();
        let img = keep(&tiff_gray_alpha_i16(3, 2, &ga)).unwrap();
        assert_eq!(img.channels, 1);
        assert_eq!(img.data, px.map(i16_formula));
        let rgb: Vec<i16> = (0..18).map(|i| (i * 3641 - 32768) as i16).collect();
        let img = keep(&tiff_of::<RgbI16>(3, 2, &rgb)).unwrap();
        assert_eq!(img.channels, 3);
        assert_eq!(
            img.data,
            rgb.iter().map(|&x| i16_formula(x)).collect::<Vec<_>>()
        );
        let rgba: Vec<i16> = rgb.chunks(3).flat_map(|p| [p[0], p[1], p[2], -1]).collect();
        let img = keep(&tiff_of::<RgbaI16>(3, 2, &rgba)).unwrap();
        assert_eq!(img.channels, 3);
        assert_eq!(
            img.data,
            rgb.iter().map(|&x| i16_formula(x)).collect::<Vec<_>>()
        );

        // int8: max(x * (1/127), -1); int32: max(x * (1/2147483647), -1);
        // int64: max(float64(x) * (1/9223372036854775807), -1).
        let img = keep(&tiff_of::<ct::GrayI8>(4, 1, &[-128, -127, 63, 127])).unwrap();
        assert_eq!(img.data, [-1.0, -1.0, 0.49606299212598426, 1.0]);
        let i32s = [i32::MIN, -123_456_789, 1_000_003, i32::MAX];
        let img = keep(&tiff_of::<ct::GrayI32>(4, 1, &i32s)).unwrap();
        assert_eq!(
            img.data,
            [-1.0, -0.05748904731939037, 0.00046566268450844227, 1.0]
        );
        let i64s = [i64::MIN, -1, (1 << 53) + 1, i64::MAX];
        let img = keep(&tiff_of::<ct::GrayI64>(4, 1, &i64s)).unwrap();
        assert_eq!(img.data, [-1.0, -1.0842021724855044e-19, 0.0009765625, 1.0]);
    }

    #[test]
    fn wide_and_float_tiff_samples_like_img_as_float() {
        use tiff::encoder::colortype as ct;
        // img_as_float(uint32) = x * (1/4294967295); uint64 likewise with 1/18446744073709551615.
        let u32s = [0, 1, 123_456_789, 1 << 31, u32::MAX];
        let img = keep(&tiff_of::<ct::Gray32>(5, 1, &u32s)).unwrap();
        assert_eq!(
            img.data,
            [
                0.0,
                2.3283064370807974e-10,
                0.028744523653002577,
                0.5000000001164153,
                1.0
            ]
        );
        let u64s = [0, 1, (1 << 53) + 1, 1 << 63, u64::MAX];
        let img = keep(&tiff_of::<ct::Gray64>(5, 1, &u64s)).unwrap();
        assert_eq!(
            img.data,
            [0.0, 5.421010862427522e-20, 0.00048828125, 0.5, 1.0]
        );
        let rgb32: Vec<u32> = (0..6).map(|i| i * 700_000_000).collect();
        let img = keep(&tiff_of::<ct::RGB32>(2, 1, &rgb32)).unwrap();
        assert_eq!(
            img.data,
            rgb32
                .iter()
                .map(|&x| f64::from(x) * (1.0 / 4294967295.0))
                .collect::<Vec<_>>()
        );
        // Floats are kept as they are (img_as_float returns float64 and float16 unchanged).
        let f64s = [-3.5, 0.1, 1e300, std::f64::consts::PI];
        let img = keep(&tiff_of::<ct::Gray64Float>(4, 1, &f64s)).unwrap();
        assert_eq!(img.data, f64s);
        let rgba = [0.25, -2.0, 7.5, 0.0, 1.0, 0.5, 0.125, 1.0];
        let img = keep(&tiff_of::<ct::RGBA64Float>(2, 1, &rgba)).unwrap();
        assert_eq!(img.data, [0.25, -2.0, 7.5, 1.0, 0.5, 0.125]);
        // float16 -3.5, 0.0999755859375, 1.0, 65504 as bit patterns.
        let f16s = [0xC300, 0x2E66, 0x3C00, 0x7BFF];
        let img = keep(&tiff_of::<GrayF16>(4, 1, &f16s)).unwrap();
        assert_eq!(img.data, [-3.5, 0.0999755859375, 1.0, 65504.0]);
    }

    tiff_colour_type!(WhiteU16, u16, WhiteIsZero, &[16], Uint);
    tiff_colour_type!(WhiteI16, i16, WhiteIsZero, &[16], Int);
    tiff_colour_type!(WhiteF32, f32, WhiteIsZero, &[32], IEEEFP);

    /// A big-endian classic TIFF of 8-bit gray, one strip, built by hand.
    fn tiff_be_gray8(w: u16, h: u16, photometric: u16, px: &[u8]) -> Vec<u8> {
        let entries: [(u16, u16, u32); 8] = [
            (256, 3, u32::from(w)),
            (257, 3, u32::from(h)),
            (258, 3, 8),
            (259, 3, 1),
            (262, 3, u32::from(photometric)),
            (273, 4, 8 + 2 + 8 * 12 + 4), // the strip follows the IFD
            (278, 3, u32::from(h)),
            (279, 4, px.len() as u32),
        ];
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        t.extend_from_slice(&(entries.len() as u16).to_be_bytes());
        for (tag, ty, value) in entries {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&ty.to_be_bytes());
            t.extend_from_slice(&1u32.to_be_bytes());
            if ty == 3 {
                t.extend_from_slice(&(value as u16).to_be_bytes());
                t.extend_from_slice(&[0, 0]);
            } else {
                t.extend_from_slice(&value.to_be_bytes());
            }
        }
        t.extend_from_slice(&[0; 4]); // no next IFD
        t.extend_from_slice(px);
        t
    }

    #[test]
    fn white_is_zero_tiff_keeps_the_stored_samples_like_tifffile() {
        // >>> tifffile.imwrite(f, a, photometric='miniswhite'); skimage.io.imread(f) == a
        // (tifffile does not invert; the tiff crate would.)
        let px = [0u8, 10, 200, 255];
        let want: Vec<f64> = px.iter().map(|&x| f64::from(x) * (1.0 / 255.0)).collect();
        assert_eq!(keep(&tiff_be_gray8(4, 1, 0, &px)).unwrap().data, want);
        assert_eq!(keep(&tiff_be_gray8(4, 1, 1, &px)).unwrap().data, want);
        let u16s = [0u16, 1, 5000, 65535];
        let want: Vec<f64> = u16s
            .iter()
            .map(|&x| f64::from(x) * (1.0 / 65535.0))
            .collect();
        let classic = tiff_of::<WhiteU16>(2, 2, &u16s);
        assert_eq!(keep(&classic).unwrap().data, want);
        let mut big = Cursor::new(Vec::new());
        tiff::encoder::TiffEncoder::new_big(&mut big)
            .unwrap()
            .write_image::<WhiteU16>(2, 2, &u16s)
            .unwrap();
        let big = big.into_inner();
        assert_eq!(&big[..4], b"II\x2b\0");
        assert_eq!(keep(&big).unwrap().data, want);
        // Signed and float samples too (the crate refuses to invert the first, and its `1 - x`
        // of the second is not the stored value).
        let img = keep(&tiff_of::<WhiteI16>(2, 1, &[-32768, 7001])).unwrap();
        assert_eq!(img.data, [-1.0, 0.21366008484145635]);
        let img = keep(&tiff_of::<WhiteF32>(2, 1, &[0.1, -3.0])).unwrap();
        assert_eq!(img.data, [f64::from(0.1f32), -3.0]);
        // Only the copy is changed, and only for white-is-zero.
        assert!(white_is_zero_as_black_is_zero(&tiff_be_gray8(4, 1, 1, &px)).is_none());
        assert!(white_is_zero_as_black_is_zero(b"II*\0\xff\xff\xff\xff").is_none());
    }

    #[test]
    fn unsupported_tiff_samples_are_named() {
        use tiff::encoder::colortype as ct;
        let i16tif = tiff_of::<ct::GrayI16>(2, 1, &[-1, 2]);
        let gray8 = tiff_of::<ct::Gray8>(2, 1, &[1, 2]);
        for (tif, want) in [
            (
                patch_short(i16tif.clone(), 258, 12),
                "unsupported tiff: signed 12-bit integer samples",
            ),
            (
                patch_short(gray8.clone(), 258, 12),
                "unsupported tiff: unsigned 12-bit integer samples",
            ),
            (
                patch_short(gray8.clone(), 258, 1),
                "unsupported tiff: 1-bit samples",
            ),
            (
                patch_short(gray8.clone(), 339, 3),
                "unsupported tiff: 8-bit floating-point samples",
            ),
            (
                patch_short(gray8.clone(), 339, 4),
                "unsupported tiff: 8-bit samples of format untyped (void)",
            ),
            (
                patch_short(gray8.clone(), 262, 3),
                "unsupported tiff: 8-bit palette (colour-mapped) images with 1 sample per pixel",
            ),
            (
                tiff_of::<ct::CMYK16>(1, 1, &[1; 4]),
                "unsupported tiff: 16-bit CMYK images",
            ),
            (
                tiff_of::<ct::YCbCr8>(1, 1, &[1; 3]),
                "unsupported tiff: 8-bit YCbCr images",
            ),
            (
                patch_short(gray8.clone(), 277, 3),
                "unsupported tiff: 8-bit gray images with 3 samples per pixel",
            ),
            (
                patch_short(gray8.clone(), 259, 99),
                "unsupported tiff: compression method 99",
            ),
            (
                patch_short(gray8.clone(), 259, 3),
                "unsupported tiff: CCITT group 3 fax compression",
            ),
            (
                retag(gray8.clone(), 256, 65000),
                "truncated or corrupt tiff: the required ImageWidth tag (256) is missing",
            ),
            (
                retag(gray8, 273, 65000),
                "truncated or corrupt tiff: the strip or tile tags are missing or mixed",
            ),
        ] {
            assert_eq!(keep(&tif).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn png_and_tiff_round_trips() {
        let data: Vec<f64> = (0..4 * 3 * 3).map(|i| i as f64 / 40.0).collect();
        for ch in [1, 3] {
            let img = Image::from_vec(4, 3 * 3 / ch, ch, data.clone()).unwrap();
            for (f, d) in [
                (ImageFormat::Png, Dtype::U8),
                (ImageFormat::Png, Dtype::U16),
                (ImageFormat::Tiff, Dtype::U8),
                (ImageFormat::Tiff, Dtype::U16),
            ] {
                let back = keep(&encode(&img, f, d).unwrap()).unwrap();
                assert_eq!((back.height, back.width, back.channels), (4, img.width, ch));
                // 16-bit colour PNGs load as their high byte (like Pillow): compare at 8 bits.
                let eight = d == Dtype::U8 || (f == ImageFormat::Png && ch == 3);
                let (scale, tol) = if eight { (255.0, 1.0) } else { (65535.0, 0.5) };
                for (a, b) in img.data.iter().zip(&back.data) {
                    assert!(((a - b) * scale).abs() <= tol, "{f:?} {d:?} {a} {b}");
                }
            }
            // f32 TIFF comes back as the f32 value, unscaled (also out of [0, 1]).
            let mut wide = img.clone();
            wide.data[0] = -3.5;
            wide.data[1] = 0.1;
            let back = keep(&encode(&wide, ImageFormat::Tiff, Dtype::F32).unwrap()).unwrap();
            let want: Vec<f64> = wide.data.iter().map(|&v| v as f32 as f64).collect();
            assert_eq!(back.data, want);
            assert_eq!(back.data[1], 0.10000000149011612);
        }
    }

    #[test]
    fn jpeg_matches_pillow() {
        // >>> y, x = np.mgrid[:16, :16]; g = ((x*13 + y*7) % 256).astype(np.uint8)
        // >>> rgb = np.stack([g, 255 - g, (x*y) % 256], -1).astype(np.uint8)
        // >>> PIL.Image.fromarray(arr).save(f, format='JPEG', quality=90)
        // >>> sha256(skimage.io.imread(f).tobytes())
        let gray = hex(&[
        "ffd8ffe000104a46494600010100000100010000ffdb00430003020203020203030303040303040508050504",
        "04050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f1718161418121415",
        "14ffc0000b080010001001011100ffc4001f0000010501010101010100000000000000000102030405060708",
        "090a0bffc400b5100002010303020403050504040000017d0102030004110512213141061351610722711432",
        "8191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a43444546474849",
        "4a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3",
        "a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9ea",
        "f1f2f3f4f5f6f7f8f9faffda0008010100003f00f993e047c3ff00f8f7fddfa76afd16f811f0ff00fe3dff00",
        "77e9dabe7ff811f0ff00fe3dff0077e9dabdabf6adf8b1ff000ce3fb385e7f655d7d93c69e28ce8da2f932ec",
        "9e0debfe9176bb644917ca889db226ed93496f9186afffd9",
        ]);
        let rgb = hex(&[
        "ffd8ffe000104a46494600010100000100010000ffdb00430003020203020203030303040303040508050504",
        "04050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f1718161418121415",
        "14ffdb00430103040405040509050509140d0b0d141414141414141414141414141414141414141414141414",
        "1414141414141414141414141414141414141414141414141414ffc000110800100010030122000211010311",
        "01ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303",
        "020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f024",
        "33627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63646566",
        "6768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7",
        "b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc400",
        "1f0100030101010101010101010000000000000102030405060708090a0bffc400b511000201020404030407",
        "05040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a",
        "162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a63646566676869",
        "6a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9",
        "bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c030100",
        "02110311003f00b1afdfeeddcd79bebf3eeddcd74bab5fefddcd37c03e1aff0084afc531f9d1efb0b4c4f3ee",
        "5cab60fca872083b8f507aa86afc8f84786238da4aace3a247bfe1fe5982e0fc96b67b98ab51c3c1cdf776da",
        "2bce4ed18f76d23fffd9",
        ]);
        // >>> skimage.io.imread(f).tobytes().hex()
        let gray_pillow = hex(&[
            "000d1a2634414e5b6875828f9da9b6c30714212d3b4855626f7c8996a4b0bdca0e1a2834424f5c697683909c",
            "aab7c4d114212e3b4955636f7d8997a3b1becbd81c293643515d6b7785919fabb9c6d3e023303d4a5864717e",
            "8b98a5b2c0ccdae62a3744505e6b7885929facb9c7d3e0ed313e4b5765727f8c99a6b3c0cedae7f43845525f",
            "6d798693a0adb8c7d3e2eefb3f4c596674808d9aa7b1c3d5d9e0fc024653606c7a8794a1acc1c5d0e6f1f609",
            "4d596773818e9ba8b3c1d5d9e8fa041055616f7b8996a3b0bfc5d2e3f1ff03175b687582909caab6c0d1deed",
            "f6031021626f7c8997a3b0bdc9d8e4f0fe071c21697683909eaab7c4cfe3e7f805171a2e",
        ]);
        let rgb_pillow = hex(&[
            "0afa0012f10026de0233d0073ac60d47b90c58aa0764a004699500748c02827c04916e08a05f0bae510bbb44",
            "0ac03d070df70014ee0025dd0332ce083dc30e4ab50d5aa709669c066c91037a8704877708956a0ca15c0fae",
            "4f0fbd410ec33a0c15ef0019e70023da0631cb0b45bb1153ad105da10c6a960b758a09837d0b926e109f6114",
            "a65619b24919c03b18c834161ee60020e00125d50834c50e4ab4125ba615659b127090117e82118c75159b66",
            "1aa65a20af4f25ba4227ca3425cf2d2229dd022ad6042dcd0b3ac01350ae18609f1a6c92187a8819857b1a94",
            "6f21a16028ac522db94633c73935d62b34dc233134d30433ce0636c40e42b81455a81c669a1e748c1e808020",
            "8d74249a682ba55a33b34c3bc13f41ce3142df2443e41c403acb043dc60744ba0e4eae165ba11d6994217785",
            "23857b26906e2e9c6135ab533fb74447c6384ed32b4fe21e4ee7174b40c60545be074eb30f58a718639b206f",
            "8e2679822787762e946936a45a3fb34b4ac03c51cd3158d4285ad62158d51c5545bf044ab80755ac0f619f18",
            "6c92217687277b7e2d8773349e6641a94f44be4153cd355cd72b63cc245fc4356aab29594bba044fb2075aa6",
            "1066991a758c247e802c8178338d6b3b9a533db84d53cb3e61d22962e0256ccd2e708b365fcb9db751b30454",
            "ad075ca11068941b7b84278978328d6e389a6143af5652bf485ece3669d6226be91f75c1307560576c78b5b0",
            "56ab055aa608619b136e8e1f837e2c9070379a6440a7574cb54b59c03961ce2d70d82577de217da4357779b3",
            "b748d4ba5ea308609e0b69931776862389763199683fa8594ab54d56be4264ca3972d22a78d12780bc287e87",
            "508758cac21de1bb639d0a67970f708b1a7f7d26926f37a16145b05252bb475ec53b6cca2d74db2683ca2a8a",
            "953b8597a3c93fd1c413eac165980b6c91107a821b8a74299a673aa65a4aaf4e57ba4363c73671d12579e71f",
            "8ab72587695a916cc3d433d4c520e3c566950b6e8c107e7e1e8e6f2c9e623da9574bae4c59b94165c93275db",
            "2883e7168bbd319491a8d44cc9cf34dacc22dcc4",
        ]);
        let mut summary = Vec::new();
        for (bytes, ch, pillow) in [(gray, 1, gray_pillow), (rgb, 3, rgb_pillow)] {
            let img = keep(&bytes).unwrap();
            assert_eq!((img.height, img.width, img.channels), (16, 16, ch));
            let got = as_u8(&img);
            let diffs: Vec<i32> = got
                .iter()
                .zip(&pillow)
                .map(|(&a, &b)| i32::from(a) - i32::from(b))
                .collect();
            let max = diffs.iter().map(|d| d.abs()).max().unwrap();
            let n = diffs.iter().filter(|&&d| d != 0).count();
            summary.push((ch, max, n));
        }
        // zune-jpeg (used by the image crate) is not bit-exact with libjpeg-turbo (Pillow):
        // measured here, grey is off by at most 1 on 6 of 256 samples, 4:2:0 colour by at most
        // 2 on 190 of 768 (chroma upsampling). Exact JPEG parity would need libjpeg-turbo.
        assert_eq!(summary, [(1, 1, 6), (3, 2, 190)]);
    }

    #[test]
    fn header_too_large_fails_fast() {
        // A PNG header claiming 100000×100000, then nothing.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 0, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend_from_slice(&crc.to_be_bytes());
        // An empty IDAT: the decoder reads the header up to here.
        png.extend_from_slice(b"\0\0\0\0IDAT");
        png.extend_from_slice(&crc32(b"IDAT").to_be_bytes());
        let e = keep(&png).unwrap_err();
        assert_eq!(
            e.to_string(),
            "image is 100000×100000 = 1e10 pixels, over max_pixels 268435456"
        );
        // The same through BMP and TIFF headers.
        let mut bmp = write_bmp_gray(1, 1, &[0]);
        bmp[18..22].copy_from_slice(&100_000i32.to_le_bytes());
        bmp[22..26].copy_from_slice(&100_000i32.to_le_bytes());
        // The image crate's BMP decoder refuses sides over 65535 itself.
        let e = keep(&bmp).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::TooLarge { .. } | DecodeError::Corrupt { .. }
            ),
            "{e}"
        );
        let small = DecodeOptions {
            max_pixels: 11,
            ..DecodeOptions::default()
        };
        let img = Image::zeros(3, 4, 1);
        let tif = encode(&img, ImageFormat::Tiff, Dtype::U8).unwrap();
        assert_eq!(
            decode_bytes(&tif, &small).unwrap_err().to_string(),
            "image is 4×3 = 1.2e1 pixels, over max_pixels 11"
        );
    }

    /// The PNG chunk CRC (for hand-made headers).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            keep(b"").unwrap_err().to_string(),
            "not a supported image (png, jpeg, bmp, tiff, gif)"
        );
        assert_eq!(
            keep(b"hello, this is text").unwrap_err().to_string(),
            "not a supported image (png, jpeg, bmp, tiff, gif)"
        );
        let png = encode(&Image::zeros(8, 8, 1), ImageFormat::Png, Dtype::U8).unwrap();
        let e = keep(&png[..png.len() - 20]).unwrap_err();
        assert!(
            e.to_string().starts_with("truncated or corrupt png: "),
            "{e}"
        );
        let e =
            decode_file(Path::new("/nonexistent/x.png"), &DecodeOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read: No such file or directory (os error 2)"
        );
        // BMP with zero rows.
        let mut bmp = write_bmp_gray(1, 1, &[0]);
        bmp[22..26].copy_from_slice(&0i32.to_le_bytes());
        let e = keep(&bmp).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::ZeroRows
                    | DecodeError::Corrupt { .. }
                    | DecodeError::Unsupported { .. }
            ),
            "{e}"
        );
        // A TIFF with zero rows: the tiff crate refuses it.
        let mut tif = encode(&Image::zeros(1, 1, 1), ImageFormat::Tiff, Dtype::U8).unwrap();
        let pos = find_tag(&tif, 257).unwrap(); // ImageLength
        tif[pos + 8..pos + 12].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            keep(&tif).unwrap_err().to_string(),
            "truncated or corrupt tiff: invalid dimensions: width 1, height 0"
        );
    }

    /// Byte offset of the IFD entry with `tag` in a little-endian classic TIFF.
    fn find_tag(tif: &[u8], tag: u16) -> Option<usize> {
        let ifd = u32::from_le_bytes(tif[4..8].try_into().ok()?) as usize;
        let n = u16::from_le_bytes(tif[ifd..ifd + 2].try_into().ok()?) as usize;
        (0..n)
            .map(|i| ifd + 2 + 12 * i)
            .find(|&p| u16::from_le_bytes([tif[p], tif[p + 1]]) == tag)
    }

    /// A PNG chunk: length, type, data, CRC.
    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32(&c[4..]).to_be_bytes());
        c
    }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    fn zlib_stored(data: &[u8]) -> Vec<u8> {
        let mut z = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(65535).collect()
        };
        for (i, b) in blocks.iter().enumerate() {
            z.push(u8::from(i + 1 == blocks.len()));
            z.extend_from_slice(&(b.len() as u16).to_le_bytes());
            z.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
            z.extend_from_slice(b);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        z.extend_from_slice(&((b << 16) | a).to_be_bytes());
        z
    }

    /// A PNG from its IHDR fields, the chunks that go before IDAT, and the filtered rows.
    fn png_raw(w: u32, h: u32, depth: u8, colour: u8, before: &[Vec<u8>], rows: &[u8]) -> Vec<u8> {
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &ihdr));
        for c in before {
            png.extend_from_slice(c);
        }
        png.extend(png_chunk(b"IDAT", &zlib_stored(rows)));
        png.extend(png_chunk(b"IEND", &[]));
        png
    }

    /// A one-page TIFF of colour type `C` written by the `tiff` crate.
    fn tiff_of<C: tiff::encoder::colortype::ColorType>(w: u32, h: u32, data: &[C::Inner]) -> Vec<u8>
    where
        [C::Inner]: tiff::encoder::TiffValue,
    {
        let mut out = Cursor::new(Vec::new());
        let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
        enc.write_image::<C>(w, h, data).unwrap();
        out.into_inner()
    }

    /// Sets the value of a one-SHORT IFD entry (little-endian classic TIFF).
    fn patch_short(mut tif: Vec<u8>, tag: u16, value: u16) -> Vec<u8> {
        let pos = find_tag(&tif, tag).unwrap();
        tif[pos + 8..pos + 10].copy_from_slice(&value.to_le_bytes());
        tif
    }

    /// Renames an IFD entry (hides a tag from the decoder).
    fn retag(mut tif: Vec<u8>, tag: u16, new_tag: u16) -> Vec<u8> {
        let pos = find_tag(&tif, tag).unwrap();
        tif[pos..pos + 2].copy_from_slice(&new_tag.to_le_bytes());
        tif
    }

    /// Odd and broken inputs in every format, for the error-message sweep.
    fn sweep_inputs() -> Vec<(String, Vec<u8>)> {
        use tiff::encoder::colortype as ct;
        let mut v: Vec<(String, Vec<u8>)> = Vec::new();
        let truncations = |v: &mut Vec<(String, Vec<u8>)>, name: &str, b: &[u8]| {
            for cut in 0..b.len() {
                v.push((format!("{name} cut at {cut}"), b[..cut].to_vec()));
            }
        };
        let ramp = Image::from_vec(6, 8, 3, (0..144).map(|i| i as f64 / 143.0).collect()).unwrap();
        let gray_ramp =
            Image::from_vec(6, 8, 1, (0..48).map(|i| i as f64 / 47.0).collect()).unwrap();

        // PNG: truncated everywhere, bad CRCs, bad IHDR fields, chunks out of order.
        let png = encode(&gray_ramp, ImageFormat::Png, Dtype::U8).unwrap();
        let png16 = encode(&ramp, ImageFormat::Png, Dtype::U16).unwrap();
        truncations(&mut v, "png", &png);
        truncations(&mut v, "png16", &png16);
        let mut bad = png.clone();
        bad[29] ^= 1; // the IHDR CRC
        v.push(("png IHDR crc".into(), bad));
        let idat = png.windows(4).position(|w| w == b"IDAT").unwrap();
        let mut bad = png.clone();
        bad[idat + 6] ^= 0x55; // inside the IDAT data: its CRC fails
        v.push(("png IDAT crc".into(), bad));
        let row = |n: usize| {
            let mut r = vec![0u8];
            r.extend(std::iter::repeat_n(0x5A, n));
            r
        };
        for (depth, colour) in [(1, 2), (3, 0), (16, 3), (8, 7), (8, 1), (4, 4), (32, 0)] {
            let label = format!("png IHDR depth {depth} colour {colour}");
            v.push((label, png_raw(2, 1, depth, colour, &[], &row(16))));
        }
        for (field, value) in [(10, 1), (11, 1), (12, 2)] {
            // compression, filter and interlace methods
            let mut p = png_raw(2, 1, 8, 0, &[], &row(2));
            p[16 + field] = value;
            let crc = crc32(&p[12..29]);
            p[29..33].copy_from_slice(&crc.to_be_bytes());
            v.push((format!("png IHDR byte {field} = {value}"), p));
        }
        let mut p = png_raw(2, 1, 8, 0, &[], &row(2));
        p[11] = 12; // IHDR length 12
        v.push(("png IHDR length".into(), p));
        let plte = png_chunk(b"PLTE", &[0, 0, 0, 255, 255, 255]);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("palette without PLTE", png_raw(2, 1, 8, 3, &[], &row(2))),
            (
                "tRNS for gray+alpha",
                png_raw(2, 1, 8, 4, &[png_chunk(b"tRNS", &[0, 1])], &row(4)),
            ),
            (
                "duplicate IHDR",
                png_raw(2, 1, 8, 0, &[png_chunk(b"IHDR", &[0; 13])], &row(2)),
            ),
            (
                "unknown critical chunk",
                png_raw(2, 1, 8, 0, &[png_chunk(b"ABCD", &[1, 2])], &row(2)),
            ),
            (
                "unprintable chunk name",
                png_raw(2, 1, 8, 0, &[png_chunk(b"\0\x01AB", &[1, 2])], &row(2)),
            ),
            (
                "sBIT of the wrong size",
                png_raw(2, 1, 8, 2, &[png_chunk(b"sBIT", &[8])], &row(6)),
            ),
            (
                "sBIT of zero",
                png_raw(2, 1, 8, 0, &[png_chunk(b"sBIT", &[0])], &row(2)),
            ),
            (
                "sBIT over the depth",
                png_raw(2, 1, 4, 0, &[png_chunk(b"sBIT", &[9])], &row(1)),
            ),
            (
                "gAMA of 3 bytes",
                png_raw(2, 1, 8, 0, &[png_chunk(b"gAMA", &[0, 0, 1])], &row(2)),
            ),
            (
                "PLTE for gray",
                png_raw(2, 1, 8, 0, std::slice::from_ref(&plte), &row(2)),
            ),
            (
                "PLTE of 2 bytes",
                png_raw(2, 1, 8, 3, &[png_chunk(b"PLTE", &[0, 0])], &row(2)),
            ),
            (
                "tRNS before PLTE",
                png_raw(
                    2,
                    1,
                    8,
                    3,
                    &[png_chunk(b"tRNS", &[0]), plte.clone()],
                    &row(2),
                ),
            ),
            ("rows too short", png_raw(4, 3, 8, 0, &[], &row(4))),
            ("bad filter type", png_raw(2, 1, 8, 0, &[], &[9, 1, 2])),
            ("zero columns", png_raw(0, 1, 8, 0, &[], &row(0))),
        ];
        for (label, bytes) in cases {
            v.push((format!("png {label}"), bytes));
        }
        let mut p = png_raw(2, 1, 8, 0, &[], &row(2));
        let idat = p.windows(4).position(|w| w == b"IDAT").unwrap();
        p[idat + 4] = 0x77; // a bad zlib header
        let crc = crc32(&p[idat..p.len() - 16]);
        let end = p.len() - 12;
        p[end - 4..end].copy_from_slice(&crc.to_be_bytes());
        v.push(("png bad zlib header".into(), p));
        let mut garbage = png_raw(2, 1, 8, 0, &[], &[]);
        let at = garbage.len() - 12;
        garbage.splice(
            at..,
            png_chunk(b"IDAT", &[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]),
        );
        garbage.extend(png_chunk(b"IEND", &[]));
        v.push(("png garbage deflate".into(), garbage));
        let mut split = png_raw(2, 1, 8, 0, &[], &row(2));
        let at = split.len() - 12;
        split.splice(
            at..at,
            [png_chunk(b"tEXt", b"a\0b"), png_chunk(b"IDAT", &[0])].concat(),
        );
        v.push(("png IDAT after tEXt after IDAT".into(), split));
        // 1/2/4-bit grey and palette PNGs (valid), and cut short.
        for depth in [1u8, 2, 4] {
            let pal: Vec<u8> = (0..(3u32 << depth)).map(|i| i as u8).collect();
            for (colour, before) in [(0u8, vec![]), (3, vec![png_chunk(b"PLTE", &pal)])] {
                let n = (5 * usize::from(depth)).div_ceil(8);
                let p = png_raw(5, 2, depth, colour, &before, &[row(n), row(n)].concat());
                assert!(keep(&p).is_ok(), "{depth}-bit colour {colour}");
                v.push((format!("png {depth}-bit colour {colour}"), p.clone()));
                truncations(&mut v, &format!("png {depth}-bit colour {colour}"), &p);
            }
        }

        // TIFF: truncated everywhere; palette, CMYK, YCbCr, planar, odd depths and formats,
        // compressions, missing tags.
        let px8: Vec<u8> = (0..48).map(|i| (i * 5) as u8).collect();
        let tif = tiff_of::<ct::Gray8>(8, 6, &px8);
        truncations(&mut v, "tiff", &tif);
        let tif16 = tiff_of::<ct::RGB16>(4, 2, &[7000u16; 24]);
        truncations(&mut v, "tiff rgb16", &tif16);
        v.push(("tiff cmyk".into(), tiff_of::<ct::CMYK8>(2, 2, &[9; 16])));
        v.push(("tiff cmyk16".into(), tiff_of::<ct::CMYK16>(2, 2, &[9; 16])));
        v.push(("tiff cmyka".into(), tiff_of::<ct::CMYKA8>(2, 2, &[9; 20])));
        v.push(("tiff ycbcr".into(), tiff_of::<ct::YCbCr8>(2, 2, &[9; 12])));
        v.push((
            "tiff gray f64".into(),
            tiff_of::<ct::Gray64Float>(2, 1, &[0.5, 2.0]),
        ));
        v.push((
            "tiff rgb f64".into(),
            tiff_of::<ct::RGB64Float>(1, 1, &[0.5, 2.0, 3.0]),
        ));
        v.push(("tiff gray u32".into(), tiff_of::<ct::Gray32>(2, 1, &[1, 2])));
        v.push(("tiff gray u64".into(), tiff_of::<ct::Gray64>(2, 1, &[1, 2])));
        v.push(("tiff gray i8".into(), tiff_of::<ct::GrayI8>(2, 1, &[-1, 2])));
        v.push((
            "tiff gray i16".into(),
            tiff_of::<ct::GrayI16>(2, 1, &[-1, 2]),
        ));
        v.push((
            "tiff gray i32".into(),
            tiff_of::<ct::GrayI32>(2, 1, &[-1, 2]),
        ));
        v.push((
            "tiff gray i64".into(),
            tiff_of::<ct::GrayI64>(2, 1, &[-1, 2]),
        ));
        let i16tif = tiff_of::<ct::GrayI16>(2, 1, &[-1, 2]);
        v.push((
            "tiff signed 12-bit".into(),
            patch_short(i16tif.clone(), 258, 12),
        ));
        v.push(("tiff white-is-zero i16".into(), patch_short(i16tif, 262, 0)));
        for (tag, value) in [
            (262, 3),     // palette
            (262, 4),     // transparency mask
            (262, 8),     // CIE L*a*b*
            (262, 10),    // ITU L*a*b*
            (262, 99),    // unknown photometric
            (258, 1),     // 1-bit
            (258, 2),     // 2-bit
            (258, 4),     // 4-bit
            (258, 7),     // 7-bit
            (258, 12),    // 12-bit
            (258, 0),     // 0-bit
            (258, 99),    // 99-bit
            (339, 2),     // signed 8-bit (valid)
            (339, 3),     // 8-bit float
            (339, 4),     // void
            (339, 9),     // unknown sample format
            (259, 2),     // CCITT RLE
            (259, 3),     // fax 3
            (259, 4),     // fax 4
            (259, 5),     // LZW over raw bytes
            (259, 6),     // old JPEG
            (259, 7),     // JPEG over raw bytes
            (259, 8),     // Deflate over raw bytes
            (259, 32773), // PackBits
            (259, 99),    // unknown compression
            (317, 2),     // horizontal predictor (valid)
            (317, 3),     // floating-point predictor on integers
            (317, 9),     // unknown predictor
            (277, 0),     // zero samples per pixel
            (277, 2),     // 2 samples, 1 bits-per-sample value
            (277, 3),     // 3 samples of gray
            (284, 2),     // planar
            (284, 7),     // unknown planar configuration
            (256, 0),     // zero columns
        ] {
            let label = format!("tiff tag {tag} = {value}");
            match find_tag(&tif, tag) {
                Some(_) => v.push((label, patch_short(tif.clone(), tag, value))),
                // Not written by the encoder: rename an unused tag into it.
                None => v.push((label, patch_short(retag(tif.clone(), 296, tag), tag, value))),
            }
        }
        for tag in [273, 279, 256, 258] {
            // StripOffsets, StripByteCounts, ImageWidth, BitsPerSample hidden
            v.push((
                format!("tiff without tag {tag}"),
                retag(tif.clone(), tag, 65000),
            ));
        }
        let mut t = tif.clone();
        t[4..8].copy_from_slice(&100_000u32.to_le_bytes());
        v.push(("tiff IFD past the end".into(), t));
        let mut t = tif.clone();
        t[4..8].copy_from_slice(&0u32.to_le_bytes());
        v.push(("tiff IFD at 0".into(), t));
        let mut t = tif.clone();
        t[2] = 43; // BigTIFF magic over a classic header
        v.push(("tiff bigtiff header".into(), t));
        let mut t = tif.clone();
        let pos = find_tag(&t, 258).unwrap();
        t[pos + 2..pos + 4].copy_from_slice(&2u16.to_le_bytes()); // BitsPerSample as ASCII
        v.push(("tiff BitsPerSample as text".into(), t));
        let mut t = tif.clone();
        let pos = find_tag(&t, 273).unwrap();
        t[pos + 8..pos + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        v.push(("tiff strip offset past the end".into(), t));

        // GIF: truncated everywhere, garbage, bad LZW code size.
        let gif = hex(&[
            "47494638376103000100810000ff7f0080407f0000ff0000002c0000000003000100000806000108081010003b",
        ]);
        truncations(&mut v, "gif", &gif);
        let mut g = gif.clone();
        g[33] = 0; // LZW minimum code size 0
        v.push(("gif LZW size 0".into(), g.clone()));
        g[33] = 13;
        v.push(("gif LZW size 13".into(), g));
        let mut g = gif.clone();
        g[34..].iter_mut().for_each(|b| *b = 0xFF);
        v.push(("gif garbage data".into(), g));
        let mut g = b"GIF89a".to_vec();
        g.extend((0..64).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
        v.push(("gif garbage".into(), g));
        let mut g = gif[..13].to_vec();
        g.push(0x3b);
        v.push(("gif with no frame".into(), g));

        // BMP: odd header sizes, depths and compressions, truncated everywhere.
        let bmp = write_bmp_gray(3, 2, &[1, 2, 3, 4, 5, 6]);
        let bmp24 = write_bmp_rgb(3, 2, &[7; 18]);
        truncations(&mut v, "bmp", &bmp);
        truncations(&mut v, "bmp24", &bmp24);
        for (at, value) in [
            (14, 20),
            (14, 200),
            (14, 0),
            (14, 64),
            (28, 3),
            (28, 7),
            (28, 0),
            (28, 64),
            (30, 1),
            (30, 2),
            (30, 4),
            (30, 5),
            (30, 9),
            (46, 100_000),
            (10, 100_000),
            (18, -3i32 as u32),
            (26, 2),
        ] {
            let mut b = bmp.clone();
            let n = if at == 28 || at == 26 { 2 } else { 4 };
            b[at..at + n].copy_from_slice(&value.to_le_bytes()[..n]);
            v.push((format!("bmp byte {at} = {value}"), b));
        }

        // JPEG: truncated headers, corrupt bytes, unsupported processes.
        let jpg = encode(&ramp, ImageFormat::Jpeg, Dtype::U8).unwrap();
        let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        truncations(&mut v, "jpeg", &jpg[..sos + 16]);
        for at in (2..jpg.len()).step_by(5) {
            for value in [0x00, 0xFF, 0x13] {
                let mut j = jpg.clone();
                j[at] = value;
                v.push((format!("jpeg byte {at} = {value}"), j));
            }
        }
        let sof = jpg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        for (offset, value) in [
            (1, 0xC1),
            (1, 0xC3),
            (1, 0xC9),
            (1, 0xCA),
            (4, 12),
            (9, 0),
            (9, 2),
        ] {
            let mut j = jpg.clone();
            j[sof + offset] = value;
            v.push((format!("jpeg SOF byte {offset} = {value:#x}"), j));
        }
        let mut j = vec![0xFF, 0xD8];
        j.extend((0..200).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
        v.push(("jpeg garbage after SOI".into(), j));
        v
    }

    #[test]
    fn has_debug_text_finds_debug_text() {
        for debug in [
            "ChunkType { type: IDAT, critical: true }",
            "colour type Rgb32F(x)",
            "16-bit Gray(16) samples",
            "a::b",
            "Palette(8)",
        ] {
            assert!(has_debug_text(debug), "{debug}");
        }
        for plain in [
            "invalid dimensions (2x0)",
            "cannot read: No such file or directory (os error 2)",
            "16-bit gray",
            "image is 4×3 = 1.2e1 pixels",
        ] {
            assert!(!has_debug_text(plain), "{plain}");
        }
        assert_eq!(
            plain("CRC error: expected 0x1 have 0x2 while decoding ChunkType { type: IDAT, critical: true, private: false, reserved: false, safecopy: false } chunk."),
            "CRC error: expected 0x1 have 0x2 while decoding IDAT chunk"
        );
        assert_eq!(
            plain("Invalid color/depth combination in header: Rgb/One"),
            "invalid colour type/bit depth in the header: RGB/1-bit"
        );
        assert_eq!(
            plain("Corrupt deflate stream. BadZlibHeader"),
            "corrupt deflate stream: bad zlib header"
        );
        assert_eq!(plain("Unexpected End of File"), "unexpected end of file");
        assert_eq!(plain("\"Failed to decode\""), "failed to decode");
        assert_eq!(
            plain("value Thing(3) in a::b {x}."),
            "value Thing 3 in a b x"
        );
    }

    #[test]
    fn error_messages_are_plain_words() {
        let mut messages = std::collections::BTreeMap::new();
        for (label, bytes) in sweep_inputs() {
            if let Err(e) = keep(&bytes) {
                messages.entry(e.to_string()).or_insert(label);
            }
        }
        if std::env::var_os("FLOWRUN_PRINT_DECODE_ERRORS").is_some() {
            for (m, label) in &messages {
                eprintln!("{label:40} | {m}");
            }
        }
        let bad: Vec<String> = messages
            .iter()
            .filter(|(m, _)| {
                has_debug_text(m)
                    || m.contains('`')
                    || m.contains('\n')
                    || !m.starts_with(|c: char| c.is_lowercase())
            })
            .map(|(m, label)| format!("{label}: {m}"))
            .collect();
        assert!(
            bad.is_empty(),
            "messages with Debug text:\n{}",
            bad.join("\n")
        );
        // The sweep reaches many different failures.
        assert!(messages.len() >= 60, "{}", messages.len());
    }

    #[test]
    fn cmyk_jpeg_is_refused() {
        // SOI, then a SOF0 with 4 components (the scan itself is never reached).
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        j.extend_from_slice(&[0xFF, 0xC0, 0, 20, 8, 0, 2, 0, 2, 4]);
        j.extend_from_slice(&[1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        assert_eq!(
            keep(&j).unwrap_err().to_string(),
            "cmyk jpeg is not supported"
        );
        assert_eq!(jpeg_components(&j), Some(4));
    }

    #[test]
    fn truncated_jpeg_fails() {
        // Regression: the JPEG decoder filled a stream cut in the scan data with grey and
        // returned Ok; a file cut anywhere before its EOI marker must fail like Pillow's.
        let img = Image::from_vec(
            24,
            32,
            3,
            (0..2304).map(|i| (i % 97) as f64 / 97.0).collect(),
        )
        .unwrap();
        let jpg = encode(&img, ImageFormat::Jpeg, Dtype::U8).unwrap();
        assert!(keep(&jpg).is_ok());
        let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        for cut in [
            sos + 20,
            (sos + jpg.len()) / 2,
            jpg.len() - 2,
            jpg.len() - 1,
        ] {
            let e = keep(&jpg[..cut]).unwrap_err();
            assert_eq!(
                e.to_string(),
                "truncated or corrupt jpeg: unexpected end of file (no end-of-image marker)",
                "cut at {cut} of {}",
                jpg.len()
            );
        }
        // Bytes after EOI are ignored, as by libjpeg.
        let mut trailing = jpg.clone();
        trailing.extend_from_slice(b"trailing garbage \xff\xd8");
        assert!(keep(&trailing).is_ok());
        // An EOI inside a marker segment (an EXIF thumbnail's) is not the end of the image.
        let mut app1 = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 8, 0xFF, 0xD9, 0xFF, 0xD9];
        app1.extend_from_slice(&jpg[2..]);
        assert!(keep(&app1).is_ok());
        let cut = app1.len() - 30;
        assert!(matches!(
            keep(&app1[..cut]),
            Err(DecodeError::Corrupt { .. })
        ));
        assert!(jpeg_has_eoi(&app1) && !jpeg_has_eoi(&app1[..cut]));
    }

    #[test]
    fn zero_dimensions_from_the_header() {
        // The image crate refuses these headers itself, with misleading messages ("dimensions
        // (2x0) are too large"); the header check names the problem.
        let mut bmp = write_bmp_gray(2, 2, &[0; 4]);
        bmp[22..26].copy_from_slice(&0i32.to_le_bytes());
        assert_eq!(keep(&bmp).unwrap_err().to_string(), "image has zero rows");
        bmp[18..22].copy_from_slice(&0i32.to_le_bytes());
        assert_eq!(keep(&bmp).unwrap_err().to_string(), "image has zero rows");
        let mut bmp = write_bmp_gray(2, 2, &[0; 4]);
        bmp[18..22].copy_from_slice(&0i32.to_le_bytes());
        assert_eq!(
            keep(&bmp).unwrap_err().to_string(),
            "image has zero columns"
        );
        // A top-down BMP (negative height) still reads.
        let mut td = write_bmp_gray(2, 1, &[10, 20]);
        td[22..26].copy_from_slice(&(-1i32).to_le_bytes());
        assert_eq!(header_dimensions(&td, Format::Bmp), Some((2, 1)));
        assert!(keep(&td).is_ok());
        let png = encode(&Image::zeros(3, 5, 1), ImageFormat::Png, Dtype::U8).unwrap();
        assert_eq!(header_dimensions(&png, Format::Png), Some((5, 3)));
        let mut png0 = png.clone();
        png0[20..24].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(keep(&png0).unwrap_err().to_string(), "image has zero rows");
        let gif = hex(&[
            "47494638376103000100810000ff7f0080407f0000ff0000002c0000000003000100000806000108081010003b",
        ]);
        assert_eq!(header_dimensions(&gif, Format::Gif), Some((3, 1)));
        let mut gif0 = gif.clone();
        gif0[8..10].copy_from_slice(&[0, 0]);
        assert_eq!(keep(&gif0).unwrap_err().to_string(), "image has zero rows");
        assert_eq!(header_dimensions(&png[..18], Format::Png), None);
    }

    #[test]
    fn gif_first_frame() {
        // >>> a = np.array([[255, 0, 128]], np.uint8)
        // >>> PIL.Image.fromarray(np.stack([a, a // 2, 255 - a], -1)).save(f, format='GIF')
        // >>> skimage.io.imread(f)[0].ravel().tolist()  # shape (1, 1, 3, 3): frames first
        let gif = hex(&[
            "47494638376103000100810000ff7f0080407f0000ff0000002c0000000003000100000806000108081010003b",
        ]);
        let img = keep(&gif).unwrap();
        assert_eq!((img.height, img.width, img.channels), (1, 3, 3));
        assert_eq!(as_u8(&img), [255, 127, 0, 0, 0, 255, 128, 64, 127]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// No byte string makes decoding panic: random bytes behind each magic number, and
        /// every truncation/corruption of valid files.
        #[test]
        fn never_panics(
            magic in 0usize..6,
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            cut in 0usize..400,
            flip in 0usize..400,
            byte in proptest::prelude::any::<u8>(),
        ) {
            let magics: [&[u8]; 6] = [
                b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\0", b"MM\0*", b"GIF89a",
            ];
            let mut b = magics[magic].to_vec();
            b.extend_from_slice(&tail);
            let _ = keep(&b);
            let img = Image::from_vec(5, 6, 3, (0..90).map(|i| i as f64 / 90.0).collect()).unwrap();
            for (f, d) in [
                (ImageFormat::Png, Dtype::U8),
                (ImageFormat::Png, Dtype::U16),
                (ImageFormat::Bmp, Dtype::U8),
                (ImageFormat::Jpeg, Dtype::U8),
                (ImageFormat::Tiff, Dtype::F32),
            ] {
                let mut good = encode(&img, f, d).unwrap();
                if !good.is_empty() {
                    let i = flip % good.len();
                    good[i] = byte;
                }
                let _ = keep(&good[..cut.min(good.len())]);
                let _ = keep(&good);
            }
        }
    }
}
