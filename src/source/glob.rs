//! PLACEHOLDER until the io branch lands (replaced wholesale on merge).
#[derive(Debug, Clone)]
pub struct GlobMatch {
    pub root: std::path::PathBuf,
    pub files: Vec<std::path::PathBuf>,
}
#[derive(Debug, thiserror::Error)]
pub enum GlobError {
    #[error("invalid glob pattern `{pattern}`: {message}")]
    BadPattern { pattern: String, message: String },
}
pub fn expand(
    _pattern: &str,
    _exclude: &[String],
    cwd: &std::path::Path,
) -> Result<GlobMatch, GlobError> {
    Ok(GlobMatch {
        root: cwd.into(),
        files: vec![],
    })
}
