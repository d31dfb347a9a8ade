use super::*;
use crate::sinks::results::{Row, RowStatus};

fn row(index: u64, input: &str, status: RowStatus, outputs: &[&str]) -> Row {
    Row {
        index,
        input: input.into(),
        status,
        error: (status == RowStatus::Failed).then(|| "bad".to_string()),
        metrics: vec![0.1, f64::NAN, f64::INFINITY, -0.0, 1e-300],
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
        elapsed_ms: 0.125,
    }
}

#[test]
fn output_hashes_are_xxh3_128_as_32_hex_digits() {
    // XXH3-128 reference values (of "" and of "abc"): a recorded state stays readable only as
    // long as this does not change.
    assert_eq!(hex(output_hash(b"")), "99aa06d3014798d86001c324468d497f");
    assert_eq!(hex(output_hash(b"abc")), "06b05ab6733a618578af5f94892f3950");
}

/// A record reads back as the entry its line was made from, and the latest line per input
/// wins.
#[test]
fn records_read_back_and_the_latest_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".flowrun/w.state.jsonl");
    let mut log = StateLog::new(&path, "plan-a", &StateIndex::default());
    let tricky = "dir/a \"quoted\",\tname\u{e9}.png";
    let rec = |outs: &[u128]| Record {
        input_hash: Some(7),
        outputs: outs.to_vec(),
        orphans: vec![],
    };
    log.append(&row(0, tricky, RowStatus::Ok, &["out/a.bmp"]), &rec(&[1]))
        .unwrap();
    log.append(&row(1, "b.png", RowStatus::Failed, &[]), &rec(&[]))
        .unwrap();
    log.append(&row(0, tricky, RowStatus::Ok, &["out/a2.bmp"]), &rec(&[2]))
        .unwrap();
    log.flush().unwrap();
    let index = StateIndex::open(&path).unwrap();
    assert_eq!(index.len(), 2);
    let a = index.get(tricky).unwrap();
    assert_eq!(a.outputs, [("out/a2.bmp".to_string(), hex(2))]);
    assert_eq!(a.input_hash.as_deref(), Some(hex(7).as_str()));
    assert_eq!(a.metrics, ["0.1", "nan", "inf", "-0.0", "1e-300"]);
    assert_eq!(a.plan, "plan-a");
    let back = a.row(5);
    assert_eq!((back.index, back.status), (5, RowStatus::Ok));
    assert!(back.metrics[1].is_nan() && back.metrics[3].to_bits() == (-0.0f64).to_bits());
    let b = index.get("b.png").unwrap();
    assert_eq!(
        (b.status, b.error.as_deref()),
        (Status::Failed, Some("bad"))
    );
    assert!(b.metrics.is_empty() && b.outputs.is_empty());
    assert!(index.get("c.png").is_none());
    // A torn last line (a crash in the middle of an append) is not a record.
    let mut text = std::fs::read(&path).unwrap();
    text.extend_from_slice(b"{\"v\":2,\"input\":\"c.png\",\"ind");
    std::fs::write(&path, &text).unwrap();
    let index = StateIndex::open(&path).unwrap();
    assert_eq!(index.len(), 2);
    assert!(index.get("c.png").is_none());
}

/// Finishing a run compacts the log once it holds more than twice the inputs.
#[test]
fn the_log_is_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".flowrun/w.state.jsonl");
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    let rec = Record::default();
    for (run, want) in [(1, 3), (2, 6), (3, 3)] {
        let before = StateIndex::open(&path).unwrap();
        let mut log = StateLog::new(&path, &format!("plan-{run}"), &before);
        for i in 0..3 {
            log.append(&row(i, &format!("noise:{i}"), RowStatus::Ok, &[]), &rec)
                .unwrap();
        }
        log.finish().unwrap();
        assert_eq!(lines(&path), want, "after run {run}");
    }
    let index = StateIndex::open(&path).unwrap();
    assert_eq!(index.len(), 3);
    assert!((0..3).all(|i| index.get(&format!("noise:{i}")).unwrap().plan == "plan-3"));
}

#[test]
fn why_stale_names_the_first_difference() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.bmp");
    std::fs::write(&out, b"pixels").unwrap();
    let entry = Entry {
        v: STATE_VERSION,
        input: "a.png".into(),
        index: 0,
        status: Status::Ok,
        plan: "p".into(),
        input_hash: Some(hex(1)),
        metrics: vec![],
        outputs: vec![(out.display().to_string(), hex(output_hash(b"pixels")))],
        error: None,
        elapsed_ms: 1.0,
        orphans: vec![],
    };
    let outputs = [out.clone()];
    let (h1, h2) = (hex(1), hex(2));
    fn now<'a>(plan: &'a str, hash: Option<&'a str>, outputs: &'a [PathBuf]) -> Current<'a> {
        Current {
            plan,
            input_hash: hash,
            outputs,
        }
    }
    assert_eq!(entry.why_stale(&now("p", Some(&h1), &outputs)), None);
    assert_eq!(
        entry.why_stale(&now("q", Some(&h1), &outputs)).unwrap(),
        "the workflow changed since it ran"
    );
    assert_eq!(
        entry.why_stale(&now("p", Some(&h2), &outputs)).unwrap(),
        "the input file changed"
    );
    let elsewhere = [dir.path().join("b.bmp")];
    assert_eq!(
        entry.why_stale(&now("p", Some(&h1), &elsewhere)).unwrap(),
        "its output paths changed"
    );
    std::fs::write(&out, b"other").unwrap();
    assert!(entry
        .why_stale(&now("p", Some(&h1), &outputs))
        .unwrap()
        .ends_with("was changed since it was written"));
    std::fs::remove_file(&out).unwrap();
    assert!(entry
        .why_stale(&now("p", Some(&h1), &outputs))
        .unwrap()
        .ends_with("is missing"));
    let failed = Entry {
        status: Status::Failed,
        ..entry
    };
    assert_eq!(
        failed.why_stale(&now("p", Some(&h1), &outputs)).unwrap(),
        "it failed last time"
    );
}

#[test]
fn state_paths_depend_on_the_workflow_file_not_its_name() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("blur.toml"), "").unwrap();
    }
    let root = Path::new("out");
    let a = StatePaths::new(root, Path::new("a/blur.toml"), dir.path());
    let b = StatePaths::new(root, Path::new("b/blur.toml"), dir.path());
    let a_again = StatePaths::new(root, &dir.path().join("a/./blur.toml"), Path::new("/"));
    assert_ne!(a.log, b.log);
    assert_eq!(a, a_again);
    assert!(a.log.starts_with("out/.flowrun"));
    let name = a.log.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("blur-") && name.ends_with(".state.jsonl"),
        "{name}"
    );
}
