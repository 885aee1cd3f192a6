//! Queries and workflow of risks and events (issues 6, 7).
