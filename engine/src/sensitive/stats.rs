//! Per-API counts of sensitive values: values and distinct values per type, request and
//! response apart. Mergeable (shard A + shard B = both), fed with sealed findings only.

use crate::facts::{Direction, Finding};
use std::collections::{BTreeMap, HashSet};

/// Counts for one type in one direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeCount {
    /// Values seen (every occurrence).
    pub values: u64,
    /// Keyed hashes of the distinct values (bounded; see [`MAX_DISTINCT`]).
    pub distinct: HashSet<u64>,
}

/// Distinct hashes kept per type and direction; past it, `distinct()` is a lower bound.
pub const MAX_DISTINCT: usize = 100_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SensitiveStats {
    pub request: BTreeMap<u32, TypeCount>,
    pub response: BTreeMap<u32, TypeCount>,
}

impl SensitiveStats {
    pub fn add(&mut self, findings: &[Finding]) {
        for f in findings {
            let side = match f.direction {
                Direction::Request => &mut self.request,
                Direction::Response => &mut self.response,
            };
            let c = side.entry(f.type_id).or_default();
            c.values += 1;
            if c.distinct.len() < MAX_DISTINCT {
                c.distinct.insert(f.hash);
            }
        }
    }

    pub fn merge(&mut self, other: &SensitiveStats) {
        for (mine, theirs) in [
            (&mut self.request, &other.request),
            (&mut self.response, &other.response),
        ] {
            for (t, c) in theirs {
                let m = mine.entry(*t).or_default();
                m.values += c.values;
                for h in &c.distinct {
                    if m.distinct.len() >= MAX_DISTINCT {
                        break;
                    }
                    m.distinct.insert(*h);
                }
            }
        }
    }

    /// Type ID -> values, for `ApiSummary::request_types` / `response_types`.
    pub fn value_counts(&self, direction: Direction) -> BTreeMap<u32, u64> {
        let side = match direction {
            Direction::Request => &self.request,
            Direction::Response => &self.response,
        };
        side.iter().map(|(t, c)| (*t, c.values)).collect()
    }

    /// Type ID -> distinct values.
    pub fn distinct_counts(&self, direction: Direction) -> BTreeMap<u32, u64> {
        let side = match direction {
            Direction::Request => &self.request,
            Direction::Response => &self.response,
        };
        side.iter()
            .map(|(t, c)| (*t, c.distinct.len() as u64))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(t: u32, d: Direction, h: u64) -> Finding {
        Finding {
            type_id: t,
            direction: d,
            field: "x".into(),
            masked: "*".into(),
            hash: h,
            group: 1,
        }
    }

    #[test]
    fn counts_and_merges() {
        let mut a = SensitiveStats::default();
        a.add(&[
            f(1004, Direction::Response, 1),
            f(1004, Direction::Response, 1),
            f(1004, Direction::Request, 2),
        ]);
        let mut b = SensitiveStats::default();
        b.add(&[f(1004, Direction::Response, 3)]);
        a.merge(&b);
        assert_eq!(a.value_counts(Direction::Response)[&1004], 3);
        assert_eq!(a.distinct_counts(Direction::Response)[&1004], 2);
        assert_eq!(a.value_counts(Direction::Request)[&1004], 1);
    }
}
