//! Error messages in plain words, over a sweep of odd and broken inputs in every format.

use super::*;
use crate::source::decode::messages::{has_debug_text, plain};

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
    let e = decode_file(Path::new("/nonexistent/x.png"), &DecodeOptions::default()).unwrap_err();
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
            DecodeError::ZeroRows | DecodeError::Corrupt { .. } | DecodeError::Unsupported { .. }
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

/// Odd and broken inputs in every format, for the error-message sweep.
fn sweep_inputs() -> Vec<(String, Vec<u8>)> {
    use ::tiff::encoder::colortype as ct;
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    let truncations = |v: &mut Vec<(String, Vec<u8>)>, name: &str, b: &[u8]| {
        for cut in 0..b.len() {
            v.push((format!("{name} cut at {cut}"), b[..cut].to_vec()));
        }
    };
    let ramp = Image::from_vec(6, 8, 3, (0..144).map(|i| i as f64 / 143.0).collect()).unwrap();
    let gray_ramp = Image::from_vec(6, 8, 1, (0..48).map(|i| i as f64 / 47.0).collect()).unwrap();

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
