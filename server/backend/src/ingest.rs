//! Stored raw log segments: streaming to disk, content-hash dedup, rejected lines, retention (issue 3).
