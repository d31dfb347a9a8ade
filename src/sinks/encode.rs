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
pub enum Dtype {
    #[default]
    U8,
    U16,
    F32,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Bmp,
    Png,
    Jpeg,
    Tiff,
}
impl ImageFormat {
    pub const EXTENSIONS: &'static [&'static str] = &["bmp", "png", "jpg", "jpeg", "tif", "tiff"];
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "bmp" => Some(Self::Bmp),
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "tif" | "tiff" => Some(Self::Tiff),
            _ => None,
        }
    }
    pub fn supports(self, d: Dtype) -> bool {
        matches!(
            (self, d),
            (_, Dtype::U8) | (Self::Png | Self::Tiff, Dtype::U16) | (Self::Tiff, Dtype::F32)
        )
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::Bmp => "bmp",
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Tiff => "tiff",
        }
    }
}
#[derive(Debug, thiserror::Error)]
#[error("encode placeholder")]
pub struct EncodeError;
pub fn encode(
    _img: &crate::Image,
    _format: ImageFormat,
    _dtype: Dtype,
) -> Result<Vec<u8>, EncodeError> {
    Err(EncodeError)
}
