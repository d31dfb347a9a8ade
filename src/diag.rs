//! Diagnostics with file, line and column.
