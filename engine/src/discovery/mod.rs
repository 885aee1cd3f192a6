//! Asset discovery: path templating, business purposes, service objects, authentication and the
//! per-API inventory.
//!
//! Pass 1 learns path templates per host ([`PathTemplater`], see [`template`] for the rules);
//! pass 2 resolves each request to its API ([`TemplateSet::resolve`]) and extracts per-exchange
//! facts ([`exchange_facts`]); the [`ApiInventory`] folds them into one [`ApiSummary`] per API.
//! [`openapi`] exports the inventory as OpenAPI 3.1 and compares it with a team's own spec.

use crate::exchange::{Exchange, ParamLocation};
use crate::facts::{ApiKey, AuthObservation, PurposeTag};

pub mod auth;
pub mod doc_page;
pub mod inventory;
pub mod openapi;
pub mod operation;
pub mod params;
pub mod purpose;
pub mod segment;
pub mod service;
pub mod template;

pub use doc_page::looks_like_api_doc_ui;
pub use inventory::ApiInventory;
pub use purpose::{CompiledPurposePolicy, CustomPurposePolicy, PurposeCache, PurposePolicyError};
pub use template::{DiscoveryConfig, ForcedTemplate, PathTemplater, TemplateRules, TemplateSet};

/// One parameter occurrence in one request.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamObservation {
    pub location: ParamLocation,
    pub field: String,
    pub value_type: &'static str,
    pub masked_example: String,
}

/// What discovery says about one exchange.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryFacts {
    pub purposes: Vec<PurposeTag>,
    pub auth: AuthObservation,
    pub params: Vec<ParamObservation>,
    pub response_content_type: Option<String>,
}

/// Per-exchange discovery with the built-in purpose policies: purposes, authentication,
/// parameters.
pub fn exchange_facts(ex: &Exchange, api: &ApiKey) -> DiscoveryFacts {
    exchange_facts_with(ex, api, &[])
}

/// Per-exchange discovery with custom identification policies added to the built-in ones.
pub fn exchange_facts_with(
    ex: &Exchange,
    api: &ApiKey,
    custom: &[CompiledPurposePolicy],
) -> DiscoveryFacts {
    exchange_facts_cached(ex, api, custom, None)
}

/// [`exchange_facts_with`] with a purpose cache shared by the exchanges of one analysis (the
/// result is the same with or without it).
pub fn exchange_facts_cached(
    ex: &Exchange,
    api: &ApiKey,
    custom: &[CompiledPurposePolicy],
    cache: Option<&purpose::PurposeCache>,
) -> DiscoveryFacts {
    let op = operation::operation(ex);
    let (features, mut purposes) = match cache {
        Some(c) => c.classify(ex, api, op.as_ref()),
        None => {
            let f = purpose::features(ex, api, op.as_ref());
            let p = purpose::classify(&f);
            (f, p)
        }
    };
    for p in custom {
        if p.matches(ex, api, &features) {
            let tag = p.tag();
            if !purposes.contains(&tag) {
                purposes.push(tag);
            }
        }
    }
    DiscoveryFacts {
        purposes,
        auth: auth::observe(ex),
        params: params::observe(ex, api),
        response_content_type: ex.record.response_content_type().map(|c| c.into_owned()),
    }
}
