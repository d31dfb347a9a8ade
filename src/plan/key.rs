//! The plan fingerprint: what every image's record is compared with to tell whether the
//! workflow changed in a way that affects that image's outputs or metric values.
//!
//! It is an explicit, versioned serialization — JSON of the source, each step's op name, key
//! version and parameters (by their names in the workflow file), each metric's op and the node
//! it reads, and each writer's node and sample type — hashed with blake3. Names, comments,
//! formatting and output paths are not in it (paths are compared one by one). Renaming a Rust
//! field does not change it; renaming a parameter in the workflow language does, as it should.
//! A test pins the seed job's fingerprint, so an accidental change is caught.

use super::{NodeRef, Plan, SourcePlan};
use crate::state::RESULTS_VERSION;
use serde::Serialize;

/// Which `exp` the Gaussian kernels use on this machine (`svml` or `libm`): numpy's choice,
/// which affects the last bits of filtered values.
pub fn exp_name() -> &'static str {
    use crate::numpy::exp::{exp_svml, numpy_exp};
    if std::ptr::fn_addr_eq(numpy_exp(), exp_svml as fn(f64) -> f64) {
        "svml"
    } else {
        "libm"
    }
}

#[derive(Serialize)]
struct PlanKey<'a> {
    results_version: u32,
    exp: &'a str,
    source: SourceKey<'a>,
    steps: Vec<serde_json::Value>,
    metrics: Vec<serde_json::Value>,
    writers: Vec<(String, &'a str)>,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum SourceKey<'a> {
    Noise(&'a crate::source::noise::NoiseSpec),
    Files(&'a crate::source::decode::DecodeOptions),
}

/// A node by position: `input`, or `step <i>` (steps by their place, not their names).
fn node(n: NodeRef) -> String {
    match n {
        NodeRef::Input => "input".into(),
        NodeRef::Step(i) => format!("step {i}"),
    }
}

/// A step's key: its op, the op's key version and parameters, and — when it is not the
/// previous node — what it reads.
fn step_key(i: usize, s: &crate::plan::StepPlan) -> serde_json::Value {
    let mut key = serde_json::json!({
        "op": s.op,
        "v": s.kernel.key_version(),
        "params": s.kernel.key(),
    });
    let default = [if i == 0 {
        NodeRef::Input
    } else {
        NodeRef::Step(i - 1)
    }];
    if s.inputs != default {
        key["inputs"] = s.inputs.iter().map(|&n| node(n)).collect();
    }
    key
}

/// A metric's key: `[op, on]`, with its parameters, key version and reference when it has any.
fn metric_key(m: &crate::plan::MetricPlan) -> serde_json::Value {
    let params = m.measure.key();
    let plain = params.as_object().is_some_and(|o| o.is_empty())
        && m.reference.is_none()
        && !m.each
        && m.measure.key_version() == 1;
    if plain {
        serde_json::json!([m.op, node(m.on)])
    } else {
        serde_json::json!([m.op, node(m.on), {
            "v": m.measure.key_version(),
            "params": params,
            "reference": m.reference.map(node),
            "each": m.each,
        }])
    }
}

/// The serialized plan key (JSON), for tests and debugging.
pub fn key_text(plan: &Plan, exp: &str) -> String {
    let key = PlanKey {
        results_version: RESULTS_VERSION,
        exp,
        source: match &plan.source {
            SourcePlan::Noise { spec, .. } => SourceKey::Noise(spec),
            SourcePlan::Files { decode, .. } => SourceKey::Files(decode),
        },
        steps: plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| step_key(i, s))
            .collect(),
        metrics: plan.metrics.iter().map(metric_key).collect(),
        writers: plan
            .writers
            .iter()
            .map(|w| (node(w.node), w.dtype.name()))
            .collect(),
    };
    serde_json::to_string(&key).unwrap_or_default()
}

/// The plan fingerprint on this machine: blake3 of [`key_text`], as 32 hex digits.
pub fn fingerprint(plan: &Plan) -> String {
    fingerprint_with(plan, exp_name())
}

/// [`fingerprint`] for kernels built with the `exp` named `exp`.
pub fn fingerprint_with(plan: &Plan, exp: &str) -> String {
    let h = blake3::hash(key_text(plan, exp).as_bytes());
    h.to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed job's key, pinned: a change here invalidates every recorded image, so it must
    /// be deliberate (and then RESULTS_VERSION or an op's key version says why).
    #[test]
    fn the_seed_jobs_key_is_pinned() {
        let text = include_str!("../../workflows/blur.toml");
        let loaded =
            crate::config::load_str(text, crate::config::Format::Toml, "blur.toml", &[]).unwrap();
        let plan = crate::plan::compile(&loaded, std::path::Path::new("/nonexistent")).unwrap();
        assert_eq!(
            key_text(&plan, "libm"),
            concat!(
                r#"{"results_version":1,"exp":"libm","source":{"noise":{"height":1024,"#,
                r#""width":1024,"seed_offset":0,"loc":{"index":{"max_index":255}},"#,
                r#""scale":0.0784313725490196,"clip":[0.0,1.0],"rng":"numpy"}},"#,
                r#""steps":[{"op":"gaussian","v":1,"params":{"sigma":[10.0,10.0],"#,
                r#""mode":"nearest","cval":0.0,"truncate":4.0}}],"#,
                r#""metrics":[["variance","input"],["variance","step 0"]],"#,
                r#""writers":[["step 0","u8"]]}"#
            )
        );
        assert_eq!(
            fingerprint_with(&plan, "libm"),
            "980ad1fbccc9e3382417982fb6d747cc"
        );
    }
}
