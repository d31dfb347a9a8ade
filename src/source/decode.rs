//! PLACEHOLDER until the io branch lands (replaced wholesale on merge).
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
pub enum ColorMode {
    #[default]
    Keep,
    Gray,
    Rgb,
}
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    pub color: ColorMode,
    pub max_pixels: u64,
}
impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            color: ColorMode::Keep,
            max_pixels: 1 << 28,
        }
    }
}
#[derive(Debug, thiserror::Error)]
#[error("decode placeholder")]
pub struct DecodeError;
pub fn decode_file(
    _path: &std::path::Path,
    _opts: &DecodeOptions,
) -> Result<crate::Image, DecodeError> {
    Err(DecodeError)
}
