//! Reading a workflow file: the file as written. [`syntax`] turns TOML or YAML into one positioned
//! tree, [`overrides`] applies `--set KEY=VALUE`, [`de`] deserializes sections of the tree into the
//! serde types of [`types`] while recording every problem with its position, and [`load`] ties
//! them together. Nothing here validates values: that is `plan::compile`'s job.
pub mod de;
pub mod load;
pub mod overrides;
pub mod syntax;
pub mod types;

pub use load::{load_file, load_str, Draft, Loaded};
pub use syntax::Format;
pub use types::*;

/// The workflow JSON Schema (draft 2020-12), generated from the config types.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(types::Workflow);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
