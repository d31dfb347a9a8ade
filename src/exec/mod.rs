//! Running a plan over images on a rayon pool.
