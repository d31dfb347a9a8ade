use super::*;
use std::io::Cursor;

fn sample() -> Manifest {
    let lines = vec![
        Line {
            i: 0,
            path: Some("in/a.png".into()),
            size: Some(3),
            blake3: Some("0".repeat(32)),
        },
        Line {
            i: 1,
            path: Some("in/b.png".into()),
            size: Some(4),
            blake3: Some("f".repeat(32)),
        },
    ];
    let mut m = Manifest {
        header: Header {
            flowrun_manifest: MANIFEST_VERSION,
            id: String::new(),
            tail: None,
            workflow_file: "wf.toml".into(),
            workflow_blake3: "ab".repeat(32),
            overrides: vec!["source.count=2".into()],
            workflow_text: "name = \"x\"\n".into(),
            source: "glob".into(),
            images: 2,
            lines: 2,
        },
        lines,
    };
    m.header.id = m.listing_hash()[..16].to_string();
    m
}

fn parse(text: &str) -> Result<Manifest, String> {
    Manifest::parse(Cursor::new(text.as_bytes()), Path::new("run.manifest"))
        .map_err(|e| e.to_string())
}

#[test]
fn round_trips() {
    let m = sample();
    assert_eq!(parse(&m.to_text()).unwrap(), m);
    assert_eq!(m.indexes(), [0, 1]);
}

#[test]
fn a_truncated_manifest_is_refused_at_its_end() {
    let text = sample().to_text();
    let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    assert_eq!(
        parse(&cut).unwrap_err(),
        "run.manifest:3: the manifest is truncated or was edited: the header says 2 input lines, found 1"
    );
    // Cut in the middle of a line.
    let half = &text[..text.len() - 10];
    assert!(parse(half)
        .unwrap_err()
        .starts_with("run.manifest:3: bad input line: "));
}

#[test]
fn edited_lines_are_named() {
    let text = sample().to_text().replace("\"i\":1", "\"i\":0");
    assert_eq!(
        parse(&text).unwrap_err(),
        "run.manifest:3: index 0 comes after 0: indexes must increase"
    );
    let text = sample().to_text().replace("\"i\":1", "\"i\":7");
    assert_eq!(
        parse(&text).unwrap_err(),
        "run.manifest:3: index 7 is out of range: the run has 2 images"
    );
    let text = sample().to_text().replace(&"f".repeat(32), "xyz");
    assert_eq!(
        parse(&text).unwrap_err(),
        "run.manifest:3: `blake3` must be 32 hex digits"
    );
    assert_eq!(
        parse("").unwrap_err(),
        "run.manifest:1: the manifest is empty"
    );
    assert!(parse("hello\n")
        .unwrap_err()
        .starts_with("run.manifest:1: not a flowrun manifest"));
    let v2 = sample()
        .to_text()
        .replace("\"flowrun_manifest\":1", "\"flowrun_manifest\":2");
    assert_eq!(
        parse(&v2).unwrap_err(),
        "run.manifest:1: manifest version 2 is not supported (this flowrun reads version 1)"
    );
}

#[test]
fn a_tail_keeps_the_run_and_original_indexes() {
    let m = sample();
    let t = m.tail(&[1]);
    assert_eq!(t.header.id, m.header.id);
    assert!(t.is_tail());
    assert_eq!(t.indexes(), [1]);
    assert_eq!(parse(&t.to_text()).unwrap(), t);
    let mut noise = sample();
    noise.header.source = "noise".into();
    noise.header.images = 5;
    noise.header.lines = 0;
    noise.lines.clear();
    assert_eq!(noise.indexes(), [0, 1, 2, 3, 4]);
    let nt = noise.tail(&[2, 4]);
    assert_eq!(nt.indexes(), [2, 4]);
    assert_eq!(parse(&nt.to_text()).unwrap(), nt);
}
