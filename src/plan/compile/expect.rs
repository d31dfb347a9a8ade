//! `[expect]`: counts of ok and failed rows, and bounds on metrics, for CI.

use super::Ctx;
use crate::config::syntax::Seg;
use crate::config::Expectation;
use crate::diag::suggest;
use crate::plan::{ExpectPlan, MetricPlan};
use indexmap::IndexMap;

/// Compiles the expectations against the compiled metrics (`declared`: every metric column of
/// the file, compiled or not); `count` is the number of images, if known.
pub(super) fn compile(
    cx: &mut Ctx,
    expectations: &IndexMap<String, Expectation>,
    metrics: &[MetricPlan],
    declared: &[&str],
    count: Option<u64>,
) -> ExpectPlan {
    let mut expect = ExpectPlan::default();
    for (key, e) in expectations {
        let vpos = cx.pos(&[Seg::Key("expect"), Seg::Key(key)]);
        match (key.as_str(), e) {
            ("ok" | "failed", Expectation::Count(n)) => {
                if count.is_some_and(|count| *n > count) {
                    cx.err(
                        vpos,
                        format!(
                            "`expect.{key} = {n}` but the source has only {} images",
                            count.unwrap_or(0)
                        ),
                        None,
                    );
                }
                if key == "ok" {
                    expect.ok = Some(*n)
                } else {
                    expect.failed = Some(*n)
                }
            }
            (_, Expectation::Bounds(b)) => match metrics.iter().position(|m| &m.column == key) {
                Some(mi) => {
                    for (which, v) in [("min", b.min), ("max", b.max)] {
                        if v.is_some_and(f64::is_nan) {
                            cx.err(
                                cx.pos(&[Seg::Key("expect"), Seg::Key(key), Seg::Key(which)]),
                                format!("`expect.{key}.{which}` is not a number"),
                                Some("bounds must be numbers (inf and -inf are allowed)".into()),
                            );
                        }
                    }
                    if let (Some(lo), Some(hi)) = (b.min, b.max) {
                        if lo > hi {
                            cx.err(
                                vpos,
                                format!("`expect.{key}` has min {lo} > max {hi}"),
                                None,
                            );
                        }
                    }
                    if b.min.is_none() && b.max.is_none() {
                        cx.err(
                            vpos,
                            format!("`expect.{key}` sets neither `min` nor `max`"),
                            None,
                        );
                    }
                    expect.bounds.push((mi, b.min, b.max));
                }
                // A metric with problems of its own (already reported).
                None if declared.contains(&key.as_str()) => {}
                None => {
                    let cols: Vec<&str> =
                        declared.iter().copied().chain(["ok", "failed"]).collect();
                    let kpos = cx.key_pos(&[Seg::Key("expect"), Seg::Key(key)]);
                    cx.err(
                        kpos,
                        format!("`expect.{key}` names no metric"),
                        Some(suggest(key, &cols)),
                    );
                }
            },
            (_, Expectation::Count(_)) => {
                cx.err(
                    vpos,
                    format!("`expect.{key}` must be a table {{ min, max }}"),
                    Some(format!(
                        "a count is only for `ok` and `failed`; e.g. [expect.{key}] max = 1e-3"
                    )),
                );
            }
        }
    }
    expect
}
