//! Server functions of the Compliance page: cross-border review and leak tracing (issue 8).
