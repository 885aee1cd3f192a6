//! Server functions of the Events page: IP and account tabs, detail, timeline, workflow (issue 7).
