//! Per-image metrics, each equal to numpy's reduction of the same name.
