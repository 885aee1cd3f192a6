//! Server functions of the Risks page: list, detail, workflow, ignore rules (issue 6).
