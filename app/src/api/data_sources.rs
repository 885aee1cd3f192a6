//! Server functions of the Data sources page: sources, tokens, uploads, jobs, rejected lines (issue 3).
