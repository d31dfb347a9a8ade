//! What an op is, in one place: [`OpSpec`] (its parameters as written, their checks, its name and
//! number of inputs) and [`Kernel`] (the compiled op: what it computes, its key for the resume
//! state, and the capabilities it may offer). The [`ops!`](crate::ops) list turns each op type
//! into an [`OpEntry`], from which loading, the schema, `did you mean` and the docs are made.

use crate::config::de::{from_node_among, Sink};
use crate::config::syntax::Node;
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::{Any, TypeId};
use std::fmt::Debug;

/// An op's parameters as written in the workflow file (serde + JsonSchema: its `///` docs are
/// the schema's descriptions and its defaults scikit-image's), with their checks.
pub trait OpSpec:
    DeserializeOwned + Serialize + JsonSchema + Clone + Debug + PartialEq + Send + Sync + 'static
{
    /// `op = "…"`.
    const NAME: &'static str;
    /// What it computes, as the scikit-image / numpy call it equals (for `plan`, the schema and
    /// the docs).
    const EQUALS: &'static str;
    /// How many images it reads (1: `from`; more: `inputs`).
    const INPUTS: usize = 1;

    /// Checks the parameters (every problem reported through `cx`, at its key) and builds the
    /// op; `None` when something was wrong.
    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>>;
}

/// The size of an image: `height × width × channels`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
}

impl Shape {
    pub fn of(img: &Image) -> Shape {
        Shape {
            height: img.height,
            width: img.width,
            channels: img.channels,
        }
    }

    /// `7×5` or `7×5×3`, as messages say it.
    pub fn text(self) -> String {
        if self.channels == 1 {
            format!("{}×{}", self.height, self.width)
        } else {
            format!("{}×{}×{}", self.height, self.width, self.channels)
        }
    }
}

/// A compiled op, its parameters checked.
pub trait Kernel: Debug + Send + Sync {
    /// The parameters its results depend on, serialized explicitly (part of the plan
    /// fingerprint, with [`Kernel::key_version`]): renaming a Rust field must not change it.
    fn key(&self) -> serde_json::Value;

    /// Bumped when the op's computation changes, so recorded images are recomputed.
    fn key_version(&self) -> u32 {
        1
    }

    /// Its parameters for `plan`, e.g. `sigma=10 mode=nearest truncate=4`.
    fn describe(&self) -> String;

    /// The output's shape for inputs of these shapes, or why they do not fit (the image then
    /// fails with that message). The default: one input, or inputs all of one shape, kept.
    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        same_shapes(inputs)
    }

    /// The number of channels of its output, given its inputs' where they are known (by default
    /// the first input's): compile follows the channels through the graph, so an op that takes
    /// only gray images can refuse a colour source before any image is read.
    fn output_channels(&self, inputs: &[Option<usize>]) -> Option<usize> {
        inputs.first().copied().flatten()
    }

    /// Computes the output from `inputs` into `out`, whose buffer may be reused (its contents
    /// and shape are unspecified on entry).
    fn apply(
        &self,
        inputs: &[&Image],
        out: &mut Image,
        scratch: &mut Scratch,
    ) -> Result<(), String>;

    /// Computes the output of a one-input op over its input, when it can (`None`: it cannot,
    /// and [`Kernel::apply`] is used). The runner gives an op its input this way when no one
    /// else reads that image afterwards.
    fn apply_in_place(
        &self,
        _img: &mut Image,
        _scratch: &mut Scratch,
    ) -> Option<Result<(), String>> {
        None
    }

    /// The streaming capability, for ops that offer it.
    fn streaming(&self) -> Option<&dyn Streaming> {
        None
    }
}

/// A capability: an in-place op that hands its input samples to the caller as it reads them
/// and sums its result while writing it, so that moment metrics of its input and output need no
/// pass of their own. Every other op runs through the plain path, which is just as exact.
pub trait Streaming {
    /// [`Kernel::apply_in_place`], with work for the caller done along the way:
    /// - `input_read(input, k)` is called as the first `k` input samples are about to be read,
    ///   in increasing `k` and ending with all of them; a sample is overwritten only once it lies
    ///   more than 128 samples (numpy's pairwise block) before the largest `k` passed, so a
    ///   [`crate::metrics::PairwiseStream`] advanced to each `k` takes in every sample before it
    ///   changes;
    /// - with `sum`, returns `np.sum` of the result ([`crate::metrics::pairwise_sum`],
    ///   bit-identical) if it took it along the way (`None`: the caller sums it).
    fn apply_in_place_along(
        &self,
        img: &mut Image,
        scratch: &mut Scratch,
        input_read: &mut dyn FnMut(&[f64], usize),
        sum: bool,
    ) -> Option<f64>;
}

/// The output shape of an op whose inputs must all have one shape.
pub fn same_shapes(inputs: &[Shape]) -> Result<Shape, String> {
    let first = *inputs.first().ok_or("no input")?;
    match inputs.iter().find(|s| **s != first) {
        None => Ok(first),
        Some(other) => Err(format!(
            "its inputs differ in shape: {} and {}",
            first.text(),
            other.text()
        )),
    }
}

/// A worker's working memory for every op, one value per type, made on first use and kept from
/// image to image (so images of one size allocate nothing after the first).
#[derive(Default)]
pub struct Scratch {
    slots: Vec<(TypeId, Box<dyn Any + Send>)>,
}

impl Scratch {
    /// The worker's `T`.
    pub fn get<T: Default + Send + 'static>(&mut self) -> &mut T {
        let id = TypeId::of::<T>();
        let k = match self.slots.iter().position(|(t, _)| *t == id) {
            Some(k) => k,
            None => {
                self.slots.push((id, Box::new(T::default())));
                self.slots.len() - 1
            }
        };
        // The slot was made for `T` under its `TypeId`.
        self.slots[k]
            .1
            .downcast_mut::<T>()
            .expect("a scratch slot holds the type it was made for")
    }
}

/// An op's parameters, type-erased: what a loaded step holds.
pub trait DynOp: Debug + Send + Sync {
    fn entry(&self) -> &'static OpEntry;
    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>>;
    /// The parameters as JSON (to compare two loaded workflows).
    fn to_json(&self) -> serde_json::Value;
    fn clone_box(&self) -> Box<dyn DynOp>;
}

impl Clone for Box<dyn DynOp> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl PartialEq for dyn DynOp {
    fn eq(&self, other: &Self) -> bool {
        self.entry().name == other.entry().name && self.to_json() == other.to_json()
    }
}

impl<T: OpSpec> DynOp for T {
    fn entry(&self) -> &'static OpEntry {
        super::entry(T::NAME).expect("every OpSpec is in the registry")
    }
    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        OpSpec::compile(self, cx)
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn clone_box(&self) -> Box<dyn DynOp> {
        Box::new(self.clone())
    }
}

/// One op of the registry.
pub struct OpEntry {
    pub name: &'static str,
    pub equals: &'static str,
    pub inputs: usize,
    /// Deserializes the op's parameters from a step's table (without the keys every step
    /// has); problems go to the sink. `what` names the step in messages.
    pub load: fn(&Node, &str, &Sink) -> Option<Box<dyn DynOp>>,
    /// The JSON schema of the op's parameters (an object with `properties`).
    pub schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

impl OpEntry {
    pub const fn of<T: OpSpec>() -> OpEntry {
        OpEntry {
            name: T::NAME,
            equals: T::EQUALS,
            inputs: T::INPUTS,
            load: load::<T>,
            schema: schema::<T>,
        }
    }
}

fn load<T: OpSpec>(node: &Node, what: &str, sink: &Sink) -> Option<Box<dyn DynOp>> {
    let common: &[&str] = if T::INPUTS == 1 {
        &["name", "save", "from"]
    } else {
        &["name", "save", "inputs"]
    };
    from_node_among::<T>(node, what, sink, common).map(|p| Box::new(p) as Box<dyn DynOp>)
}

fn schema<T: OpSpec>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    T::json_schema(generator)
}

/// Declares the op modules and the registry: `ops! { gaussian::GaussianParams, … }` makes
/// `pub mod gaussian;` and one [`OpEntry`] in [`OPS`](crate::ops::OPS) per line.
#[macro_export]
#[doc(hidden)]
macro_rules! ops {
    ($($module:ident :: $spec:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every op, in the order the docs list them.
        pub static OPS: &[$crate::ops::OpEntry] = &[$($crate::ops::OpEntry::of::<$module::$spec>()),*];
    };
}
