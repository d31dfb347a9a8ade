//! The page, assembled: the header (workflow, counts, times, graph), the failures, each metric
//! (histogram, metric by index, outliers with thumbnails), where the time went, and the table of
//! every image (data for the script). Sizes stay bounded whatever the number of images: the plots
//! are binned, thumbnails are kept for a sample plus the first outliers and failures, and the
//! rows are one compact JSON array the script pages through.

use super::data::{RunMeta, Table, TableRow};
use super::html::{esc, script_json, CSS, JS};
use super::stats::{self, ColumnStats, MAD_SCALE, OUTLIER_MADS};
use super::svg::{self, num};
use super::thumbs::{self, Pair};
use super::ReportInputs;
use crate::plan::Plan;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Thumbnails for at most this many outliers (over all metrics) and failures, besides the sample.
const OUTLIER_THUMBS: usize = 50;
const FAILURE_THUMBS: usize = 50;
/// At most this many failures and outliers (per metric) are listed by name on the page; the
/// table holds them all.
const FAILURES_LISTED: usize = 200;
const OUTLIERS_LISTED: usize = 24;

pub struct Rendered {
    pub html: String,
    pub thumbnails: usize,
    pub from_files: usize,
}

/// One metric column, ready to draw.
struct Metric {
    name: String,
    values: Vec<Option<f64>>,
    stats: ColumnStats,
}

pub fn render(
    plan: &Plan,
    table: &Table,
    meta: Result<RunMeta, String>,
    inputs: &ReportInputs,
    path: &Path,
) -> Rendered {
    let rows = &table.rows;
    let metrics: Vec<Metric> = table
        .metric_columns
        .iter()
        .enumerate()
        .map(|(m, name)| {
            let values: Vec<Option<f64>> = rows
                .iter()
                .map(|r| r.metrics.get(m).copied().flatten())
                .collect();
            let stats = stats::column(&values);
            Metric {
                name: name.clone(),
                values,
                stats,
            }
        })
        .collect();
    let failed: Vec<usize> = (0..rows.len()).filter(|&k| rows[k].failed()).collect();
    let (shots, from_files) = thumbnails(plan, rows, &metrics, &failed, inputs);
    let uris: BTreeMap<u64, [Option<String>; 2]> = shots
        .iter()
        .map(|(i, pair)| {
            (
                *i,
                [
                    pair[0].as_deref().map(thumbs::data_uri),
                    pair[1].as_deref().map(thumbs::data_uri),
                ],
            )
        })
        .collect();

    let mut h = String::with_capacity(64 * 1024 + rows.len() * 96);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{} — flowrun report</title><style>{CSS}</style></head><body><main>",
        esc(&plan.name)
    );
    header(&mut h, plan, table, &meta);
    failures(&mut h, rows, &failed, &uris);
    h.push_str("<h2 id=\"metrics\">Metrics</h2>");
    if metrics.is_empty() {
        h.push_str("<p class=\"ok-note\">The workflow has no metrics.</p>");
    }
    for m in &metrics {
        metric(&mut h, m, rows, &uris);
    }
    time(&mut h, &meta);
    images(&mut h, plan, table, &uris, path);
    let _ = write!(
        h,
        "<footer>Outliers are values farther than {OUTLIER_MADS} scaled MADs from the median of their column; the scaled MAD is {MAD_SCALE} × the median of |value − median| (the standard deviation, for normal data). Thumbnails are shown for {} images spread evenly over the run, and for the first outliers and failures, each stretched to its own range (darkest black, brightest white); values in the table are rounded to 6 digits (the results table has them exactly). Made by flowrun {} — one file, nothing loaded from the network.</footer></main>",
        thumbs::SAMPLE,
        env!("CARGO_PKG_VERSION")
    );
    h.push_str("<script type=\"application/json\" id=\"data\">");
    h.push_str(&script_json(&table_json(table, &uris, path)));
    let _ = writeln!(h, "</script><script>{JS}</script></body></html>");
    Rendered {
        html: h,
        thumbnails: uris.len(),
        from_files,
    }
}

/// The thumbnails to show, by image index: those the run made, and for the sample, the first
/// outliers and failures it did not, made from the files. Returns them and how many were made
/// from files.
fn thumbnails(
    plan: &Plan,
    rows: &[TableRow],
    metrics: &[Metric],
    failed: &[usize],
    inputs: &ReportInputs,
) -> (BTreeMap<u64, Pair>, usize) {
    let n = rows.len();
    let mut want: BTreeSet<usize> = stats::sample(n, thumbs::SAMPLE).collect();
    // Outliers, the most extreme of each metric first, taking turns.
    let mut picked = 0;
    for rank in 0.. {
        let mut any = false;
        for m in metrics {
            if let Some(&k) = m.stats.outliers.get(rank) {
                any = true;
                if picked < OUTLIER_THUMBS && want.insert(k) {
                    picked += 1;
                }
            }
        }
        if !any || picked >= OUTLIER_THUMBS {
            break;
        }
    }
    want.extend(failed.iter().take(FAILURE_THUMBS));
    let made: Vec<(u64, Pair, bool)> = want
        .into_par_iter()
        .filter_map(|k| {
            let r = &rows[k];
            if let Some(p) = inputs.shots.by_index.get(&r.index) {
                return Some((r.index, p.clone(), false));
            }
            // Only a row that is this plan's image `index` (the table may be older or edited).
            let pos = usize::try_from(r.index)
                .ok()
                .filter(|&p| p < plan.job_count())?;
            if plan.job(pos).input_label() != r.input {
                return None;
            }
            let outputs = if r.status == "ok" {
                &r.outputs[..]
            } else {
                &[]
            };
            let pair = thumbs::from_files(plan, pos, outputs);
            Some((r.index, pair, true))
        })
        .collect();
    let from_files = made.iter().filter(|m| m.2).count();
    let map = made
        .into_iter()
        .filter(|(_, p, _)| p.iter().any(Option::is_some))
        .map(|(i, p, _)| (i, p))
        .collect();
    (map, from_files)
}

fn header(h: &mut String, plan: &Plan, table: &Table, meta: &Result<RunMeta, String>) {
    let _ = write!(
        h,
        "<header><h1>{}</h1><p class=\"sub\">workflow <code>{}</code> · blake3 <code title=\"{}\">{}</code>",
        esc(&plan.name),
        esc(&plan.workflow_file),
        esc(&plan.workflow_hash),
        esc(plan.workflow_hash.get(..12).unwrap_or(&plan.workflow_hash)),
    );
    match meta {
        Ok(m) => {
            let _ = write!(h, " · flowrun {}", esc(&m.flowrun_version));
            if let Some(t) = m.written {
                let _ = write!(h, " · run finished {}", esc(&crate::timefmt::utc_text(t)));
            }
            if let Some(c) = m.cores {
                let _ = write!(h, " · {c} {}", if c == 1 { "core" } else { "cores" });
            }
            if !m.workflow_hash.is_empty() && m.workflow_hash != plan.workflow_hash {
                h.push_str("</p><p class=\"sub\"><b>Note:</b> the workflow changed since this table was written; rerun it to bring the table up to date.");
            }
        }
        Err(e) => {
            let _ = write!(h, "</p><p class=\"sub\">No run details: {}.", esc(e));
        }
    }
    h.push_str("</p><div class=\"cards\">");
    let count = |s: &str| table.rows.iter().filter(|r| r.status == s).count();
    let (ok, failed) = (count("ok"), count("failed"));
    let other = table.rows.len() - ok - failed;
    let mut card = |value: String, what: &str, bad: bool| {
        let _ = write!(
            h,
            "<div class=\"card{}\"><b>{}</b><span>{}</span></div>",
            if bad { " bad" } else { "" },
            esc(&value),
            esc(what)
        );
    };
    card(table.rows.len().to_string(), "images", false);
    card(ok.to_string(), "ok", false);
    card(failed.to_string(), "failed", failed > 0);
    if other > 0 {
        card(other.to_string(), "not run or outdated", false);
    }
    if let Ok(m) = meta {
        card(m.skipped.to_string(), "skipped (up to date)", false);
        card(format!("{} s", num(m.elapsed_s)), "wall time", false);
        let ran = m.ok + m.failed - m.skipped.min(m.ok);
        if m.elapsed_s > 0.0 {
            card(
                format!("{}/s", num(ran as f64 / m.elapsed_s)),
                "images computed per second",
                false,
            );
        }
    }
    h.push_str("</div>");
    let _ = write!(
        h,
        "<div class=\"box\"><h3>Per-image graph</h3>{}</div></header>",
        svg::graph(plan)
    );
}

fn failures(
    h: &mut String,
    rows: &[TableRow],
    failed: &[usize],
    uris: &BTreeMap<u64, [Option<String>; 2]>,
) {
    let _ = write!(h, "<h2 id=\"failures\">Failures ({})</h2>", failed.len());
    if failed.is_empty() {
        h.push_str("<p class=\"ok-note\">No image failed.</p>");
        return;
    }
    h.push_str("<ol class=\"fails\">");
    for &k in failed.iter().take(FAILURES_LISTED) {
        let r = &rows[k];
        h.push_str("<li>");
        if uris.get(&r.index).is_some_and(|u| u[0].is_some()) {
            let _ = write!(
                h,
                "<img class=\"th\" data-th=\"{}\" data-k=\"0\" alt=\"\">",
                r.index
            );
        }
        let _ = write!(
            h,
            "<span><b>image {}</b> <code>{}</code><br><span class=\"msg\">{}</span></span></li>",
            r.index,
            esc(&r.input),
            esc(&r.error)
        );
    }
    h.push_str("</ol>");
    if failed.len() > FAILURES_LISTED {
        let _ = write!(
            h,
            "<p class=\"ok-note\">… and {} more: filter the table below by status <i>failed</i>.</p>",
            failed.len() - FAILURES_LISTED
        );
    }
}

fn metric(
    h: &mut String,
    m: &Metric,
    rows: &[TableRow],
    uris: &BTreeMap<u64, [Option<String>; 2]>,
) {
    let s = &m.stats;
    let _ = write!(h, "<div class=\"metric\"><h3>{}</h3>", esc(&m.name));
    if s.n == 0 {
        let _ = write!(
            h,
            "<p class=\"facts\">No value to plot ({} not a number).</p></div>",
            s.non_finite
        );
        return;
    }
    let _ = write!(
        h,
        "<p class=\"facts\">{} values · median {} · scaled MAD {} · min {} · max {} · <b>{} {}</b> beyond {} scaled MADs{}</p><div class=\"plots\">",
        s.n,
        num(s.median),
        num(s.scaled_mad),
        num(s.min),
        num(s.max),
        s.outliers.len(),
        if s.outliers.len() == 1 { "outlier" } else { "outliers" },
        OUTLIER_MADS,
        if s.non_finite > 0 {
            format!(" · {} not a number", s.non_finite)
        } else {
            String::new()
        }
    );
    if let Some(hist) = stats::histogram(&m.values, s.min, s.max) {
        h.push_str(&svg::histogram(&hist, s, &m.name));
    }
    let points: Vec<(u64, f64)> = m
        .values
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.filter(|v| v.is_finite()).map(|v| (rows[k].index, v)))
        .collect();
    // Outliers by their place among the plotted points.
    let out_rows: BTreeSet<usize> = s.outliers.iter().copied().collect();
    let point_rows: Vec<usize> = m
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_some_and(f64::is_finite))
        .map(|(k, _)| k)
        .collect();
    let is_out = |p: usize| out_rows.contains(&point_rows[p]);
    let last = rows
        .iter()
        .map(|r| r.index)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    h.push_str(&svg::by_index(&points, &is_out, s, &m.name, last));
    h.push_str("</div>");
    if !s.outliers.is_empty() {
        h.push_str("<div class=\"outl\">");
        for &k in s.outliers.iter().take(OUTLIERS_LISTED) {
            let r = &rows[k];
            let v = m.values[k].unwrap_or(f64::NAN);
            let z = (v - s.median) / s.scaled_mad;
            let _ = write!(h, "<figure title=\"{}\">", esc(&r.input));
            if let Some(u) = uris.get(&r.index) {
                let which = if u[1].is_some() { 1 } else { 0 };
                if u[which].is_some() {
                    let _ = write!(
                        h,
                        "<img class=\"th\" data-th=\"{}\" data-k=\"{which}\" alt=\"\">",
                        r.index
                    );
                }
            }
            let _ = write!(
                h,
                "image {}<br>{} <b>({}{:.1})</b></figure>",
                r.index,
                num(v),
                if z > 0.0 { "+" } else { "" },
                z
            );
        }
        if s.outliers.len() > OUTLIERS_LISTED {
            let _ = write!(
                h,
                "<p class=\"ok-note\">… and {} more (sort the table by this column).</p>",
                s.outliers.len() - OUTLIERS_LISTED
            );
        }
        h.push_str("</div>");
    }
    h.push_str("</div>");
}

fn time(h: &mut String, meta: &Result<RunMeta, String>) {
    h.push_str("<h2 id=\"time\">Where the time goes</h2>");
    match meta {
        Ok(m) if m.workers_s > 0.0 && !m.phases.is_empty() => {
            let _ = write!(
                h,
                "<div class=\"box\"><p class=\"facts\">{} s of worker time over the images this run computed, in {} s of wall time; each phase's total over the workers and its share (clocks read once per phase per image).</p>{}</div>",
                num(m.workers_s),
                num(m.elapsed_s),
                svg::phases(&m.phases)
            );
        }
        Ok(_) => h.push_str("<p class=\"ok-note\">The last run computed no image (all up to date), so it timed nothing.</p>"),
        Err(_) => h.push_str("<p class=\"ok-note\">No times: the results table's sidecar is missing.</p>"),
    }
}

fn images(
    h: &mut String,
    plan: &Plan,
    table: &Table,
    uris: &BTreeMap<u64, [Option<String>; 2]>,
    path: &Path,
) {
    let _ = write!(h, "<h2 id=\"images\">Images ({})</h2>", table.rows.len());
    if !table.missing.is_empty() {
        let missing: Vec<String> = table
            .missing
            .iter()
            .map(|c| format!("<code>{}</code>", esc(c)))
            .collect();
        let _ = write!(
            h,
            "<p class=\"ok-note\">The results table lacks the columns {} (it was written by another version of the workflow, or edited).</p>",
            missing.join(", ")
        );
    }
    let mut statuses: Vec<&str> = table.rows.iter().map(|r| r.status.as_str()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    h.push_str("<div class=\"controls\"><label>status <select id=\"status\"><option value=\"\">all</option>");
    for s in statuses {
        let _ = write!(h, "<option value=\"{0}\">{0}</option>", esc(s));
    }
    let _ = write!(
        h,
        "</select></label><button id=\"prev\" type=\"button\">‹ previous</button><button id=\"next\" type=\"button\">next ›</button><span id=\"pageinfo\"></span><span id=\"js-ok\" class=\"ok-note\">the table needs JavaScript</span></div><div class=\"tblwrap\"><table id=\"tbl\"><thead><tr><th class=\"num\">index</th><th>input</th><th>status</th><th>error</th>"
    );
    for c in &table.metric_columns {
        let _ = write!(h, "<th class=\"num\">{}</th>", esc(c));
    }
    for c in &table.output_columns {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("<th class=\"num\">ms</th><th data-nosort>input</th><th data-nosort>result</th></tr></thead><tbody></tbody></table></div>");
    let _ = (plan, uris, path);
}

/// The table for the script: `{metrics, outputs, status, prefix, rows, thumbs}`, each row
/// `[index, input, status (index into status), error, metrics…, output links…, ms]`, the input
/// and the links without the prefix every row's shares (`prefix`: the input's, then each
/// output's), which is most of their length with many images.
fn table_json(table: &Table, uris: &BTreeMap<u64, [Option<String>; 2]>, path: &Path) -> String {
    use serde_json::{json, Value};
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = crate::sinks::atomic::parent_dir(path);
    let mut statuses: Vec<&str> = Vec::new();
    let links: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            r.outputs
                .iter()
                .map(|o| {
                    if o.is_empty() {
                        String::new()
                    } else {
                        href(&super::relative_link(&cwd, dir, Path::new(o)))
                    }
                })
                .collect()
        })
        .collect();
    // An empty input (a hand-edited table) leaves no prefix to share.
    let input_prefix = if table.rows.iter().any(|r| r.input.is_empty()) {
        ""
    } else {
        common_prefix(table.rows.iter().map(|r| r.input.as_str()))
    };
    let output_prefix: Vec<&str> = (0..table.output_columns.len())
        .map(|o| common_prefix(links.iter().filter_map(|l| l.get(o).map(String::as_str))))
        .collect();
    let rows: Vec<Value> = table
        .rows
        .iter()
        .zip(&links)
        .map(|(r, links)| {
            let st = match statuses.iter().position(|s| *s == r.status) {
                Some(p) => p,
                None => {
                    statuses.push(&r.status);
                    statuses.len() - 1
                }
            };
            let mut v = Vec::with_capacity(5 + r.metrics.len() + r.outputs.len());
            v.push(json!(r.index));
            v.push(json!(r.input.get(input_prefix.len()..).unwrap_or_default()));
            v.push(json!(st));
            v.push(json!(r.error));
            for m in &r.metrics {
                v.push(match m {
                    Some(x) if x.is_finite() => json!(round6(*x)),
                    _ => Value::Null,
                });
            }
            for (o, l) in links.iter().enumerate() {
                v.push(if l.is_empty() {
                    Value::Null
                } else {
                    json!(l.get(output_prefix[o].len()..).unwrap_or_default())
                });
            }
            v.push(
                r.elapsed_ms
                    .map_or(Value::Null, |ms| json!((ms * 10.0).round() / 10.0)),
            );
            Value::Array(v)
        })
        .collect();
    let thumbs: serde_json::Map<String, Value> = uris
        .iter()
        .map(|(i, u)| (i.to_string(), json!(u)))
        .collect();
    json!({
        "metrics": table.metric_columns,
        "outputs": table.output_columns,
        "status": statuses,
        "prefix": { "input": input_prefix, "outputs": output_prefix },
        "rows": rows,
        "thumbs": thumbs,
    })
    .to_string()
}

/// The longest prefix of every non-empty string (cut at a character boundary).
fn common_prefix<'a>(mut all: impl Iterator<Item = &'a str>) -> &'a str {
    let Some(mut p) = all.find(|s| !s.is_empty()) else {
        return "";
    };
    for s in all.filter(|s| !s.is_empty()) {
        let n = p
            .char_indices()
            .zip(s.chars())
            .find(|((_, a), b)| a != b)
            .map_or(p.len().min(s.len()), |((i, _), _)| i);
        p = &p[..n];
        if p.is_empty() {
            break;
        }
    }
    p
}

/// `v` to 6 significant digits (the page shows values, the results table keeps them exact).
fn round6(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap_or(v)
}

/// A path as a link: every byte but unreserved ones and `/` percent-encoded.
fn href(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_rounding() {
        assert_eq!(href("a b/<x>.png"), "a%20b/%3Cx%3E.png");
        assert_eq!(round6(0.0022211370832377), 0.00222114);
        assert_eq!(round6(-1.0), -1.0);
        let p = |v: &[&'static str]| common_prefix(v.iter().copied());
        assert_eq!(p(&["noise:1", "noise:10", "", "noise:2"]), "noise:");
        assert_eq!(p(&["img/a", "img/a"]), "img/a");
        assert_eq!(p(&["img/ab", "img/a"]), "img/a");
        assert_eq!(p(&["é1", "é2"]), "é");
        assert_eq!(p(&["", ""]), "");
    }
}
