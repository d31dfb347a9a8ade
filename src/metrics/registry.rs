//! What a metric is, in one place: [`MetricSpec`] (its parameters as written, their checks, its
//! name, whether it compares two images) and [`Measure`] (the compiled metric: what it computes,
//! its key, and the capability to be computed from `np.sum` / `np.var` taken along the way).
//! The [`metrics!`](crate::metrics) list turns each metric type into a [`MetricEntry`].

use crate::config::de::{from_node_among, Sink};
use crate::config::syntax::Node;
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// A metric's parameters as written (serde + JsonSchema), with their checks. The keys every
/// metric has — `op`, `on`, `reference` — are not among them.
pub trait MetricSpec:
    DeserializeOwned + Serialize + JsonSchema + Clone + Debug + PartialEq + Send + Sync + 'static
{
    /// `op = "…"`.
    const NAME: &'static str;
    /// What it computes, as the numpy / scikit-image call it equals.
    const EQUALS: &'static str;
    /// Whether it compares its image with another (`reference`, then required).
    const REFERENCE: bool = false;

    /// Checks the parameters and builds the metric; `None` when something was wrong.
    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>>;
}

/// A compiled metric.
pub trait Measure: Debug + Send + Sync {
    /// Its parameters, serialized explicitly for the plan fingerprint (`{}` for none).
    fn key(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    /// Bumped when the metric's computation changes.
    fn key_version(&self) -> u32 {
        1
    }

    /// The value over `image` (and `reference`, for metrics that compare two), or why there is
    /// none (the image then fails).
    fn compute(&self, image: &Image, reference: Option<&Image>) -> Result<f64, String>;

    /// The capability to be computed from the image's `np.sum` and `np.var` alone, which the
    /// runner may take while another pass reads the samples anyway (see [`Moments`]).
    fn moments(&self) -> Option<Moments> {
        None
    }
}

/// How a metric follows from the moments of `n` samples: `value(n, sum, var)`, where `sum` is
/// `np.sum` ([`crate::metrics::pairwise_sum`]) and `var` `np.var` (NaN unless `needs_var`).
#[derive(Clone, Copy, Debug)]
pub struct Moments {
    pub needs_var: bool,
    pub value: fn(usize, f64, f64) -> f64,
}

/// A metric's parameters, type-erased: what a loaded metric holds.
pub trait DynMetric: Debug + Send + Sync {
    fn entry(&self) -> &'static MetricEntry;
    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>>;
    fn to_json(&self) -> serde_json::Value;
    fn clone_box(&self) -> Box<dyn DynMetric>;
}

impl Clone for Box<dyn DynMetric> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl PartialEq for dyn DynMetric {
    fn eq(&self, other: &Self) -> bool {
        self.entry().name == other.entry().name && self.to_json() == other.to_json()
    }
}

impl<T: MetricSpec> DynMetric for T {
    fn entry(&self) -> &'static MetricEntry {
        super::entry(T::NAME).expect("every MetricSpec is in the registry")
    }
    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        MetricSpec::compile(self, cx)
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn clone_box(&self) -> Box<dyn DynMetric> {
        Box::new(self.clone())
    }
}

/// One metric of the registry.
pub struct MetricEntry {
    pub name: &'static str,
    pub equals: &'static str,
    pub reference: bool,
    pub load: fn(&Node, &str, &Sink) -> Option<Box<dyn DynMetric>>,
    pub schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

impl MetricEntry {
    pub const fn of<T: MetricSpec>() -> MetricEntry {
        MetricEntry {
            name: T::NAME,
            equals: T::EQUALS,
            reference: T::REFERENCE,
            load: load::<T>,
            schema: schema::<T>,
        }
    }
}

fn load<T: MetricSpec>(node: &Node, what: &str, sink: &Sink) -> Option<Box<dyn DynMetric>> {
    let common: &[&str] = if T::REFERENCE {
        &["on", "reference", "channel"]
    } else {
        &["on", "channel"]
    };
    from_node_among::<T>(node, what, sink, common).map(|p| Box::new(p) as Box<dyn DynMetric>)
}

fn schema<T: MetricSpec>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    T::json_schema(generator)
}

/// Declares the metric modules and the registry: one line per metric.
#[macro_export]
#[doc(hidden)]
macro_rules! metrics {
    ($($module:ident :: $spec:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every metric, in the order the docs list them.
        pub static METRICS: &[$crate::metrics::MetricEntry] =
            &[$($crate::metrics::MetricEntry::of::<$module::$spec>()),*];
    };
}

/// A metric without parameters whose value follows from the moments.
#[derive(Debug)]
pub struct FromMoments(pub Moments);

impl Measure for FromMoments {
    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        let data = &image.data;
        let sum = super::pairwise_sum(data);
        let var = if self.0.needs_var {
            super::variance(data, sum)
        } else {
            f64::NAN
        };
        Ok((self.0.value)(data.len(), sum, var))
    }

    fn moments(&self) -> Option<Moments> {
        Some(self.0)
    }
}
