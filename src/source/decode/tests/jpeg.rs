//! JPEG as Pillow (so skimage.io.imread) reads it: libjpeg-turbo's samples, Pillow's header
//! checks and its reading of files cut short.

use super::*;
use crate::source::decode::jpeg::{jpeg_frame, Frame};
use sha2::{Digest, Sha256};

/// sha256 of the decoded samples as u8 (exact for 8-bit sources), as hex.
fn u8_sha256(img: &Image) -> String {
    Sha256::digest(as_u8(img))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    for (bytes, ch, pillow) in [(gray, 1, gray_pillow), (rgb, 3, rgb_pillow)] {
        let img = keep(&bytes).unwrap();
        assert_eq!((img.height, img.width, img.channels), (16, 16, ch));
        // libjpeg-turbo, set up as Pillow sets it up: every sample identical.
        assert_eq!(as_u8(&img), pillow, "{ch} channels");
        let want: Vec<f64> = pillow
            .iter()
            .map(|&v| f64::from(v) * (1.0 / 255.0))
            .collect();
        let exact = img
            .data
            .iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(exact, "img_as_float of the u8 samples");
    }
}

#[test]
fn cmyk_jpeg_is_refused() {
    // SOI, then a SOF0 with 4 components (the scan itself is never reached).
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
    j.extend_from_slice(&[0xFF, 0xC0, 0, 20, 8, 0, 2, 0, 2, 4]);
    j.extend_from_slice(&[1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
    assert_eq!(
        keep(&j).unwrap_err().to_string(),
        "cmyk jpeg is not supported (skimage.io.imread reads its 4 ink channels, which are not \
         gray or RGB); convert it to RGB first"
    );
    assert_eq!(jpeg_frame(&j).map(|f| f.components), Some(4));
}

#[test]
fn truncated_jpeg_fails() {
    // A non-suspending libjpeg source would fill a stream cut in the scan data with grey; like
    // Pillow's suspending source, the decoder reports the file as truncated instead.
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
            "truncated or corrupt jpeg: unexpected end of file (the image file is truncated)",
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
}

#[test]
fn progressive_restart_and_plain_rgb_match_pillow() {
    // >>> y, x = np.mgrid[:9, :17]; g = ((x*13 + y*7) % 256).astype(np.uint8)
    // >>> rgb = np.stack([g, 255 - g, (x*y*5) % 256], -1).astype(np.uint8)
    // >>> PIL.Image.fromarray(rgb).save(f, 'JPEG', quality=80, progressive=True,
    // ...     subsampling=1, restart_marker_blocks=2)          # 4:2:2, odd size, RST markers
    // >>> sha256(np.asarray(PIL.Image.open(f)).tobytes())
    let progressive = hex(&[
        "ffd8ffe000104a46494600010100000100010000ffdb00430006040506050406060506070706080a100a0a09",
        "090a140e0f0c1017141818171416161a1d251f1a1b231c1616202c20232627292a29191f2d302d2830252829",
        "28ffdb0043010707070a080a130a0a13281a161a282828282828282828282828282828282828282828282828",
        "2828282828282828282828282828282828282828282828282828ffc200110800090011030121000211010311",
        "01ffc4001800000301010000000000000000000000000003050206ffc4001901000105000000000000000000",
        "00000000040102050607ffdd00040002ffda000c030100021003100000016cf091648d9fffd0dcb61dd383e6",
        "5fffc4001b10000104030000000000000000000000000001020332111321ffda00080101000105027749307f",
        "ffd0d6e16bffd196a7ffc4001f11000004070100000000000000000000000001053102030410155392d1ffda",
        "0008010301013f014190c32143be1e8bd1ffd04072b7ffc4001f110001030305000000000000000000000001",
        "0002040311121033517192ffda0008010201013f0185119807385eeb089c37d05fffd0a1b23ad3ffc4001810",
        "010100030000000000000000000000000001103351ffda0008010100063f0275ffd0d755ffd1c7ffc4001a10",
        "01000105000000000000000000000000000110314171a1ffda0008010100013f2112c20fffd02f3bffd1b3ba",
        "7fffda000c0301000200030000001083ffd01cffc400171101010101000000000000000000000000011011a1",
        "ffda0008010301013f104d0435ffd0e89fffc4001d1100010402030000000000000000000000010011213141",
        "f01061c1ffda0008010201013f109f65053b5ce00c95b178bfffd0dbec71ffc4001e10000201030500000000",
        "0000000000000000013111a1b1102181d1f1ffda0008010100013f1094dec4975a25c9ffd0f29f45e707ffd1",
        "b5e1e9ffd9",
    ]);
    let img = keep(&progressive).unwrap();
    assert_eq!((img.height, img.width, img.channels), (9, 17, 3));
    assert_eq!(
        u8_sha256(&img),
        "8794dec89edf950c553f5b96c1822839a4f278d0f64a93d710ab1b24f210b21e"
    );
    // The same image stored as RGB (Adobe transform 0): `save(..., quality=70, keep_rgb=True)`.
    let plain_rgb = hex(&[
        "ffd8ffee000e41646f626500640000000000ffdb0043000a07070807060a0808080b0a0a0b0e18100e0d0d0e",
        "1d15161118231f2524221f2221262b372f26293429212230413134393b3e3e3e252e4449433c48373d3e3bff",
        "c00011080009001103521100471100421100ffc4001f00000105010101010101000000000000000001020304",
        "05060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107",
        "227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445",
        "464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798",
        "999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6",
        "e7e8e9eaf1f2f3f4f5f6f7f8f9faffda000c03520047004200003f00e47c3ba6fddf96baef116a5f7be6ae2b",
        "c23e11feded9fbbddbbdabd4fc3ba6fddf96bcafc45a97def9aba35f0f786d32b61a7ff6af95933cfbc436f1",
        "a8ddb8f9841ce300e40db839dd5abff090f857fe864d23ff0003a2ff00e2ab2bfe11ef157fd0b7abff00e00c",
        "bffc4d5cfec6f0affd02748ffc1dc5ff00c457987877f86bd3fc45fc5557c15ff223eadff60d9fff0045b57a",
        "9f877f86bcb3c45fc546a5ff00223e97ff006128ff00f45c95f30d7d3d5a15ffd9",
    ]);
    let img = keep(&plain_rgb).unwrap();
    assert_eq!(
        u8_sha256(&img),
        "1a4ada8707aafdce68bc7462c0d31b54cfd5bad35fc2225633decec6b2f1eb78"
    );
}

#[test]
fn frame_header_checks_come_first() {
    // SOI, then a SOF with the given precision and components (the scan is never reached).
    let sof = |precision: u8, components: u8, h: u16, w: u16| {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 8 + 3 * components, precision];
        j.extend_from_slice(&h.to_be_bytes());
        j.extend_from_slice(&w.to_be_bytes());
        j.push(components);
        for c in 0..components {
            j.extend_from_slice(&[c + 1, 0x11, 0]);
        }
        j
    };
    assert_eq!(
        jpeg_frame(&sof(8, 3, 5, 7)),
        Some(Frame {
            precision: 8,
            height: 5,
            width: 7,
            components: 3
        })
    );
    assert_eq!(
        keep(&sof(12, 1, 5, 7)).unwrap_err().to_string(),
        "unsupported jpeg: 12-bit samples"
    );
    assert_eq!(
        keep(&sof(8, 2, 5, 7)).unwrap_err().to_string(),
        "unsupported jpeg: images with 2 components"
    );
    assert_eq!(
        keep(&sof(8, 1, 0, 7)).unwrap_err().to_string(),
        "image has zero rows"
    );
    let small = DecodeOptions {
        max_pixels: 34,
        ..DecodeOptions::default()
    };
    assert_eq!(
        decode_bytes(&sof(8, 3, 5, 7), &small)
            .unwrap_err()
            .to_string(),
        "image is 7×5 = 3.5e1 pixels, over max_pixels 34"
    );
    // Cut inside the header: truncated, as Pillow says.
    let e = keep(&sof(8, 3, 5, 7)).unwrap_err().to_string();
    assert!(e.starts_with("truncated or corrupt jpeg"), "{e}");
}

#[test]
fn damaged_data_is_read_as_pillow_reads_it() {
    let img = Image::from_vec(
        16,
        24,
        3,
        (0..1152).map(|i| (i % 89) as f64 / 89.0).collect(),
    )
    .unwrap();
    let jpg = encode(&img, ImageFormat::Jpeg, Dtype::U8).unwrap();
    // libjpeg's fatal errors are plain-worded failures; no input panics or prints.
    let mut bad = jpg.clone();
    let dht = bad.windows(2).position(|w| w == [0xFF, 0xC4]).unwrap();
    bad[dht + 4] = 0x7F; // a Huffman table of an impossible class and index
    let e = keep(&bad).unwrap_err().to_string();
    assert!(e.starts_with("truncated or corrupt jpeg: "), "{e}");
    assert!(!crate::source::decode::messages::has_debug_text(&e), "{e}");
    // Corrupt entropy-coded data is a warning to libjpeg, ignored by Pillow: the image decodes.
    let mut noisy = jpg.clone();
    let sos = noisy.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mid = (sos + noisy.len()) / 2;
    noisy[mid] ^= 0x5A;
    if noisy[mid] == 0xFF {
        noisy[mid] = 0xFE;
    }
    let decoded = keep(&noisy).unwrap();
    assert_eq!((decoded.height, decoded.width), (16, 24));
}
