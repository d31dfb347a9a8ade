//! Reading a workflow file: the file as written. [`syntax`] turns TOML or YAML into one positioned
//! tree, [`overrides`] applies `--set KEY=VALUE`, [`de`] deserializes sections of the tree into the
//! serde types of [`types`] while recording every problem with its position, and [`load`] ties
//! them together. Nothing here validates values: that is `plan::compile`'s job.
pub mod de;
pub mod load;
pub mod overrides;
pub mod syntax;
pub mod types;

pub use load::{load_file, load_str, Loaded};
pub use syntax::Format;
pub use types::*;
