//! The page's pictures, as inline SVG written by hand: a histogram, a metric against the image
//! index, the time per phase, and the per-image graph. Colours come from CSS classes the page
//! defines (so light and dark mode restyle them); every label is escaped.

use super::html::esc;
use super::stats::{ColumnStats, Histogram, OUTLIER_MADS};
use crate::plan::{NodeRef, Plan};
use std::fmt::Write as _;

const W: f64 = 420.0;
const H: f64 = 190.0;
/// Margins: left (for the axis labels), right, top, bottom.
const ML: f64 = 58.0;
const MR: f64 = 10.0;
const MT: f64 = 10.0;
const MB: f64 = 34.0;
/// At most this many points are drawn one by one in the index plot; more are binned by index
/// into one min–max segment per pixel column.
const MAX_POINTS: usize = 1000;

/// A number in at most 4 significant digits.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.3e}")
    }
}

fn open(out: &mut String, label: &str) {
    let _ = write!(
        out,
        r#"<svg class="plot" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        esc(label)
    );
}

/// The frame and the axis labels: x from `x0` to `x1`, y from `y0` to `y1`.
fn axes(out: &mut String, (x0, x1): (String, String), (y0, y1): (String, String), xname: &str) {
    let (l, r, t, b) = (ML, W - MR, MT, H - MB);
    let _ = write!(
        out,
        r#"<path class="ax" d="M{l} {t}V{b}H{r}"/><text class="tk" x="{l}" y="{}" text-anchor="start">{}</text><text class="tk" x="{r}" y="{}" text-anchor="end">{}</text><text class="tk" x="{}" y="{}" text-anchor="middle">{}</text><text class="tk" x="{}" y="{b}" text-anchor="end">{}</text><text class="tk" x="{}" y="{}" text-anchor="end">{}</text>"#,
        b + 14.0,
        esc(&x0),
        b + 14.0,
        esc(&x1),
        (l + r) / 2.0,
        b + 28.0,
        esc(xname),
        l - 4.0,
        esc(&y0),
        l - 4.0,
        t + 8.0,
        esc(&y1),
    );
}

/// The histogram of a metric, with its median and the outlier thresholds marked.
pub fn histogram(h: &Histogram, s: &ColumnStats, column: &str) -> String {
    let mut out = String::new();
    open(&mut out, &format!("histogram of {column}"));
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (lo, hi) = (h.lo, h.hi());
    let pw = W - ML - MR;
    let ph = H - MT - MB;
    let x = |v: f64| ML + (v - lo) / (hi - lo) * pw;
    let bw = pw / h.counts.len() as f64;
    for (i, &c) in h.counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let bh = c as f64 / top * ph;
        let _ = write!(
            out,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}–{}: {c}</title></rect>"#,
            ML + i as f64 * bw + 0.5,
            H - MB - bh,
            (bw - 1.0).max(0.5),
            bh,
            num(lo + i as f64 * h.width),
            num(lo + (i + 1) as f64 * h.width),
        );
    }
    let mut mark = |v: f64, class: &str| {
        if v.is_finite() && v >= lo && v <= hi {
            let _ = write!(
                out,
                r#"<path class="{class}" d="M{:.1} {MT}V{}"/>"#,
                x(v),
                H - MB
            );
        }
    };
    mark(s.median, "med");
    if s.scaled_mad > 0.0 {
        mark(s.median - OUTLIER_MADS * s.scaled_mad, "thr");
        mark(s.median + OUTLIER_MADS * s.scaled_mad, "thr");
    }
    axes(
        &mut out,
        (num(lo), num(hi)),
        ("0".into(), format!("{top}")),
        column,
    );
    out.push_str("</svg>");
    out
}

/// A metric against the image index: one dot per image (outliers in the outlier colour), or for
/// many images one min–max segment per pixel column, the outliers still drawn one by one.
pub fn by_index(
    values: &[(u64, f64)],
    outlier: &dyn Fn(usize) -> bool,
    s: &ColumnStats,
    column: &str,
    n_rows: u64,
) -> String {
    let mut out = String::new();
    open(&mut out, &format!("{column} by image index"));
    let (lo, hi) = if s.max > s.min {
        (s.min, s.max)
    } else {
        (s.min - 0.5, s.min + 0.5)
    };
    let last = n_rows.saturating_sub(1).max(1) as f64;
    let pw = W - ML - MR;
    let ph = H - MT - MB - 6.0;
    let x = |i: u64| ML + i as f64 / last * pw;
    let y = |v: f64| H - MB - 3.0 - (v - lo) / (hi - lo) * ph;
    if s.scaled_mad > 0.0 {
        let band = (s.median - OUTLIER_MADS * s.scaled_mad).max(lo);
        let top = (s.median + OUTLIER_MADS * s.scaled_mad).min(hi);
        if top > band {
            let _ = write!(
                out,
                r#"<rect class="band" x="{ML}" y="{:.1}" width="{pw}" height="{:.1}"/>"#,
                y(top),
                y(band) - y(top)
            );
        }
    }
    if values.len() <= MAX_POINTS {
        for (k, &(i, v)) in values.iter().enumerate() {
            let class = if outlier(k) { "pt out" } else { "pt" };
            let _ = write!(
                out,
                r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="2.5"><title>image {i}: {}</title></circle>"#,
                x(i),
                y(v),
                num(v)
            );
        }
    } else {
        // Per pixel column, the span of the values and the span of the outliers among them.
        let cols = pw as usize;
        let empty = (f64::INFINITY, f64::NEG_INFINITY);
        let mut span = vec![empty; cols + 1];
        let mut outs = vec![empty; cols + 1];
        for (k, &(i, v)) in values.iter().enumerate() {
            let c = (((i as f64 / last) * cols as f64) as usize).min(cols);
            let s = if outlier(k) {
                &mut outs[c]
            } else {
                &mut span[c]
            };
            s.0 = s.0.min(v);
            s.1 = s.1.max(v);
        }
        for (spans, class) in [(&span, "seg"), (&outs, "seg out")] {
            let mut d = String::new();
            for (c, &(a, b)) in spans.iter().enumerate() {
                if a <= b {
                    let _ = write!(
                        d,
                        "M{:.1} {:.1}V{:.1}",
                        ML + c as f64,
                        y(a) + 1.0,
                        y(b) - 1.0
                    );
                }
            }
            if !d.is_empty() {
                let _ = write!(out, r#"<path class="{class}" d="{d}"/>"#);
            }
        }
    }
    axes(
        &mut out,
        ("0".into(), format!("{}", n_rows.saturating_sub(1))),
        (num(lo), num(hi)),
        "image index",
    );
    out.push_str("</svg>");
    out
}

/// Horizontal bars: each phase's seconds and share.
pub fn phases(phases: &[(String, f64, f64)]) -> String {
    let row = 22.0;
    let label_w = 150.0;
    let bar_w = 300.0;
    let h = row * phases.len() as f64 + 6.0;
    let width = label_w + bar_w + 170.0;
    let mut out = format!(
        r#"<svg class="plot" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" aria-label="time per phase">"#
    );
    let top = phases.iter().map(|p| p.2).fold(0.0, f64::max).max(1e-12);
    for (k, (name, s, share)) in phases.iter().enumerate() {
        let y = 3.0 + k as f64 * row;
        let _ = write!(
            out,
            r#"<text class="lb" x="{}" y="{:.1}" text-anchor="end">{}</text><rect class="bar" x="{label_w}" y="{:.1}" width="{:.1}" height="{:.1}"/><text class="lb" x="{:.1}" y="{:.1}">{} s · {:.1} %</text>"#,
            label_w - 6.0,
            y + 15.0,
            esc(name),
            y + 3.0,
            (share / top * bar_w).max(1.0),
            row - 6.0,
            label_w + (share / top * bar_w).max(1.0) + 6.0,
            y + 15.0,
            num(*s),
            share * 100.0
        );
    }
    out.push_str("</svg>");
    out
}

/// The per-image graph: the input and the steps in layers by depth (a step one deeper than the
/// deepest image it reads), an arrow for each image a step reads, and each node's metrics and
/// writes listed under it.
pub fn graph(plan: &Plan) -> String {
    let n = plan.steps.len() + 1;
    let mut depth = vec![0usize; n];
    for (s, st) in plan.steps.iter().enumerate() {
        depth[s + 1] = st
            .inputs
            .iter()
            .map(|i| depth[i.index()] + 1)
            .max()
            .unwrap_or(1);
    }
    let layers = depth.iter().copied().max().unwrap_or(0) + 1;
    let label = |t: usize| match NodeRef::at(t) {
        NodeRef::Input => match &plan.source {
            crate::plan::SourcePlan::Noise { .. } => "input (generated)".to_string(),
            crate::plan::SourcePlan::Files { .. } => "input (file)".to_string(),
        },
        NodeRef::Step(s) => format!("{}: {}", plan.steps[s].name, plan.steps[s].op),
    };
    let extras = |t: usize| {
        let node = NodeRef::at(t);
        let mut v: Vec<String> = plan
            .metrics
            .iter()
            .filter(|m| m.on == node)
            .map(|m| format!("◦ {} = {}", m.column, m.op))
            .collect();
        v.extend(
            plan.writers
                .iter()
                .filter(|w| w.node == node)
                .map(|w| format!("→ {}", w.column)),
        );
        v
    };
    let (bw, gap_x, gap_y) = (190.0, 50.0, 26.0);
    let box_h = |t: usize| 26.0 + 15.0 * extras(t).len() as f64;
    // Each layer is a column; nodes stack down it.
    let mut ys = vec![0.0; n];
    let mut col_h = vec![8.0f64; layers];
    for t in 0..n {
        ys[t] = col_h[depth[t]];
        col_h[depth[t]] += box_h(t) + gap_y;
    }
    let width = layers as f64 * (bw + gap_x) - gap_x + 16.0;
    let height = col_h.iter().copied().fold(0.0, f64::max) - gap_y + 8.0;
    let x = |t: usize| 8.0 + depth[t] as f64 * (bw + gap_x);
    let mut out = format!(
        r#"<svg class="graph" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="per-image graph"><defs><marker id="arr" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path class="ah" d="M0 0L8 4L0 8z"/></marker></defs>"#
    );
    for (s, st) in plan.steps.iter().enumerate() {
        let t = s + 1;
        for &from in &st.inputs {
            let f = from.index();
            let (x1, y1) = (x(f) + bw, ys[f] + 13.0);
            let (x2, y2) = (x(t), ys[t] + 13.0);
            let mid = (x1 + x2) / 2.0;
            let _ = write!(
                out,
                r#"<path class="edge" d="M{x1:.1} {y1:.1}C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}" marker-end="url(#arr)"/>"#
            );
        }
    }
    for (t, &y) in ys.iter().enumerate() {
        let _ = write!(
            out,
            r#"<g><rect class="node{}" x="{:.1}" y="{:.1}" width="{bw}" height="{:.1}" rx="6"/><text class="nl" x="{:.1}" y="{:.1}">{}</text>"#,
            if t == 0 { " src" } else { "" },
            x(t),
            y,
            box_h(t),
            x(t) + 8.0,
            y + 17.0,
            esc(&clip(&label(t), 26))
        );
        for (k, e) in extras(t).iter().enumerate() {
            let _ = write!(
                out,
                r#"<text class="nx" x="{:.1}" y="{:.1}">{}</text>"#,
                x(t) + 10.0,
                y + 33.0 + 15.0 * k as f64,
                esc(&clip(e, 30))
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// `s` cut to `n` characters, with an ellipsis.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(0.002221137), "0.002221");
        assert_eq!(num(2.2798787e-6), "2.280e-6");
        assert_eq!(num(12345.678), "12346");
        assert_eq!(num(-0.25), "-0.25");
        assert_eq!(num(f64::NAN), "NaN");
    }

    #[test]
    fn labels_are_escaped() {
        let h = Histogram {
            lo: 0.0,
            width: 1.0,
            counts: vec![1, 2],
        };
        let s = super::super::stats::column(&[Some(0.0), Some(1.0), Some(2.0)]);
        let svg = histogram(&h, &s, "<b>\"x\"");
        assert!(svg.contains("&lt;b&gt;&quot;x&quot;"));
        assert!(!svg.contains("<b>"));
    }
}
