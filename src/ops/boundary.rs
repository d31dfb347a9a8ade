//! PLACEHOLDER until the numerics branch lands (replaced wholesale on merge).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum BoundaryMode {
    #[default]
    Nearest,
    Reflect,
    Mirror,
    Constant,
    Wrap,
}
