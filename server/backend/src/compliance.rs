//! Compliance review queries and leak tracing (issue 8).
