//! Where results go: encoded images and the results table, every file written atomically.
pub mod atomic;
pub mod encode;
pub mod results;
