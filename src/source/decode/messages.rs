//! Decoding errors in plain words: the `image` and `tiff` crates' errors turned into
//! [`DecodeError`]s whose messages are lower-case, name the format and hold no Rust Debug text
//! (enum values named in words, known Debug texts rewritten, any other Debug syntax stripped).

use image::ImageError;

use super::{DecodeError, Format};

/// An `image` crate error in plain words: enum values are named in words and the decoders' own
/// messages pass through [`plain`].
pub(super) fn map_image_error(format: Format, e: ImageError) -> DecodeError {
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
pub(super) fn colour_type_words(c: image::ColorType) -> String {
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
pub(super) fn plain(msg: &str) -> String {
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
pub(super) fn has_debug_text(s: &str) -> bool {
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

/// `signed 12-bit integer samples`, `16-bit floating-point samples` …: a TIFF sample type in
/// plain words (signed types are named so).
pub(super) fn sample_words(format: tiff::tags::SampleFormat, bits: u8) -> String {
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
pub(super) fn map_tiff_error(e: tiff::TiffError) -> DecodeError {
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
pub(super) fn tiff_colour_words(c: tiff::ColorType) -> String {
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
