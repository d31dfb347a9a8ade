//! PLACEHOLDER until the io branch lands (replaced wholesale on merge).
use std::path::{Path, PathBuf};
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
pub struct AtomicFile {
    file: std::fs::File,
    path: PathBuf,
}
impl AtomicFile {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(AtomicFile {
            file: std::fs::File::create(path)?,
            path: path.into(),
        })
    }
    pub fn temp_path(&self) -> &Path {
        &self.path
    }
    pub fn commit(self) -> std::io::Result<()> {
        Ok(())
    }
}
impl std::io::Write for AtomicFile {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.file.write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
