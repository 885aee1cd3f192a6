//! Pre-aggregated figures of the Overview and Basic Detection pages (issue 9).
