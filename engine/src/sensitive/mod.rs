//! Sensitive data detection: one detector per catalog type, a prefiltered scanner, masking and
//! keyed hashing.
//!
//! STUB INTERFACE: the sensitive-data owner replaces the bodies; the signatures are what the
//! pipeline calls.

use crate::exchange::Exchange;
use crate::facts::{Finding, RawFinding};

/// A user-defined detection policy (Policies page).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomPolicy {
    /// Type ID for findings of this policy (>= 100000 for custom types).
    pub id: u32,
    pub name: String,
    pub regex: String,
    /// Optional field names the value must appear under.
    pub fields: Vec<String>,
    /// Optional keywords that must appear near the value.
    pub keywords: Vec<String>,
    pub level: crate::catalog::SensitivityLevel,
    pub category: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy {name}: invalid regex: {message}")]
    Regex { name: String, message: String },
}

/// The compiled scanner (built-in types plus custom policies).
#[derive(Debug, Default)]
pub struct Scanner {}

impl Scanner {
    pub fn builtin() -> Self {
        Scanner {}
    }
    pub fn new(_custom: &[CustomPolicy]) -> Result<Self, PolicyError> {
        Ok(Scanner {})
    }
    /// Every sensitive value in the request (query, form, JSON, headers, cookies) and the
    /// response (JSON walked with field paths, HTML, text, XML).
    pub fn scan(&self, _ex: &Exchange) -> Vec<RawFinding> {
        Vec::new()
    }
}

/// Masks a value, keeping a little of each end (`110***********123X`).
pub fn mask(_type_id: u32, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let keep = if n >= 12 {
        3
    } else if n >= 6 {
        2
    } else {
        1.min(n / 3)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep || i >= n - keep { *c } else { '*' })
        .collect()
}

/// Keyed per-tenant hash of normalised values.
#[derive(Clone)]
pub struct ValueHasher {
    key: Vec<u8>,
}

impl ValueHasher {
    pub fn new(key: &[u8]) -> Self {
        ValueHasher { key: key.to_vec() }
    }
    /// Hash of the value as normalised for its type (so `138 0013 8000` and `13800138000`
    /// are one value).
    pub fn hash(&self, _type_id: u32, value: &str) -> u64 {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        u64::from_le_bytes(out[..8].try_into().expect("8 bytes"))
    }
}

/// Masks and hashes raw findings: what leaves the per-exchange stage.
pub fn seal(raw: &[RawFinding], hasher: &ValueHasher) -> Vec<Finding> {
    raw.iter()
        .map(|f| Finding {
            type_id: f.type_id,
            direction: f.direction,
            field: f.field.clone(),
            masked: mask(f.type_id, &f.value),
            hash: hasher.hash(f.type_id, &f.value),
            group: f.group,
        })
        .collect()
}
