//! Where images come from: the seeded noise generator and folder globs, and file decoding.
pub mod decode;
pub mod glob;
pub mod noise;
