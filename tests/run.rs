//! End-to-end runs of the real binary: parity with the seed job's reference files, thread-count
//! independence, failure as data, expectations, `--only`, result formats.

mod common;
use common::*;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Reference {
    workload: Workload,
    input_variance: Vec<f64>,
    output_variance: Vec<f64>,
    bmp_sha256: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Workload {
    count: u64,
    shape: [u64; 2],
    sigma: f64,
}

/// Whether this CPU makes flowrun (like numpy) use the SVML `exp` for kernels.
fn numpy_exp_is_svml() -> bool {
    use flowrun::numpy::exp::{exp_svml, numpy_exp};
    std::ptr::fn_addr_eq(numpy_exp(), exp_svml as fn(f64) -> f64)
}

fn reference(name: &str) -> Reference {
    let path = root().join("tests/fixtures/reference").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("reference file"))
        .expect("reference json")
}

/// Runs blur.toml shaped like `r` into `dir` with `jobs` threads; returns the results CSV path.
fn run_blur(r: &Reference, dir: &Path, jobs: &str) -> std::path::PathBuf {
    let wf = root().join("workflows/blur.toml");
    let out = flowrun(
        dir,
        &[
            "run",
            wf.to_str().unwrap(),
            "-j",
            jobs,
            "--set",
            &format!("source.count={}", r.workload.count),
            "--set",
            &format!(
                "source.shape=[{}, {}]",
                r.workload.shape[0], r.workload.shape[1]
            ),
            "--set",
            &format!("steps.blur.sigma={:?}", r.workload.sigma),
            "--set",
            "output.images=out/image_{index:2}.bmp",
            "--set",
            "output.results=out/results.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("out/results.csv")
}

fn check_against(r: &Reference, dir: &Path, results: &Path) {
    let input: Vec<f64> = column(results, "input_variance")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    let output: Vec<f64> = column(results, "output_variance")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(input.len() as u64, r.workload.count);
    for i in 0..input.len() {
        assert_eq!(
            input[i].to_bits(),
            r.input_variance[i].to_bits(),
            "input variance of image {i}"
        );
        let rel = (output[i] - r.output_variance[i]).abs() / r.output_variance[i].abs();
        assert!(
            rel <= 1e-15,
            "output variance of image {i}: {} vs {} (rel {rel:e})",
            output[i],
            r.output_variance[i]
        );
        if numpy_exp_is_svml() {
            // The reference was made with numpy's AVX-512 (SVML) exp, which flowrun reproduces
            // on such CPUs: then the filtered values are identical too.
            assert_eq!(
                output[i].to_bits(),
                r.output_variance[i].to_bits(),
                "output variance of image {i}"
            );
        }
        let bmp = dir.join(format!("out/image_{i:2}.bmp"));
        assert_eq!(sha256(&bmp), r.bmp_sha256[i], "bmp of image {i}");
    }
    assert_eq!(column(results, "status"), vec!["ok"; input.len()]);
}

fn parity(name: &str) {
    let r = reference(name);
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let res1 = run_blur(&r, one.path(), "1");
    let res2 = run_blur(&r, two.path(), "2");
    check_against(&r, one.path(), &res1);
    check_against(&r, two.path(), &res2);
    for col in ["input_variance", "output_variance", "output"] {
        assert_eq!(
            column(&res1, col),
            column(&res2, col),
            "-j 1 and -j 2 differ in {col}"
        );
    }
}

#[test]
fn seed_parity_3x48x64_sigma2() {
    parity("seed-3x48x64-sigma2.json");
}

#[test]
fn seed_parity_20x1024x1024_sigma10() {
    parity("seed-20x1024x1024-sigma10.json");
}

#[test]
fn the_main_job_as_written() {
    // `cargo run --release -- workflows/blur.toml` from a copy of the repo layout.
    let dir = tempfile::tempdir().unwrap();
    let wf = root().join("workflows/blur.toml");
    let out = flowrun(dir.path(), &[wf.to_str().unwrap(), "--only", "0..2", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "-q prints nothing");
    let r = reference("seed-20x1024x1024-sigma10.json");
    assert_eq!(
        sha256(&dir.path().join("out/blur/image_00.bmp")),
        r.bmp_sha256[0]
    );
    assert_eq!(
        sha256(&dir.path().join("out/blur/image_01.bmp")),
        r.bmp_sha256[1]
    );
    assert!(
        !dir.path().join("out/blur/image_02.bmp").exists(),
        "--only 0..2 runs images 0 and 1"
    );
    let (header, rows) = read_csv(&dir.path().join("out/blur/results.csv"));
    assert_eq!(
        header,
        [
            "index",
            "input",
            "status",
            "error",
            "input_variance",
            "output_variance",
            "output",
            "elapsed_ms"
        ]
    );
    assert_eq!(rows.len(), 20, "a row for every image");
    assert_eq!(&rows[1][..4], ["1", "noise:1", "ok", ""]);
    for r in &rows[2..] {
        assert_eq!(&r[2..], ["not run", "", "", "", "", ""], "{r:?}");
    }
    assert_eq!(
        rows[1][4], "0.0023454304196692984",
        "printed like Python's repr"
    );
}

#[test]
fn json_results() {
    let dir = with_file(
        "w.yaml",
        "source: {kind: noise, count: 3, shape: [5, 7]}\nmetrics:\n  m: {op: mean}\n  s: {op: sum}\n  lo: {op: min}\n  hi: {op: max}\n  sd: {op: std}\noutput: {results: out/r.json}\n",
    );
    let out = flowrun(dir.path(), &["w.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/r.json")).unwrap())
            .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["index"], 2);
    assert_eq!(rows[2]["input"], "noise:2");
    assert_eq!(rows[2]["status"], "ok");
    assert!(rows[2]["error"].is_null());
    let m = rows[2]["m"].as_f64().unwrap();
    let s = rows[2]["s"].as_f64().unwrap();
    assert!((m - s / 35.0).abs() < 1e-15, "mean = sum / n");
    assert!(rows[2]["lo"].as_f64().unwrap() <= m && m <= rows[2]["hi"].as_f64().unwrap());
}

/// The moment metrics come out the same whichever pass takes them: on their own (a variance
/// then rides along the next step's reading of its image, the result's along the BMP encoder),
/// or next to a metric or an output that makes them a pass of their own. Two steps, so the ride
/// also happens between steps, and shapes on both of the blur's paths.
#[test]
fn metrics_are_the_same_whichever_pass_takes_them() {
    for shape in ["[70, 130]", "[40, 30]"] {
        let run = |extra_metrics: &str, save: &str, images: &str| {
            let text = format!(
                "source: {{kind: noise, count: 3, shape: {shape}}}\n\
                 steps:\n  - {{op: gaussian, name: a, sigma: 4{save}}}\n  - {{op: gaussian, name: b, sigma: 5}}\n\
                 metrics:\n  iv: {{op: variance, on: input}}\n  im: {{op: mean, on: input}}\n  \
                 isd: {{op: std, on: input}}\n  av: {{op: variance, on: a}}\n  bv: {{op: variance}}\n{extra_metrics}\
                 output: {{results: out/r.csv{images}}}\n"
            );
            let dir = with_file("w.yaml", &text);
            let out = flowrun(dir.path(), &["w.yaml"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let r = dir.path().join("out/r.csv");
            ["iv", "im", "isd", "av", "bv"].map(|c| column(&r, c))
        };
        let alone = run("", "", "");
        let extrema = "  ilo: {op: min, on: input}\n  amax: {op: max, on: a}\n";
        assert_eq!(alone, run(extrema, "", ""), "{shape}");
        let save = r#", save: "out/a_{index}.bmp""#;
        let images = r#", images: "out/{index}.bmp""#;
        assert_eq!(alone, run("", save, images), "{shape}");
    }
}

/// Writes a small gray PNG with values from `f`.
fn png(path: &Path, w: u32, h: u32, f: impl Fn(u32, u32) -> u8) {
    let img = image::GrayImage::from_fn(w, h, |x, y| image::Luma([f(x, y)]));
    img.save(path).unwrap();
}

#[test]
fn a_corrupt_file_is_a_failed_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    for i in [1, 2, 10] {
        png(&d.join(format!("in/img{i}.png")), 9, 7, |x, y| {
            (x * 20 + y * 3 + i) as u8
        });
    }
    let good = std::fs::read(d.join("in/img2.png")).unwrap();
    std::fs::write(d.join("in/img3.png"), &good[..good.len() / 2]).unwrap(); // truncated
    std::fs::write(
        d.join("w.toml"),
        "[source]\nkind = \"glob\"\npattern = \"in/*.png\"\n[[steps]]\nop = \"gaussian\"\nsigma = 1.5\n[metrics]\nv = { op = \"variance\" }\n[output]\nimages = \"out/{stem}.bmp\"\nresults = \"out/results.csv\"\n",
    )
    .unwrap();
    let out = flowrun(d, &["w.toml", "-j", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        column(&d.join("out/results.csv"), "input"),
        ["in/img1.png", "in/img2.png", "in/img3.png", "in/img10.png"],
        "natural order"
    );
    assert_eq!(
        column(&d.join("out/results.csv"), "status"),
        ["ok", "ok", "failed", "ok"]
    );
    let errors = column(&d.join("out/results.csv"), "error");
    assert!(
        errors[2].contains("in/img3.png"),
        "the error names the file: {}",
        errors[2]
    );
    for stem in ["img1", "img2", "img10"] {
        assert!(d.join(format!("out/{stem}.bmp")).exists());
    }
    assert!(
        !d.join("out/img3.bmp").exists(),
        "no output for the failed image"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.join("out"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".flowrun-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
    assert!(
        stderr(&out).contains("failed: image 2 (in/img3.png)"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("4 images, 3 ok, 1 failed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn out_of_range_values_fail_the_image_not_the_run() {
    // Without clipping, noise with loc 0.99 and a large scale leaves [-1, 1]: img_as_ubyte refuses.
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"noise\"\ncount = 2\nshape = [16, 16]\nclip = false\nscale = 2.0\n[output]\nimages = \"out/{index}.bmp\"\nresults = \"out/r.csv\"\n",
    );
    let out = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let errors = column(&dir.path().join("out/r.csv"), "error");
    assert!(errors[0].contains("out/0.bmp"), "{errors:?}");
    assert!(!dir.path().join("out/0.bmp").exists());
}

#[test]
fn expectations_fail_with_the_image_and_value() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"noise\"\ncount = 3\nshape = [8, 8]\n[metrics]\nv = { op = \"variance\" }\n[expect]\nok = 3\n[expect.v]\nmax = 1e-9\n",
    );
    let out = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("expectation failed: image 0 (noise:0): `v` = "),
        "{err}"
    );
    assert!(err.contains("is above max 1e-09"), "{err}");
    let ok = flowrun(dir.path(), &["w.toml", "--set", "expect.v.max=1.0"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    // Counts are checked against the whole table: rows kept from the earlier run count.
    let only = flowrun(
        dir.path(),
        &["w.toml", "--set", "expect.v.max=1.0", "--only", "0"],
    );
    assert_eq!(only.status.code(), Some(0), "{}", stderr(&only));
    let fresh = with_file(
        "w.toml",
        &std::fs::read_to_string(dir.path().join("w.toml")).unwrap(),
    );
    let wrong_count = flowrun(
        fresh.path(),
        &["w.toml", "--set", "expect.v.max=1.0", "--only", "0"],
    );
    assert_eq!(wrong_count.status.code(), Some(1));
    assert!(
        stderr(&wrong_count).contains("expected 3 ok images, the table has 1"),
        "{}",
        stderr(&wrong_count)
    );
}

#[test]
fn bad_only_is_a_usage_error() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"noise\"\ncount = 3\nshape = [8, 8]\n[output]\nresults = \"r.csv\"\n",
    );
    let out = flowrun(dir.path(), &["w.toml", "--only", "2..9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --only `2..9` is out of range: the workflow has 3 images (0..3)\n"
    );
    let out = flowrun(dir.path(), &["w.toml", "-j", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn plan_prints_the_graph() {
    let wf = root().join("workflows/blur.toml");
    let out = flowrun(&root(), &["plan", wf.to_str().unwrap(), "--only", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "image 1
  load noise:1
       metric input_variance = variance
  -> blur: gaussian sigma=10 mode=nearest truncate=4
       metric output_variance = variance
       write out/blur/image_01.bmp
memory per worker: 1 image at the widest point
"
    );
    let dot = flowrun(&root(), &["plan", wf.to_str().unwrap(), "--format", "dot"]);
    let text = stdout(&dot);
    assert!(text.starts_with("digraph flowrun {") && text.trim_end().ends_with('}'));
    assert_eq!(
        text.matches("subgraph cluster_").count(),
        3,
        "the first 3 images by default"
    );
    let mermaid = flowrun(
        &root(),
        &[
            "plan",
            wf.to_str().unwrap(),
            "--format",
            "mermaid",
            "--only",
            "0",
        ],
    );
    assert!(stdout(&mermaid).starts_with("flowchart TD\n  subgraph img0[\"image 0\"]\n"));
}

#[test]
fn where_the_time_goes() {
    let dir = with_file(
        "w.toml",
        r#"name = "t"
[source]
kind = "noise"
count = 6
shape = [64, 48]
[[steps]]
name = "soft"
op = "gaussian"
sigma = 2
save = "out/{index}.bmp"
[[steps]]
name = "edge"
op = "subtract"
inputs = ["input", "soft"]
[metrics]
v = { op = "variance", on = "edge" }
[output]
results = "out/r.csv"
"#,
    );
    let run = flowrun(dir.path(), &["w.toml", "-v", "--progress", "never"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let out = stdout(&run);
    let line = out.lines().find(|l| l.starts_with("time: ")).expect(&out);
    for phase in ["generate ", "step soft ", "step edge ", "encode ", "write "] {
        assert!(line.contains(phase), "{phase:?} missing from {line:?}");
    }
    // The shares are those of the sidecar, which holds every phase in the order images go
    // through them.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/r.csv.meta.json")).unwrap())
            .unwrap();
    let phases = meta["time"]["phases"].as_array().unwrap();
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "check",
            "generate",
            "step soft",
            "step edge",
            "metrics",
            "encode",
            "write"
        ]
    );
    let total: f64 = phases.iter().map(|p| p["s"].as_f64().unwrap()).sum();
    let workers = meta["time"]["workers_s"].as_f64().unwrap();
    assert!(
        (total - workers).abs() <= 1e-9 * workers.max(1.0),
        "{total} vs {workers}"
    );
    let shares: f64 = phases.iter().map(|p| p["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");
    assert!(phases[2]["s"].as_f64().unwrap() > 0.0);
    // Without -v there is no breakdown.
    let quiet = flowrun(dir.path(), &["w.toml", "--force", "--progress", "never"]);
    assert!(!stdout(&quiet).contains("time: "), "{}", stdout(&quiet));
}
