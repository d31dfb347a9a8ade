//! `source.frames = "each"`: every page of a multi-page TIFF is an image of its own, with its
//! page number in `{frame}`, its own row (`path#frame`) and its own resume state.

mod common;
use common::*;
use std::io::Cursor;
use std::path::Path;
use tiff::encoder::{colortype, TiffEncoder};

/// `in/stack.tif` (3 pages of 4×2 gray, page k filled with 10·k + x) and `in/plain.png`.
fn inputs(dir: &Path) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out).unwrap();
    for k in 0..3u8 {
        let px: Vec<u8> = (0..8u8).map(|i| 10 * k + i % 4).collect();
        enc.write_image::<colortype::Gray8>(4, 2, &px).unwrap();
    }
    std::fs::write(dir.join("in/stack.tif"), out.into_inner()).unwrap();
    image::GrayImage::from_pixel(3, 3, image::Luma([9]))
        .save(dir.join("in/plain.png"))
        .unwrap();
}

fn workflow(frames: &str, images: &str) -> String {
    format!(
        "[source]\nkind = \"glob\"\npattern = \"in/*\"\n{frames}\n\
         [metrics]\nv = {{ op = \"variance\" }}\n\
         [output]\nimages = \"{images}\"\nresults = \"out/results.csv\"\n"
    )
}

#[test]
fn each_page_is_an_image_with_its_frame_number() {
    let dir = with_file(
        "w.toml",
        &workflow("frames = \"each\"", "out/{stem}_{frame:02}.png"),
    );
    inputs(dir.path());
    let o = flowrun(dir.path(), &["run", "w.toml", "-q", "--progress", "never"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results = dir.path().join("out/results.csv");
    assert_eq!(
        column(&results, "input"),
        [
            "in/plain.png#0",
            "in/stack.tif#0",
            "in/stack.tif#1",
            "in/stack.tif#2"
        ]
    );
    assert_eq!(
        column(&results, "output"),
        [
            "out/plain_00.png",
            "out/stack_00.png",
            "out/stack_01.png",
            "out/stack_02.png"
        ]
    );
    for k in 0..3u8 {
        let img = image::open(dir.path().join(format!("out/stack_{k:02}.png")))
            .unwrap()
            .into_luma8();
        let want: Vec<u8> = (0..8u8).map(|i| 10 * k + i % 4).collect();
        assert_eq!(img.into_raw(), want, "page {k}");
    }
    // Each page is its own input in the resume state: a second run has nothing to do, and a
    // lost page output is recomputed alone.
    let o = flowrun(dir.path(), &["run", "w.toml", "--progress", "never"]);
    assert!(stdout(&o).contains("(4 up to date)"), "{}", stdout(&o));
    std::fs::remove_file(dir.path().join("out/stack_01.png")).unwrap();
    let o = flowrun(dir.path(), &["run", "w.toml", "--progress", "never"]);
    assert!(stdout(&o).contains("(3 up to date)"), "{}", stdout(&o));
    assert!(dir.path().join("out/stack_01.png").exists());
}

#[test]
fn first_reads_one_image_per_file() {
    for frames in ["", "frames = \"first\""] {
        let dir = with_file("w.toml", &workflow(frames, "out/{stem}.png"));
        inputs(dir.path());
        let o = flowrun(dir.path(), &["run", "w.toml", "-q", "--progress", "never"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            column(&dir.path().join("out/results.csv"), "input"),
            ["in/plain.png", "in/stack.tif"]
        );
    }
}

#[test]
fn a_pattern_without_frame_collides_at_compile_time() {
    let dir = with_file("w.toml", &workflow("frames = \"each\"", "out/{stem}.png"));
    inputs(dir.path());
    let o = flowrun(dir.path(), &["check", "w.toml"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("image 2 and image 1 would both be written to `out/stack.png`"),
        "{err}"
    );
    assert!(err.contains("add `{frame}`"), "{err}");
    // `{index}` alone keeps pages apart too.
    let dir = with_file("w.toml", &workflow("frames = \"each\"", "out/{index}.png"));
    inputs(dir.path());
    let o = flowrun(dir.path(), &["check", "w.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
}
