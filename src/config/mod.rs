//! Reading a workflow file: the file as written.
