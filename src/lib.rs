//! flowrun: run one declarative image pipeline over many images, on every core, with results
//! identical to scikit-image.
//!
//! A workflow file flows through four stages:
//! `config` (the file as written) → `plan` (compiled, validated, per-image task graph) →
//! `exec` (a rayon pool over images) → `sinks` (images and the results table, written atomically).
//! `source`, `ops` and `metrics` hold the pure pixel code the plan calls, and `numpy` the
//! numpy-identical primitives they share (exp, log, pairwise sums, `RandomState`, clip).

pub mod clean;
pub mod cluster;
pub mod config;
mod cpu;
pub mod diag;
pub mod exec;
pub mod exit;
pub mod image;
mod mem;
pub mod metrics;
pub mod numpy;
pub mod ops;
pub mod plan;
pub mod report;
pub mod sinks;
pub mod source;
pub mod state;
pub mod timefmt;
pub mod watch;

pub use exit::Exit;
pub use image::Image;
