//! The run report: written at the end of a run, rebuilt by `flowrun report`, failures first,
//! every user string escaped, nothing loaded from elsewhere, and small at 50 000 images.

mod common;
use common::*;
use std::path::Path;

/// The table's data blob of a page.
fn data(page: &str) -> serde_json::Value {
    let start = page
        .find(r#"<script type="application/json" id="data">"#)
        .expect("the data blob");
    let rest = &page[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(body).expect("the blob is JSON")
}

/// Row `k`'s input and first output link, whole (the data holds them without their common
/// prefix).
fn input_and_link(v: &serde_json::Value, k: usize) -> (String, String) {
    let row = &v["rows"][k];
    let input = format!(
        "{}{}",
        v["prefix"]["input"].as_str().unwrap(),
        row[1].as_str().unwrap()
    );
    let n = v["metrics"].as_array().unwrap().len();
    let link = match row[4 + n].as_str() {
        Some(l) => format!("{}{l}", v["prefix"]["outputs"][0].as_str().unwrap()),
        None => String::new(),
    };
    (input, link)
}

/// Every `src`, `href` and `url(` of the page points inside it (data URIs) or at a local file.
fn assert_self_contained(page: &str) {
    for attr in ["src=\"", "href=\"", "url("] {
        for (at, _) in page.match_indices(attr) {
            let value = &page[at + attr.len()..];
            assert!(
                value.starts_with("data:") || value.starts_with('#') || value.starts_with("url(#"),
                "external reference: {}",
                &value[..value.len().min(60)]
            );
        }
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("@import"));
}

fn png(path: &Path, w: u32, h: u32, f: impl Fn(u32, u32) -> u8) {
    let img = image::GrayImage::from_fn(w, h, |x, y| image::Luma([f(x, y)]));
    img.save(path).unwrap();
}

const WORKFLOW: &str = "name = \"cells <&>\"\n[source]\nkind = \"glob\"\npattern = \"in/*.png\"\n[[steps]]\nop = \"gaussian\"\nname = \"blur\"\nsigma = 1.0\n[metrics]\nmean = { op = \"mean\", on = \"input\" }\nv = { op = \"variance\" }\n[output]\nimages = \"out/img/{stem}.png\"\nresults = \"out/results.csv\"\nreport = \"out/report/{name}.html\"\n";

#[test]
fn a_run_writes_the_report_failures_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    for i in 0..6u32 {
        png(&d.join(format!("in/img{i}.png")), 40, 30, |x, y| {
            (x * 3 + y * 2 + i * 10) as u8
        });
    }
    // A bright outlier, a name that is markup, and a corrupt file.
    png(&d.join("in/img6 <b>\"x\".png"), 40, 30, |_, _| 255);
    std::fs::write(d.join("in/img7.png"), b"\x89PNG\r\n\x1a\n broken").unwrap();
    std::fs::write(d.join("w.toml"), WORKFLOW).unwrap();
    let out = flowrun(d, &["w.toml", "-j", "2", "-v"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("; report in out/report/cells <&>.html"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("\nreport: "), "{}", stdout(&out));
    let path = d.join("out/report/cells <&>.html");
    let page = std::fs::read_to_string(&path).unwrap();
    assert_self_contained(&page);
    // Escaped everywhere: the workflow name and the file name never appear as markup.
    assert!(page.contains("<h1>cells &lt;&amp;&gt;</h1>"));
    assert!(!page.contains("<b>\"x\""));
    assert!(page.contains("img6 &lt;b&gt;&quot;x&quot;.png"));
    // The failure is listed before the metrics, with its message.
    let fails = page.find("id=\"failures\"").unwrap();
    let metrics = page.find("id=\"metrics\"").unwrap();
    let img7 = page.find("in/img7.png").unwrap();
    assert!(fails < img7 && img7 < metrics, "the failure comes first");
    assert!(page.contains("Failures (1)"));
    // One row per image in the data, links relative to the page, thumbnails inline.
    let v = data(&page);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let status = v["status"].as_array().unwrap();
    let failed: Vec<usize> = (0..rows.len())
        .filter(|&k| status[rows[k][2].as_u64().unwrap() as usize] == "failed")
        .collect();
    assert_eq!(failed, [7]);
    assert_eq!(input_and_link(&v, 7), ("in/img7.png".into(), String::new()));
    assert_eq!(input_and_link(&v, 0).1, "../img/img0.png");
    assert!(input_and_link(&v, 6).1.contains("%3Cb%3E"));
    let thumbs = v["thumbs"].as_object().unwrap();
    assert_eq!(thumbs.len(), 7, "every image that loaded has thumbnails");
    assert!(thumbs["0"][0]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    assert!(thumbs["0"][1]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    // The two plots of each metric and the time bars.
    assert_eq!(page.matches("aria-label=\"histogram of").count(), 2);
    assert_eq!(page.matches("by image index\"").count(), 2);
    assert!(page.contains("aria-label=\"time per phase\""));
    assert!(page.contains("aria-label=\"per-image graph\""));

    // Rebuilt from the files alone, to another place: the same rows, thumbnails from the files.
    let again = flowrun(d, &["report", "w.toml", "-o", "elsewhere/r.html"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stdout(&again).starts_with("report in elsewhere/r.html ("));
    let page2 = std::fs::read_to_string(d.join("elsewhere/r.html")).unwrap();
    let v2 = data(&page2);
    assert_eq!(v2["rows"].as_array().unwrap().len(), 8);
    assert_eq!(input_and_link(&v2, 0).1, "../out/img/img0.png");
    assert_eq!(v2["thumbs"].as_object().unwrap().len(), 7);
}

#[test]
fn report_needs_a_results_table() {
    let text = WORKFLOW.replace("results = \"out/results.csv\"\n", "");
    let dir = with_file("w.toml", &text);
    let out = flowrun(dir.path(), &["check", "w.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("the report is made from the results table, and the workflow has none"),
        "{}",
        stderr(&out)
    );
    let bad = WORKFLOW.replace("{name}.html", "r.htm");
    let dir = with_file("w.toml", &bad);
    let out = flowrun(dir.path(), &["check", "w.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the report `out/report/r.htm` must be an `.html` file"));
    // `flowrun report` before any run: no table yet.
    let dir = with_file("w.toml", WORKFLOW);
    std::fs::create_dir(dir.path().join("in")).unwrap();
    png(&dir.path().join("in/a.png"), 4, 4, |x, _| x as u8);
    let out = flowrun(dir.path(), &["report", "w.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no results table at `out/results.csv`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_table_edited_by_hand_still_gives_a_page() {
    let dir = with_file("w.toml", WORKFLOW);
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    png(&d.join("in/a.png"), 4, 4, |x, _| x as u8 * 10);
    let out = flowrun(d, &["w.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A column dropped, a number garbled, an unknown status, a missing sidecar.
    std::fs::write(
        d.join("out/results.csv"),
        "index,input,status,error,mean\n0,in/a.png,ok,,zero\nx,\"q,\"\"\",weird,\n18446744073709551615,,ok,,1e308\n",
    )
    .unwrap();
    std::fs::remove_file(d.join("out/results.csv.meta.json")).unwrap();
    let out = flowrun(d, &["report", "w.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(d.join("out/report/cells <&>.html")).unwrap();
    assert!(
        page.contains("lacks the columns <code>v</code>, <code>output</code>"),
        "{page}"
    );
    assert!(page.contains("No run details"));
    assert_eq!(data(&page)["rows"].as_array().unwrap().len(), 3);
}

/// 50 000 images: the page stays a few MB (no compute: a generated table of tiny images).
#[test]
fn fifty_thousand_rows_stay_small() {
    let dir = with_file(
        "w.toml",
        "name = \"big\"\n[source]\nkind = \"noise\"\ncount = 50000\nshape = [64, 64]\n[[steps]]\nop = \"gaussian\"\nsigma = 1.0\n[metrics]\ninput_variance = { op = \"variance\", on = \"input\" }\noutput_variance = { op = \"variance\" }\n[output]\nimages = \"out/img/image_{index:05}.png\"\nresults = \"out/results.csv\"\nreport = \"out/report.html\"\n",
    );
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    let mut csv =
        String::from("index,input,status,error,input_variance,output_variance,output,elapsed_ms\n");
    for i in 0..50_000u64 {
        let x = (i as f64 * 0.618_033_988_7).fract();
        if i % 997 == 13 {
            csv.push_str(&format!(
                "{i},noise:{i},failed,\"noise:{i}: image {i} failed, on purpose\",,,,0.105\n"
            ));
            continue;
        }
        // A few far outliers among values spread around 0.0025.
        let v = if i % 1999 == 7 {
            0.5
        } else {
            0.0025 + 0.0001 * x
        };
        csv.push_str(&format!(
            "{i},noise:{i},ok,,{v},{},out/img/image_{i:05}.png,0.{:03}\n",
            v * 1e-3,
            i % 1000
        ));
    }
    std::fs::write(d.join("out/results.csv"), csv).unwrap();
    let out = flowrun(d, &["report", "w.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    let size = page.len();
    assert!(size < 5_000_000, "the page is {size} bytes");
    let v = data(&page);
    assert_eq!(v["rows"].as_array().unwrap().len(), 50_000);
    assert_eq!(
        input_and_link(&v, 49_999),
        ("noise:49999".into(), "img/image_49999.png".into())
    );
    let thumbs = v["thumbs"].as_object().unwrap().len();
    assert!((100..=200).contains(&thumbs), "{thumbs} thumbnails");
    assert!(page.contains("Failures (51)"));
    assert_self_contained(&page);
}
