//! Filter steps: one file per op, pure functions over [`crate::Image`].
pub mod boundary;
pub mod gaussian;
