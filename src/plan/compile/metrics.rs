//! The metrics: which image each reads (`on`, and `reference` for metrics of two images), their
//! parameters, and their columns.

use super::steps::Steps;
use super::Ctx;
use crate::config::syntax::Seg;
use crate::config::MetricDecl;
use crate::diag::{suggest, Diag, ParamCx};
use crate::plan::MetricPlan;
use indexmap::IndexMap;
use std::sync::Arc;

/// Columns every results table has; metric names may not reuse them.
pub const FIXED_COLUMNS: &[&str] = &["index", "input", "status", "error", "output", "elapsed_ms"];

/// Compiles every metric; those with problems are reported and left out.
pub(super) fn compile(
    cx: &mut Ctx,
    metrics: &IndexMap<String, MetricDecl>,
    steps: &Steps,
) -> Vec<MetricPlan> {
    let mut out = Vec::with_capacity(metrics.len());
    for (column, m) in metrics {
        let at = |key: &'static str| [Seg::Key("metrics"), Seg::Key(column), Seg::Key(key)];
        let Some(entry) = crate::metrics::entry(m.op) else {
            continue;
        };
        let mut ok = true;
        let node = |cx: &mut Ctx, key: &'static str, name: &str| match steps.find(name) {
            Some(Some(n)) => Some(n),
            // A step with problems of its own, already reported.
            Some(None) => None,
            None => {
                cx.err(
                    cx.pos(&at(key)),
                    format!("metric `{column}` reads `{name}`, which is not a step"),
                    Some(suggest(name, &steps.node_names())),
                );
                None
            }
        };
        let on = match &m.on {
            None => Some(steps.last()),
            Some(n) => node(cx, "on", n),
        };
        let reference = match (&m.reference, entry.reference) {
            (Some(r), true) => node(cx, "reference", r).map(Some),
            (None, true) => {
                cx.err(
                    cx.pos(&[Seg::Key("metrics"), Seg::Key(column), Seg::Key("op")]),
                    format!("`{}` compares two images: give `reference`", m.op),
                    Some("e.g. reference = \"input\"".to_string()),
                );
                None
            }
            (Some(_), false) => {
                cx.err(
                    cx.key_pos(&at("reference")),
                    format!("`{}` reads one image: it takes no `reference`", m.op),
                    None,
                );
                None
            }
            (None, false) => Some(None),
        };
        if FIXED_COLUMNS.contains(&column.as_str()) || column.starts_with("save_") {
            let p = cx.key_pos(&[Seg::Key("metrics"), Seg::Key(column)]);
            cx.err(
                p,
                format!("`{column}` is a column flowrun writes itself"),
                Some(format!(
                    "rename the metric; reserved: {}, save_<step>",
                    FIXED_COLUMNS.join(", ")
                )),
            );
            ok = false;
        }
        let mut report = |key: Option<&str>, message: String, hint: Option<String>| {
            let pos = match key {
                Some(k) => cx.pos(&[Seg::Key("metrics"), Seg::Key(column), Seg::Key(k)]),
                None => cx.pos(&[Seg::Key("metrics"), Seg::Key(column), Seg::Key("op")]),
            };
            cx.report.push(Diag::new(pos, message).hint_opt(hint));
        };
        let measure = m.params.compile(&mut ParamCx::new(&mut report, None));
        let each = match m.channel.as_deref() {
            None | Some("all") => Some(false),
            Some("each") => Some(true),
            Some(other) => {
                cx.err(
                    cx.pos(&at("channel")),
                    format!("unknown value {other:?} for `channel` in metric `{column}`"),
                    Some(suggest(other, &["all", "each"])),
                );
                None
            }
        };
        if let (Some(measure), Some(on), Some(reference), Some(each), true) =
            (measure, on, reference, each, ok)
        {
            let first_column = out.iter().map(|m: &MetricPlan| m.columns().len()).sum();
            out.push(MetricPlan {
                column: column.clone(),
                op: m.op,
                measure: Arc::from(measure),
                on,
                reference,
                each,
                first_column,
            });
        }
    }
    out
}
