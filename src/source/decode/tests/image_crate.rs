//! PNG, JPEG, BMP and GIF as Pillow (so skimage.io.imread) reads them.

use super::*;
use crate::source::decode::image_crate::{header_dimensions, jpeg_components, jpeg_has_eoi};

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
        [
            "16-bit gray+alpha PNGs are read as 8-bit RGB (the high byte of the gray sample in \
          each of R, G and B), as Pillow and so skimage.io.imread read them"
        ]
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
    // zune-jpeg (used by the image crate) is not bit-exact with libjpeg-turbo (Pillow): on
    // these two images grey is off by at most 1 on 6 of 256 samples, 4:2:0 colour by at most
    // 2 on 190 of 768 (chroma upsampling). Exact JPEG parity would need libjpeg-turbo.
    assert_eq!(summary, [(1, 1, 6), (3, 2, 190)]);
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
    // The JPEG decoder fills a stream cut in the scan data with grey and returns Ok; a file
    // cut anywhere before its EOI marker must still fail, like Pillow's.
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
