//! Server functions of the Policies page: custom identification, sensitive, risk and event policies (issues 4-7).
