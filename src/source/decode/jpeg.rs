//! JPEG through libjpeg-turbo's decoder, set up exactly as Pillow's `JpegDecode.c` sets it up,
//! so every sample equals `np.asarray(PIL.Image.open(path))` (and so `skimage.io.imread`).
//!
//! The library is the decoder of MozJPEG as the `mozjpeg-sys` crate builds it: libjpeg-turbo
//! 2.1's decompressor, whose arithmetic (entropy decoding, the accurate integer IDCT, fancy
//! upsampling, progressive block smoothing, colour conversion) is the same, line for line, as
//! in libjpeg-turbo 3.2, the version Pillow 13's wheels bundle; its SIMD code gives the same
//! samples as its C code for all of these. Pillow's settings, and what follows from them here:
//!
//! - **No draft, no scaling**: imageio's Pillow plugin never calls `draft`, so libjpeg runs with
//!   its defaults: `JDCT_ISLOW`, fancy upsampling, block smoothing (used only where a
//!   progressive file leaves coefficients unsent).
//! - **Colour**: the mode comes from the frame header's component count — 1 is `L` (read as
//!   gray), 3 is `RGB` (read as RGB), 4 is `CMYK` (refused, see [`DecodeError::CmykJpeg`]),
//!   anything else is refused as Pillow refuses it. The file's own colour space is left to
//!   libjpeg's guess from the JFIF / Adobe markers and component ids (Pillow passes no
//!   `jpegmode`), so YCbCr, plain RGB (Adobe transform 0) and gray files all read as Pillow reads
//!   them.
//! - **Only 8-bit samples** (Pillow: "cannot handle 12-bit layers").
//! - **A suspending data source**, as Pillow's: when libjpeg asks for more data than the file
//!   holds, decoding stops and the file is "truncated" — never padded with grey, as a
//!   non-suspending source would. Pillow raises "image file is truncated" for the same files.
//!   As in Pillow, once every row is out, a file that ends early (no end-of-image marker) is
//!   accepted; and libjpeg's warnings (corrupt data it decodes past) are ignored.
//!
//! libjpeg reports fatal errors through `error_exit`, which must not return: here it unwinds
//! (`resume_unwind`, which runs no panic hook) back to [`decode_jpeg`], through C frames compiled
//! with `-fexceptions` by `mozjpeg-sys` (its `unwinding` feature), and the decompressor is then
//! destroyed. No input reaches a Rust panic.

use std::ffi::{c_int, c_long};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use mozjpeg_sys as jpeg;

use super::messages::plain;
use super::{check_dimensions, DecodeError, DecodeOptions};
use crate::Image;

/// A fatal libjpeg error, carried by the unwind from `error_exit` to [`decode_jpeg`].
struct LibjpegError {
    code: c_int,
    message: String,
}

/// Why decoding stopped early.
enum Stop {
    /// libjpeg wanted bytes past the end of the file.
    Truncated,
    /// `error_exit`: a fatal error.
    Error(LibjpegError),
    /// The header read by libjpeg names something refused here.
    Refused(DecodeError),
}

/// What the frame header (the first SOF segment) says, read before libjpeg sees the file, as
/// Pillow's `JpegImagePlugin` reads it before decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Frame {
    pub precision: u8,
    pub height: u16,
    pub width: u16,
    pub components: u8,
}

/// The first SOF segment of a JPEG stream, if one is found before the first scan.
pub(super) fn jpeg_frame(bytes: &[u8]) -> Option<Frame> {
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
                let b = bytes.get(i + 2..i + 8)?;
                return Some(Frame {
                    precision: b[0],
                    height: u16::from_be_bytes([b[1], b[2]]),
                    width: u16::from_be_bytes([b[3], b[4]]),
                    components: b[5],
                });
            }
            _ => {
                let len = u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]) as usize;
                i += len;
            }
        }
    }
}

/// Decodes a JPEG file to gray or RGB, sample for sample as Pillow does (see the module docs).
pub(super) fn decode_jpeg(bytes: &[u8], opts: &DecodeOptions) -> Result<Image, DecodeError> {
    let unsupported = |what: String| DecodeError::Unsupported {
        format: "jpeg",
        what,
    };
    // The checks Pillow makes on the frame header before decoding, then the size limits, before
    // libjpeg allocates anything.
    if let Some(frame) = jpeg_frame(bytes) {
        if frame.precision != 8 {
            return Err(unsupported(format!("{}-bit samples", frame.precision)));
        }
        match frame.components {
            1 | 3 => {}
            4 => return Err(DecodeError::CmykJpeg),
            n => return Err(unsupported(format!("images with {n} components"))),
        }
        check_dimensions(
            u32::from(frame.width),
            u32::from(frame.height),
            opts.max_pixels,
        )?;
    }
    let mut d = Decompressor::new(bytes, opts.max_pixels);
    match d.run(opts.max_pixels) {
        Ok(image) => Ok(image),
        Err(Stop::Truncated) => Err(truncated()),
        Err(Stop::Error(e)) => Err(map_libjpeg_error(e)),
        Err(Stop::Refused(e)) => Err(e),
    }
}

/// Pillow's "image file is truncated".
fn truncated() -> DecodeError {
    DecodeError::Corrupt {
        format: "jpeg",
        message: "unexpected end of file (the image file is truncated)".into(),
    }
}

/// A libjpeg error in the crate's terms: the sample types and coding processes libjpeg does not
/// decode are `Unsupported`, memory limits are `Limits`, everything else is damaged data.
fn map_libjpeg_error(e: LibjpegError) -> DecodeError {
    use jpeg as j;
    let message = plain(&e.message);
    match e.code {
        j::JERR_BAD_PRECISION | j::JERR_SOF_UNSUPPORTED | j::JERR_ARITH_NOTIMPL => {
            DecodeError::Unsupported {
                format: "jpeg",
                what: message,
            }
        }
        // The arithmetic decoder cannot suspend: running out of data there is this error.
        j::JERR_CANT_SUSPEND => truncated(),
        j::JERR_OUT_OF_MEMORY | j::JERR_NO_BACKING_STORE => DecodeError::Limits {
            format: "jpeg",
            message,
        },
        _ => DecodeError::Corrupt {
            format: "jpeg",
            message,
        },
    }
}

/// Pillow's suspending source (`jpeg_buffer_src` in `JpegDecode.c`) over the whole file: the
/// buffer is handed over once; asking for more suspends.
#[repr(C)]
struct Source {
    /// First, so that libjpeg's `cinfo.src` pointer is also a pointer to this struct.
    public: jpeg::jpeg_source_mgr,
    /// Bytes still to skip past the end of the buffer (a marker segment longer than the file).
    skip: usize,
}

/// One libjpeg decompressor with its error manager and source. Boxed: libjpeg keeps pointers to
/// `err` and `src`, so none of the three may move while it lives.
struct Decompressor {
    cinfo: jpeg::jpeg_decompress_struct,
    err: jpeg::jpeg_error_mgr,
    src: Source,
    /// Whether `jpeg_create_decompress` succeeded (so `Drop` must destroy it).
    created: bool,
}

impl Decompressor {
    fn new(bytes: &[u8], max_pixels: u64) -> Box<Decompressor> {
        // SAFETY: every field is a C struct of integers, raw pointers and optional function
        // pointers, for which all-zero bytes are a valid value (libjpeg's own examples memset
        // them); each is set up below before use.
        let mut d: Box<Decompressor> = Box::new(unsafe { std::mem::zeroed() });
        d.src.public.next_input_byte = bytes.as_ptr();
        d.src.public.bytes_in_buffer = bytes.len();
        d.src.public.init_source = Some(stub);
        d.src.public.fill_input_buffer = Some(fill_input_buffer);
        d.src.public.skip_input_data = Some(skip_input_data);
        d.src.public.resync_to_restart = Some(jpeg::jpeg_resync_to_restart);
        d.src.public.term_source = Some(stub);
        let d_ptr: *mut Decompressor = &mut *d;
        // SAFETY: `d` is boxed, so the addresses handed to libjpeg stay valid until `Drop`, which
        // destroys the decompressor first. `jpeg_std_error` only fills in the struct;
        // `jpeg_create_decompress` may call `error_exit` (out of memory), which unwinds to the
        // `catch_unwind` here.
        unsafe {
            let d = &mut *d_ptr;
            jpeg::jpeg_std_error(&mut d.err);
            d.err.error_exit = Some(error_exit);
            d.err.output_message = Some(output_message);
            d.cinfo.common.err = &mut d.err;
            let created = catch_unwind(AssertUnwindSafe(|| {
                jpeg::jpeg_create_decompress(&mut d.cinfo);
            }));
            d.created = created.is_ok();
            if d.created {
                d.cinfo.src = &mut d.src.public;
                // Bounds the whole-image coefficient buffer of progressive and multi-scan files
                // (libjpeg fails with "backing store not supported" past it): the largest image
                // allowed, at up to 8 bytes per pixel, plus room for the decoder's own tables.
                let limit = max_pixels.saturating_mul(8).saturating_add(64 << 20);
                (*d.cinfo.common.mem).max_memory_to_use =
                    c_long::try_from(limit).unwrap_or(c_long::MAX);
            }
        }
        d
    }

    /// Header, decompression and every row, as `ImagingJpegDecode` runs them.
    fn run(&mut self, max_pixels: u64) -> Result<Image, Stop> {
        if !self.created {
            return Err(Stop::Error(LibjpegError {
                code: jpeg::JERR_OUT_OF_MEMORY,
                message: "not enough memory to start the decoder".into(),
            }));
        }
        let result = catch_unwind(AssertUnwindSafe(|| self.decode(max_pixels)));
        match result {
            Ok(r) => r,
            Err(payload) => match payload.downcast::<LibjpegError>() {
                Ok(e) => Err(Stop::Error(*e)),
                // Not libjpeg's: a bug, passed on to the per-image panic guard.
                Err(other) => resume_unwind(other),
            },
        }
    }

    fn decode(&mut self, max_pixels: u64) -> Result<Image, Stop> {
        const JPEG_SUSPENDED: c_int = 0;
        const JPEG_HEADER_TABLES_ONLY: c_int = 2;
        let cinfo = &mut self.cinfo;
        // SAFETY: the decompressor was created and its source set (`new`); the source's buffer
        // is the caller's `bytes`, alive for the whole call; `rows` below points into `buf`,
        // which holds `rows_per_call` rows of `row_len` bytes.
        unsafe {
            let mut status = jpeg::jpeg_read_header(cinfo, 0);
            while status == JPEG_HEADER_TABLES_ONLY {
                status = jpeg::jpeg_read_header(cinfo, 0);
            }
            if status == JPEG_SUSPENDED {
                return Err(Stop::Truncated);
            }
            // The header as libjpeg read it, checked again (the pre-check may not have found
            // the frame header, e.g. behind a marker segment whose length runs past the file).
            let channels = match cinfo.num_components {
                1 => 1usize,
                3 => 3,
                4 => return Err(Stop::Refused(DecodeError::CmykJpeg)),
                n => {
                    return Err(Stop::Refused(DecodeError::Unsupported {
                        format: "jpeg",
                        what: format!("images with {n} components"),
                    }))
                }
            };
            cinfo.out_color_space = if channels == 1 {
                jpeg::J_COLOR_SPACE::JCS_GRAYSCALE
            } else {
                jpeg::J_COLOR_SPACE::JCS_RGB
            };
            let (width, height) = (cinfo.image_width, cinfo.image_height);
            check_dimensions(width, height, max_pixels).map_err(Stop::Refused)?;
            if jpeg::jpeg_start_decompress(cinfo) == 0 {
                return Err(Stop::Truncated);
            }
            let (w, h) = (cinfo.output_width as usize, cinfo.output_height as usize);
            if cinfo.output_components as usize != channels || w == 0 || h == 0 {
                return Err(Stop::Refused(DecodeError::Corrupt {
                    format: "jpeg",
                    message: "the decoder's output does not match the header".into(),
                }));
            }
            let row_len = w * channels;
            // Up to 16 rows per call (libjpeg hands out what its current row group holds, and
            // needs room for at least `rec_outbuf_height`), converted while still in cache.
            let rows_per_call = (cinfo.rec_outbuf_height.clamp(1, 64) as usize).max(16);
            let mut buf = vec![0u8; row_len * rows_per_call];
            let mut data: Vec<f64> = Vec::with_capacity(h * row_len);
            let mut rows: Vec<*mut u8> = buf
                .chunks_exact_mut(row_len)
                .map(<[u8]>::as_mut_ptr)
                .collect();
            let mut y = 0usize;
            while y < h {
                let n = jpeg::jpeg_read_scanlines(
                    cinfo,
                    rows.as_mut_ptr(),
                    rows_per_call.min(h - y) as u32,
                ) as usize;
                if n == 0 {
                    return Err(Stop::Truncated);
                }
                // img_as_float: `x * (1/255)`, the expression `u8_table` holds, computed here so
                // that it vectorises.
                data.extend(
                    buf[..n * row_len]
                        .iter()
                        .map(|&v| f64::from(v) * (1.0 / 255.0)),
                );
                y += n;
            }
            // Pillow ignores a suspended finish once every row is out (a file with no EOI);
            // an error here still fails, as Pillow's error handler does.
            jpeg::jpeg_finish_decompress(cinfo);
            Ok(Image {
                height: h,
                width: w,
                channels,
                data,
            })
        }
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        if self.created {
            // SAFETY: created in `new` and not yet destroyed; destroying only frees libjpeg's
            // pools (it cannot fail or call `error_exit`).
            unsafe { jpeg::jpeg_destroy_decompress(&mut self.cinfo) };
            self.created = false;
        }
    }
}

unsafe extern "C-unwind" fn stub(_cinfo: &mut jpeg::jpeg_decompress_struct) {}

/// Suspends: the whole file was handed over at the start.
unsafe extern "C-unwind" fn fill_input_buffer(_cinfo: &mut jpeg::jpeg_decompress_struct) -> c_int {
    0
}

/// Pillow's `skip_input_data`: past the end of the buffer, the rest is remembered as `skip` and
/// the next read suspends.
unsafe extern "C-unwind" fn skip_input_data(
    cinfo: &mut jpeg::jpeg_decompress_struct,
    num_bytes: c_long,
) {
    // SAFETY: `cinfo.src` is the `public` field of a `Source` (`#[repr(C)]`, first field), set
    // in `Decompressor::new`.
    let src = unsafe { &mut *cinfo.src.cast::<Source>() };
    let Ok(n) = usize::try_from(num_bytes) else {
        return; // libjpeg never asks for a negative skip; ignore it as jdatasrc.c does
    };
    if n > src.public.bytes_in_buffer {
        src.skip = n - src.public.bytes_in_buffer;
        // SAFETY: advancing by the bytes left keeps the pointer at the buffer's end.
        src.public.next_input_byte =
            unsafe { src.public.next_input_byte.add(src.public.bytes_in_buffer) };
        src.public.bytes_in_buffer = 0;
    } else {
        src.public.bytes_in_buffer -= n;
        // SAFETY: `n` ≤ the bytes left.
        src.public.next_input_byte = unsafe { src.public.next_input_byte.add(n) };
        src.skip = 0;
    }
}

/// Fatal errors: formatted, then unwound to [`Decompressor::run`]. `resume_unwind` runs no panic
/// hook, so nothing is printed.
unsafe extern "C-unwind" fn error_exit(cinfo: &mut jpeg::jpeg_common_struct) {
    // SAFETY: `cinfo.err` is the error manager set up in `Decompressor::new`. libjpeg's
    // `format_message` writes at most JMSG_LENGTH_MAX (200) bytes, NUL included, through its
    // pointer argument (the binding's `&[u8; 80]` is that pointer, typed too narrowly), so it is
    // called through a pointer to a 200-byte buffer of our own.
    let (code, message) = unsafe {
        let err = &*cinfo.err;
        let mut buf = [0u8; 200];
        if let Some(format) = err.format_message {
            type Format = unsafe extern "C-unwind" fn(&mut jpeg::jpeg_common_struct, *mut u8);
            let format: Format = std::mem::transmute(format);
            format(cinfo, buf.as_mut_ptr());
        }
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        (
            err.msg_code,
            String::from_utf8_lossy(&buf[..end]).into_owned(),
        )
    };
    resume_unwind(Box::new(LibjpegError { code, message }))
}

/// Warnings and trace messages are not printed (Pillow's `output` does nothing either).
unsafe extern "C-unwind" fn output_message(_cinfo: &mut jpeg::jpeg_common_struct) {}
