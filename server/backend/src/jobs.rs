//! The jobs table and the scheduler's analysis jobs (issue 3).
