//! The bad-input corpus: damaged, hostile and unusual image files, generated here at test time
//! (nothing downloaded), run through the real binary in one glob workflow.
//!
//! Every file must give either correct processing (documented, e.g. the first frame) or a failed
//! row naming the file and the reason — never a panic, never a partial output file — while the
//! other images are done and the exit code is 1.

mod common;
use common::*;

use image::codecs::gif::GifEncoder;
use image::{ExtendedColorType, ImageFormat};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Generators

/// A deterministic gradient-with-texture u8 image, `h × w × c`.
fn pixels(h: u32, w: u32, c: u32) -> Vec<u8> {
    (0..h * w * c)
        .map(|i| ((i * 37 + (i / 7) * 11) % 251) as u8)
        .collect()
}

fn encode(fmt: ImageFormat, h: u32, w: u32, color: ExtendedColorType) -> Vec<u8> {
    let c = match color {
        ExtendedColorType::L8 => 1,
        ExtendedColorType::La8 => 2,
        ExtendedColorType::Rgb8 => 3,
        ExtendedColorType::Rgba8 => 4,
        _ => unreachable!(),
    };
    let mut out = Vec::new();
    image::write_buffer_with_format(
        &mut Cursor::new(&mut out),
        &pixels(h, w, c),
        w,
        h,
        color,
        fmt,
    )
    .unwrap();
    out
}

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

/// A PNG chunk: length, type, data, CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&crc32(&c[4..]).to_be_bytes());
    c
}

/// The chunks of a PNG (after the signature) as (type, data).
fn png_chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 8;
    while i + 12 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = png[i + 4..i + 8].try_into().unwrap();
        out.push((kind, png[i + 8..i + 8 + len].to_vec()));
        i += 12 + len;
    }
    out
}

/// A PNG header claiming `w × h` 8-bit grey pixels, with an empty IDAT: a decompression bomb's
/// header (or a 0-row image with h = 0).
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[]));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// An animated PNG: the default image (frame 1, a flat grey) is the IDAT; frame 2 (a different
/// picture) is an fdAT. Decoders that ignore animation see frame 1.
fn apng(w: u32, h: u32) -> Vec<u8> {
    let flat = vec![100u8; (w * h) as usize];
    let mut first = Vec::new();
    image::write_buffer_with_format(
        &mut Cursor::new(&mut first),
        &flat,
        w,
        h,
        ExtendedColorType::L8,
        ImageFormat::Png,
    )
    .unwrap();
    let second = encode(ImageFormat::Png, h, w, ExtendedColorType::L8);
    let idat2: Vec<u8> = png_chunks(&second)
        .into_iter()
        .filter(|(k, _)| k == b"IDAT")
        .flat_map(|(_, d)| d)
        .collect();
    let fctl = |seq: u32| {
        let mut d = seq.to_be_bytes().to_vec();
        for v in [w, h, 0, 0] {
            d.extend_from_slice(&v.to_be_bytes());
        }
        d.extend_from_slice(&[0, 1, 0, 10, 0, 0]); // delay 1/10 s, dispose none, blend source
        d
    };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in png_chunks(&first) {
        match &kind {
            b"IDAT" => {
                out.extend(chunk(b"acTL", &[0, 0, 0, 2, 0, 0, 0, 0])); // 2 frames, loop forever
                out.extend(chunk(b"fcTL", &fctl(0)));
                out.extend(chunk(b"IDAT", &data));
                out.extend(chunk(b"fcTL", &fctl(1)));
                let mut fdat = 2u32.to_be_bytes().to_vec();
                fdat.extend_from_slice(&idat2);
                out.extend(chunk(b"fdAT", &fdat));
            }
            _ => out.extend(chunk(&kind, &data)),
        }
    }
    out
}

/// A two-frame animated GIF: frame 1 flat, frame 2 textured.
fn animated_gif(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        let flat = image::RgbaImage::from_pixel(w, h, image::Rgba([90, 90, 90, 255]));
        let tex = image::RgbaImage::from_fn(w, h, |x, y| {
            let v = ((x * 31 + y * 17) % 256) as u8;
            image::Rgba([v, v, v, 255])
        });
        enc.encode_frames([flat, tex].map(image::Frame::new))
            .unwrap();
    }
    out
}

/// A valid 8×8 baseline CMYK JPEG, written by hand: 4 components, one scan, every block DC 0
/// (mid grey) with one-code Huffman tables, and Adobe's APP14 marker (transform 0 = CMYK). The
/// image crate's own decoder reads it (8×8); flowrun refuses 4-component JPEGs before decoding.
fn cmyk_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    // APP14 "Adobe": version 100, flags 0, 0, transform 0.
    j.extend_from_slice(&[0xFF, 0xEE, 0, 14]);
    j.extend_from_slice(b"Adobe");
    j.extend_from_slice(&[0, 100, 0, 0, 0, 0, 0]);
    // DQT: table 0, all ones.
    j.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    j.extend_from_slice(&[1; 64]);
    // SOF0: 8-bit, 8×8, 4 components with 1×1 sampling and table 0.
    j.extend_from_slice(&[0xFF, 0xC0, 0, 20, 8, 0, 8, 0, 8, 4]);
    for id in 1..=4 {
        j.extend_from_slice(&[id, 0x11, 0]);
    }
    // DHT: DC table 0 and AC table 0, each a single 1-bit code for the symbol 0.
    for class in [0x00, 0x10] {
        j.extend_from_slice(&[0xFF, 0xC4, 0, 20, class, 1]);
        j.extend_from_slice(&[0; 15]);
        j.push(0);
    }
    // SOS: 4 components, tables 0/0; then 4 blocks × (DC "0" + EOB "0") = one zero byte.
    j.extend_from_slice(&[0xFF, 0xDA, 0, 14, 4]);
    for id in 1..=4 {
        j.extend_from_slice(&[id, 0x00]);
    }
    j.extend_from_slice(&[0, 63, 0]);
    j.push(0x00);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn tiff_bytes(f: impl FnOnce(&mut tiff::encoder::TiffEncoder<&mut Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut cur = Cursor::new(Vec::new());
    {
        let mut enc = tiff::encoder::TiffEncoder::new(&mut cur).unwrap();
        f(&mut enc);
    }
    cur.into_inner()
}

/// Patches the value of `tag` (a SHORT or LONG entry) in the first IFD of a little-endian TIFF.
fn tiff_set_tag(tif: &mut [u8], tag: u16, value: u32) {
    let ifd = u32::from_le_bytes(tif[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(tif[ifd..ifd + 2].try_into().unwrap()) as usize;
    let p = (0..n)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&p| u16::from_le_bytes([tif[p], tif[p + 1]]) == tag)
        .expect("tag present");
    let typ = u16::from_le_bytes([tif[p + 2], tif[p + 3]]);
    if typ == 3 {
        tif[p + 8..p + 10].copy_from_slice(&(value as u16).to_le_bytes());
    } else {
        tif[p + 8..p + 12].copy_from_slice(&value.to_le_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus

/// What a corpus file must give.
#[derive(Debug, Clone)]
enum Expect {
    /// An `ok` row and an output image of `h × w`.
    Ok { h: u32, w: u32 },
    /// A `failed` row whose error names the file and contains every phrase; no output.
    Failed(Vec<&'static str>),
    /// The same, but the error is about the output (a value the output type cannot hold) and
    /// names the output file; the row's `input` names the input.
    FailedOutput(Vec<&'static str>),
}

struct Item {
    /// File name (bytes, so it may be non-UTF-8).
    name: Vec<u8>,
    what: &'static str,
    expect: Expect,
}

#[cfg(unix)]
fn os_name(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(bytes.to_vec())
}

/// Writes the corpus into `dir` and returns what each file must give.
#[cfg(unix)]
fn make_corpus(dir: &Path) -> Vec<Item> {
    use std::os::unix::fs::{symlink, PermissionsExt};
    use ExtendedColorType::*;
    use ImageFormat as F;
    std::fs::create_dir_all(dir).unwrap();
    let mut items = Vec::new();
    let mut add = |name: &[u8], what: &'static str, bytes: Option<Vec<u8>>, expect: Expect| {
        if let Some(b) = bytes {
            std::fs::write(dir.join(os_name(name)), b).unwrap();
        }
        items.push(Item {
            name: name.to_vec(),
            what,
            expect,
        });
    };
    let ok = |h, w| Expect::Ok { h, w };
    let failed = |p: &[&'static str]| Expect::Failed(p.to_vec());
    let png = encode(F::Png, 24, 32, Rgb8);
    let jpeg = encode(F::Jpeg, 24, 32, Rgb8);
    let tif = encode(F::Tiff, 24, 32, L8);

    // Good files, for "the other images are done".
    add(
        b"good_gray.png",
        "valid grey PNG",
        Some(encode(F::Png, 20, 30, L8)),
        ok(20, 30),
    );
    add(
        b"good_rgba.png",
        "valid RGBA PNG",
        Some(encode(F::Png, 16, 16, Rgba8)),
        ok(16, 16),
    );
    add(
        b"good_jpg.jpg",
        "valid JPEG",
        Some(jpeg.clone()),
        ok(24, 32),
    );
    add(
        b"good_bmp.bmp",
        "valid BMP",
        Some(encode(F::Bmp, 9, 7, Rgb8)),
        ok(9, 7),
    );
    add(b"good_tif.tif", "valid TIFF", Some(tif.clone()), ok(24, 32));

    // Empty, truncated, mislabelled.
    add(
        b"zero_bytes.png",
        "zero-byte file",
        Some(Vec::new()),
        failed(&["not a supported image"]),
    );
    add(
        b"trunc_png.png",
        "truncated PNG (half)",
        Some(png[..png.len() / 2].to_vec()),
        failed(&["truncated or corrupt png"]),
    );
    add(
        b"trunc_header_png.png",
        "truncated PNG (inside IHDR)",
        Some(png[..20].to_vec()),
        failed(&["truncated or corrupt png"]),
    );
    add(
        b"trunc_jpg.jpg",
        "truncated JPEG (half)",
        Some(jpeg[..jpeg.len() / 2].to_vec()),
        failed(&["truncated or corrupt jpeg"]),
    );
    add(
        b"trunc_header_jpg.jpg",
        "truncated JPEG (inside the headers)",
        Some(jpeg[..40].to_vec()),
        failed(&["truncated or corrupt jpeg"]),
    );
    add(
        b"trunc_tif.tif",
        "truncated TIFF (strips missing)",
        Some(tif[..tif.len() / 2].to_vec()),
        failed(&["truncated or corrupt tiff: unexpected end of file"]),
    );
    add(
        b"trunc_ifd.tif",
        "truncated TIFF (inside the header)",
        Some(tif[..6].to_vec()),
        failed(&["truncated or corrupt tiff: unexpected end of file"]),
    );
    add(
        b"text.png",
        "a text file named .png",
        Some(b"this is not an image\n".to_vec()),
        failed(&["not a supported image"]),
    );
    // The format is sniffed from the content, so a PNG named .jpg is read as the PNG it is.
    add(
        b"png_named.jpg",
        "a PNG named .jpg",
        Some(png.clone()),
        ok(24, 32),
    );

    // Decompression bombs: headers claiming far more than max_pixels (2^28).
    add(
        b"bomb_png.png",
        "PNG header claiming 100000 × 100000",
        Some(png_header_only(100_000, 100_000)),
        failed(&["100000×100000", "over max_pixels 268435456"]),
    );
    let mut bomb_tif = tif.clone();
    tiff_set_tag(&mut bomb_tif, 256, 100_000); // ImageWidth
    tiff_set_tag(&mut bomb_tif, 257, 100_000); // ImageLength
    tiff_set_tag(&mut bomb_tif, 278, 100_000); // RowsPerStrip: one strip, as the header says
    add(
        b"bomb_tif.tif",
        "TIFF header claiming 100000 × 100000",
        Some(bomb_tif),
        failed(&["100000×100000", "over max_pixels 268435456"]),
    );
    let mut bomb_jpg = jpeg.clone();
    let sof = bomb_jpg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb_jpg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]); // 65535 × 65535
    add(
        b"bomb_jpg.jpg",
        "JPEG header claiming 65535 × 65535",
        Some(bomb_jpg),
        failed(&["65535×65535", "over max_pixels"]),
    );
    let mut bomb_gif = animated_gif(4, 4);
    bomb_gif[6..10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]); // logical screen 65535 × 65535
    add(
        b"bomb_gif.gif",
        "GIF screen claiming 65535 × 65535",
        Some(bomb_gif),
        failed(&["65535×65535", "over max_pixels"]),
    );

    // Colour models and containers.
    add(
        b"cmyk.jpg",
        "CMYK JPEG",
        Some(cmyk_jpeg()),
        failed(&["cmyk jpeg is not supported"]),
    );
    // GIF and APNG: the first frame (frame 1 is flat, so its input variance is 0).
    add(
        b"animated.gif",
        "animated GIF (first frame)",
        Some(animated_gif(12, 10)),
        ok(10, 12),
    );
    add(
        b"animated_apng.png",
        "APNG (default image = frame 1)",
        Some(apng(12, 10)),
        ok(10, 12),
    );
    add(
        b"multipage.tif",
        "multi-page TIFF (first page)",
        Some(tiff_bytes(|e| {
            e.write_image::<tiff::encoder::colortype::Gray8>(5, 4, &[7u8; 20])
                .unwrap();
            e.write_image::<tiff::encoder::colortype::Gray8>(3, 3, &pixels(3, 3, 1))
                .unwrap();
        })),
        ok(4, 5),
    );
    add(
        b"gray16.tif",
        "16-bit grey TIFF",
        Some(tiff_bytes(|e| {
            let d: Vec<u16> = (0..6 * 8).map(|i| (i * 1361) as u16).collect();
            e.write_image::<tiff::encoder::colortype::Gray16>(8, 6, &d)
                .unwrap();
        })),
        ok(6, 8),
    );
    add(
        b"rgb16.tif",
        "16-bit RGB TIFF",
        Some(tiff_bytes(|e| {
            let d: Vec<u16> = (0..4 * 5 * 3).map(|i| (i * 1013) as u16).collect();
            e.write_image::<tiff::encoder::colortype::RGB16>(5, 4, &d)
                .unwrap();
        })),
        ok(4, 5),
    );
    add(
        b"float32.tif",
        "32-bit float TIFF in [0, 1]",
        Some(tiff_bytes(|e| {
            let d: Vec<f32> = (0..7 * 6).map(|i| i as f32 / 41.0).collect();
            e.write_image::<tiff::encoder::colortype::Gray32Float>(6, 7, &d)
                .unwrap();
        })),
        ok(7, 6),
    );
    // Out of [-1, 1]: the u8 output cannot hold it (skimage's img_as_ubyte raises).
    add(
        b"float32_big.tif",
        "32-bit float TIFF with values up to 1000",
        Some(tiff_bytes(|e| {
            let d: Vec<f32> = (0..4 * 4).map(|i| i as f32 * 66.0).collect();
            e.write_image::<tiff::encoder::colortype::Gray32Float>(4, 4, &d)
                .unwrap();
        })),
        Expect::FailedOutput(vec![
            "float32_big.bmp",
            "must be between -1 and 1 for u8 output",
        ]),
    );

    // Degenerate shapes.
    add(
        b"one_by_one.png",
        "1 × 1 image",
        Some(encode(F::Png, 1, 1, L8)),
        ok(1, 1),
    );
    add(
        b"one_row.png",
        "1 × 17 image",
        Some(encode(F::Png, 1, 17, Rgb8)),
        ok(1, 17),
    );
    add(
        b"one_col.png",
        "17 × 1 image",
        Some(encode(F::Png, 17, 1, L8)),
        ok(17, 1),
    );
    add(
        b"zero_rows_png.png",
        "PNG with 0 rows",
        Some(png_header_only(5, 0)),
        failed(&["image has zero rows"]),
    );
    let mut zero_rows_tif = tif.clone();
    tiff_set_tag(&mut zero_rows_tif, 257, 0);
    add(
        b"zero_rows_tif.tif",
        "TIFF with 0 rows",
        Some(zero_rows_tif),
        failed(&["truncated or corrupt tiff", "invalid dimensions"]),
    );
    let mut zero_rows_bmp = encode(F::Bmp, 2, 2, Rgb8);
    zero_rows_bmp[22..26].copy_from_slice(&0i32.to_le_bytes());
    add(
        b"zero_rows_bmp.bmp",
        "BMP with 0 rows",
        Some(zero_rows_bmp),
        failed(&["image has zero rows"]),
    );

    // File-system oddities.
    let unreadable = dir.join("unreadable.png");
    std::fs::write(&unreadable, encode(F::Png, 6, 6, L8)).unwrap();
    std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root (or CAP_DAC_OVERRIDE) reads a mode-000 file anyway: then it is simply processed.
    let readable_anyway = std::fs::read(&unreadable).is_ok();
    add(
        b"unreadable.png",
        if readable_anyway {
            "mode-000 file (readable here: running as root)"
        } else {
            "mode-000 file"
        },
        None,
        if readable_anyway {
            ok(6, 6)
        } else {
            failed(&["cannot read", "Permission denied"])
        },
    );
    symlink("loop_b.png", dir.join("loop_a.png")).unwrap();
    symlink("loop_a.png", dir.join("loop_b.png")).unwrap();
    add(
        b"loop_a.png",
        "symlink loop (a → b)",
        None,
        failed(&["cannot read", "symbolic links"]),
    );
    add(
        b"loop_b.png",
        "symlink loop (b → a)",
        None,
        failed(&["cannot read", "symbolic links"]),
    );
    symlink("missing.png", dir.join("dangling.png")).unwrap();
    add(
        b"dangling.png",
        "dangling symlink",
        None,
        failed(&["cannot read", "No such file"]),
    );
    symlink("good_jpg.jpg", dir.join("link_to_good.jpg")).unwrap();
    add(
        b"link_to_good.jpg",
        "symlink to a valid JPEG",
        None,
        ok(24, 32),
    );
    // A directory symlink loop: the walk does not follow directory links.
    std::fs::create_dir(dir.join("sub")).unwrap();
    symlink("..", dir.join("sub").join("up")).unwrap();
    // Non-UTF-8 name (Latin-1 "café"): processed; `{stem}` is the lossy UTF-8 form.
    add(
        b"caf\xe9.png",
        "non-UTF-8 file name",
        Some(encode(F::Png, 8, 8, L8)),
        ok(8, 8),
    );
    items
}

// ---------------------------------------------------------------------------------------------
// The results table (a real CSV reader: errors contain commas and quotes).

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

const WORKFLOW: &str = r#"name = "corpus"

[source]
kind = "glob"
pattern = "corpus/**/*"

[[steps]]
op = "gaussian"
name = "blur"
sigma = 1.0

[metrics]
input_variance = { op = "variance", on = "input" }
output_variance = { op = "variance" }

[output]
images = "out/{stem}.bmp"
results = "out/results.csv"
"#;

#[cfg(unix)]
#[test]
fn bad_input_corpus() {
    let start = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let items = make_corpus(&corpus);
    std::fs::write(tmp.path().join("w.toml"), WORKFLOW).unwrap();

    let mut child = std::process::Command::new(BIN)
        .args(["run", "w.toml", "-j", "2"])
        .current_dir(tmp.path())
        .env_remove("FLOWRUN_LOG")
        .stdout(std::fs::File::create(tmp.path().join("stdout")).unwrap())
        .stderr(std::fs::File::create(tmp.path().join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("flowrun still running after 30 s on the corpus");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out =
        String::from_utf8_lossy(&std::fs::read(tmp.path().join("stdout")).unwrap()).into_owned();
    let err =
        String::from_utf8_lossy(&std::fs::read(tmp.path().join("stderr")).unwrap()).into_owned();
    let ctx = format!("stdout:\n{out}\nstderr:\n{err}");
    assert!(!err.contains("panicked"), "{ctx}");
    assert!(!err.contains("internal error"), "{ctx}");
    assert_eq!(status.code(), Some(1), "{ctx}");

    let table = std::fs::read_to_string(tmp.path().join("out/results.csv")).unwrap();
    let rows = parse_csv(&table);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (c_input, c_status, c_error, c_output, c_invar) = (
        col("input"),
        col("status"),
        col("error"),
        col("output"),
        col("input_variance"),
    );
    let by_input: BTreeMap<String, &Vec<String>> =
        rows[1..].iter().map(|r| (r[c_input].clone(), r)).collect();
    assert_eq!(by_input.len(), rows.len() - 1, "one row per input");

    let out_dir = tmp.path().join("out");
    let mut expected_outputs: Vec<String> = [".flowrun", "results.csv", "results.csv.meta.json"]
        .map(String::from)
        .to_vec();
    let (mut tried, mut handled) = (0, 0);
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for item in &items {
        tried += 1;
        // The row's `input` is the path as the glob gave it, shown lossily.
        let shown = PathBuf::from("corpus").join(os_name(&item.name));
        let label = shown.display().to_string();
        let stem = Path::new(&os_name(&item.name))
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let row = by_input.get(&label);
        let verdict = match (&item.expect, row) {
            (_, None) => Err("no row".to_string()),
            (Expect::Ok { h, w }, Some(r)) => {
                let output = out_dir.join(format!("{stem}.bmp"));
                if r[c_status] != "ok" {
                    Err(format!("expected ok, got {:?}", r[c_error]))
                } else if r[c_output] != format!("out/{stem}.bmp") {
                    Err(format!("output column {:?}", r[c_output]))
                } else {
                    match image::open(&output) {
                        Ok(img) if (img.height(), img.width()) == (*h, *w) => {
                            expected_outputs.push(format!("{stem}.bmp"));
                            Ok(format!("ok, {h}×{w}"))
                        }
                        Ok(img) => Err(format!(
                            "output is {}×{}, expected {h}×{w}",
                            img.height(),
                            img.width()
                        )),
                        Err(e) => Err(format!("output {} unreadable: {e}", output.display())),
                    }
                }
            }
            (Expect::Failed(phrases) | Expect::FailedOutput(phrases), Some(r)) => {
                let e = &r[c_error];
                let missing: Vec<_> = phrases.iter().filter(|p| !e.contains(*p)).collect();
                let names = match item.expect {
                    Expect::FailedOutput(_) => format!("out/{stem}.bmp"),
                    _ => label.clone(),
                };
                if r[c_status] != "failed" {
                    Err(format!("expected failed, got {}", r[c_status]))
                } else if !e.contains(&names) {
                    Err(format!("error does not name the file: {e:?}"))
                } else if !missing.is_empty() {
                    Err(format!("error {e:?} lacks {missing:?}"))
                } else if !r[c_output].is_empty() || out_dir.join(format!("{stem}.bmp")).exists() {
                    Err("a failed image has an output".to_string())
                } else if !r[c_invar].is_empty() {
                    Err("a failed image has metric values".to_string())
                } else if !err.contains(&label) {
                    Err("failure not reported on stderr".to_string())
                } else {
                    Ok(format!("failed: {e}"))
                }
            }
        };
        match verdict {
            Ok(v) => {
                handled += 1;
                lines.push(format!("  ok   {:<48} {v}", item.what));
            }
            Err(v) => {
                lines.push(format!("  FAIL {:<48} {label}: {v}", item.what));
                problems.push(format!("{} ({label}): {v}", item.what));
            }
        }
    }
    // First frames: both animations start with a flat frame.
    for name in [
        "corpus/animated.gif",
        "corpus/animated_apng.png",
        "corpus/multipage.tif",
    ] {
        if let Some(r) = by_input.get(name) {
            let flat = r[c_invar].parse::<f64>().is_ok_and(|v| v.abs() < 1e-20);
            if r[c_status] == "ok" && !flat {
                problems.push(format!(
                    "{name}: not the first frame (input variance {})",
                    r[c_invar]
                ));
            }
        }
    }
    // Rows for files the corpus does not list.
    let known: Vec<String> = items
        .iter()
        .map(|i| {
            PathBuf::from("corpus")
                .join(os_name(&i.name))
                .display()
                .to_string()
        })
        .collect();
    for input in by_input.keys() {
        if !known.contains(input) {
            problems.push(format!("unexpected row for {input}"));
        }
    }
    // The output folder holds exactly the outputs of the ok images and the table: no temp files
    // (hidden names), no partial outputs.
    let mut found: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    expected_outputs.sort();
    if found != expected_outputs {
        problems.push(format!(
            "out/ holds {found:?}, expected {expected_outputs:?}"
        ));
    }
    let n_ok = by_input.values().filter(|r| r[c_status] == "ok").count();
    let n_failed = by_input.len() - n_ok;
    println!(
        "bad_inputs: corpus files tried {tried}, handled {handled} ({n_ok} ok rows, {n_failed} failed rows) in {:.2} s\n{}",
        start.elapsed().as_secs_f64(),
        lines.join("\n")
    );
    assert!(
        out.contains(&format!(
            "{} images, {n_ok} ok, {n_failed} failed",
            by_input.len()
        )),
        "{ctx}"
    );
    assert!(problems.is_empty(), "{}\n\n{ctx}", problems.join("\n"));
    assert_eq!(handled, tried);
}
