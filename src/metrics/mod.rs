//! PLACEHOLDER until the numerics branch lands (replaced wholesale on merge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    Variance,
    Mean,
    Std,
    Min,
    Max,
    Sum,
}
impl MetricKind {
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "variance" => Self::Variance,
            "mean" => Self::Mean,
            "std" => Self::Std,
            "min" => Self::Min,
            "max" => Self::Max,
            "sum" => Self::Sum,
            _ => return None,
        })
    }
    pub fn compute(self, _data: &[f64]) -> f64 {
        0.0
    }
    pub fn name(self) -> &'static str {
        "x"
    }
}
