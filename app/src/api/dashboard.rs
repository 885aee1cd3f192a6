//! Server functions of the Overview and Basic Detection figures and charts (issue 9).
