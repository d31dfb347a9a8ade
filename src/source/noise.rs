//! PLACEHOLDER until the numerics branch lands (replaced wholesale on merge).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RngKind {
    Numpy,
    Fast,
}
#[derive(Clone, Debug, PartialEq)]
pub enum NoiseLoc {
    Index { max_index: u64 },
    Fixed(f64),
}
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseSpec {
    pub height: usize,
    pub width: usize,
    pub seed_offset: u64,
    pub loc: NoiseLoc,
    pub scale: f64,
    pub clip: Option<(f64, f64)>,
    pub rng: RngKind,
}
impl NoiseSpec {
    pub fn seed_for(&self, index: u64) -> Option<u32> {
        u32::try_from(index + self.seed_offset).ok()
    }
}
pub fn noise_image(spec: &NoiseSpec, _index: u64) -> crate::Image {
    crate::Image::zeros(spec.height, spec.width, 1)
}
