//! apisec analysis engine.
//!
//! Records in, findings out: readers turn log files into [`record::Record`]s, the pipeline
//! templates paths, classifies purposes, scans sensitive data, runs the risk and event detectors
//! and folds everything into mergeable state that becomes the report. No web or database code
//! lives here, so the engine builds fast and is easy to test and benchmark.

pub mod analyze;
pub mod attack;
pub mod catalog;
pub mod client;
pub mod compliance;
pub mod demo;
pub mod discovery;
pub mod event;
pub mod exchange;
pub mod facts;
pub mod login;
pub mod name_memo;
pub mod pipeline;
pub mod readers;
pub mod record;
pub mod report;
pub mod risk;
pub mod sensitive;
