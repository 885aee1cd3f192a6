//! Queries and workflow of risks and events (issues 6, 7): the Risks and Events pages and
//! their CSV exports read through here.
//!
//! Results rows are rewritten by every analysis ([`crate::results::replace`]); what people
//! decide about them lives in `workflow` (keyed by the stable risk/event key) and, for risk
//! ignore rules, in `policies`. Both are joined in at query time, so decisions survive
//! re-analysis.
//!
//! Pages, server functions and the CSV endpoints all describe a list by the same URL query
//! string (`level=high&sort=hits&dir=desc&page=2`), parsed here by [`Params`], so a link, the
//! table and the export always show the same rows.

pub mod events;
pub mod risks;
pub mod workflow;

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default and largest page sizes of the tables.
pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 200;
/// Most rows one CSV export writes.
pub const EXPORT_LIMIT: i64 = 50_000;
/// Most items one bulk status change touches.
pub const MAX_BULK: usize = 500;

/// The levels a finding can have, in display order.
pub const LEVELS: [&str; 4] = ["high", "medium", "low", "custom"];

/// A decoded URL query string (`application/x-www-form-urlencoded`); empty values are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn parse(query: &str) -> Params {
        let mut map = BTreeMap::new();
        for pair in query.trim_start_matches('?').split('&') {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k), decode(v));
            let v = v.trim().to_string();
            if !v.is_empty() {
                map.insert(k, v);
            }
        }
        Params(map)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn owned(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    /// A positive integer parameter, or a clear error naming it.
    fn int(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .map(Some)
                .ok_or_else(|| {
                    Error::Invalid(format!("{key} must be a positive whole number, got {v:?}"))
                }),
        }
    }

    /// A value that must be one of `allowed`.
    fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(v) => Err(Error::Invalid(format!(
                "unknown {key} {v:?} (expected one of: {})",
                allowed.join(", ")
            ))),
        }
    }
}

/// Percent-decoding of one query component (`+` is a space). Invalid escapes stay as they are.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes one query component (the inverse of [`decode`]), for links built from filters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A time bound from the URL: `YYYY-MM-DD` (UTC; an upper bound means the end of that day),
/// RFC 3339, or Unix milliseconds.
fn parse_time(key: &str, v: &str, upper: bool) -> Result<i64> {
    if let Ok(ms) = v.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let day = if upper { d.succ_opt().unwrap_or(d) } else { d };
        let ms = day
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0);
        return Ok(if upper { ms - 1 } else { ms });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc).timestamp_millis());
    }
    // `datetime-local` inputs send `YYYY-MM-DDTHH:MM`; read it as UTC.
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M") {
        return Ok(t.and_utc().timestamp_millis() + if upper { 59_999 } else { 0 });
    }
    Err(Error::Invalid(format!(
        "{key} must be a date (YYYY-MM-DD), an RFC 3339 time or Unix milliseconds, got {v:?}"
    )))
}

/// Which page of a list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    fn parse(p: &Params) -> Result<Paging> {
        let per_page = p.int("per_page")?.unwrap_or(DEFAULT_PER_PAGE);
        if per_page > MAX_PER_PAGE {
            return Err(Error::Invalid(format!(
                "per_page must be at most {MAX_PER_PAGE}, got {per_page}"
            )));
        }
        Ok(Paging {
            page: p.int("page")?.unwrap_or(1),
            per_page,
        })
    }

    fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// Sort column (a whitelisted key) and direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub key: String,
    pub desc: bool,
}

impl Sort {
    /// `sort` must be one of the keys of `columns`; `dir` is `asc` or `desc`.
    fn parse(p: &Params, columns: &[(&str, &str)], default: &str) -> Result<Sort> {
        let keys: Vec<&str> = columns.iter().map(|(k, _)| *k).collect();
        let key = p
            .one_of("sort", &keys)?
            .unwrap_or_else(|| default.to_string());
        let desc = p.one_of("dir", &["asc", "desc"])?.as_deref() != Some("asc");
        Ok(Sort { key, desc })
    }

    /// The ORDER BY clause: the whitelisted expression, then `id` for a stable order.
    fn order_by(&self, columns: &[(&str, &str)]) -> String {
        let expr = columns
            .iter()
            .find(|(k, _)| *k == self.key)
            .map(|(_, e)| *e)
            .unwrap_or(columns[0].1);
        let dir = if self.desc { "DESC" } else { "ASC" };
        format!("ORDER BY {expr} {dir}, id {dir}")
    }
}

/// How many findings have one value of a dimension (level, category, type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub key: String,
    /// Display name (catalog name for types; the key otherwise).
    pub name: String,
    pub count: i64,
}

/// One entry of an item's status history (from the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at_ms: i64,
    pub actor: String,
    pub change: String,
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
enum Val {
    I(i64),
    S(String),
}

/// A parameterised SQL fragment builder: conditions are written with `?`, numbered `$n` in
/// order, so user input only ever travels as bound values.
#[derive(Debug, Clone, Default)]
struct Sql {
    text: String,
    binds: Vec<Val>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            binds: vec![],
        }
    }

    /// Appends `fragment`, replacing each `?` by the next placeholder bound to `vals`.
    fn push(&mut self, fragment: &str, vals: impl IntoIterator<Item = Val>) -> &mut Self {
        let mut vals = vals.into_iter();
        for ch in fragment.chars() {
            if ch == '?' {
                let v = vals.next().expect("one value per placeholder");
                self.binds.push(v);
                self.text.push_str(&format!("${}", self.binds.len()));
            } else {
                self.text.push(ch);
            }
        }
        debug_assert!(vals.next().is_none(), "more values than placeholders");
        self
    }

    /// Appends another fragment, renumbering its placeholders after ours. Fragment texts
    /// only ever hold our own `$n` markers (values are bound), so the rewrite is safe.
    fn append(&mut self, other: &Sql) -> &mut Self {
        let offset = self.binds.len();
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                let n: usize = n.parse().expect("digits");
                self.text.push_str(&format!("${}", n + offset));
            } else {
                self.text.push(c);
            }
        }
        self.binds.extend(other.binds.iter().cloned());
        self
    }

    fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for v in &self.binds {
            q = match v {
                Val::I(i) => q.bind(*i),
                Val::S(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}

/// `%value%` for a case-insensitive LIKE, with LIKE's wildcards escaped (`ESCAPE '\'`).
fn like_pattern(v: &str) -> String {
    let mut out = String::from("%");
    for c in v.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// One group of [`grouped`]: the values of the grouping columns and how many rows have them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    keys: Vec<String>,
    count: i64,
}

/// A scope's results at the version read once at the start of a list request: count groups
/// and page are cached under it, so both come from the same results.
#[derive(Debug, Clone, Copy)]
struct Version {
    scope: crate::scope::Scope,
    version: i64,
}

impl Version {
    async fn read(b: &crate::Backend, scope: crate::scope::Scope) -> Result<Self> {
        Ok(Version {
            scope,
            version: crate::results::version(b, scope).await?,
        })
    }

    /// The page cache key of `page` (what was computed) at this version.
    fn key(self, page: String) -> crate::cache::Key {
        crate::cache::Key {
            scope: self.scope,
            version: self.version,
            page,
        }
    }
}

/// Counts the rows of `base` (an SQL text selecting from the filtered view) per combination
/// of `columns`: one scan, from which every count card of a page is summed in Rust.
///
/// The groups are kept in the back end's page cache under the scope's results version
/// ([`crate::results::version`], bumped with every change of results, workflow state and
/// ignore rules) and the query itself (text and bound values: every filter), so paging and
/// sorting through a list scans the scope once per change rather than once per request.
async fn grouped(
    b: &crate::Backend,
    at: Version,
    base: &Sql,
    columns: &[&str],
) -> Result<std::sync::Arc<Vec<Group>>> {
    use sqlx::Row;
    let cols = columns.join(", ");
    let mut sql = base.clone();
    sql.text = format!(
        "SELECT {cols}, COUNT(*) FROM ({}) g GROUP BY {cols}",
        base.text
    );
    let key = at.key(format!("findings.groups|{}|{:?}", sql.text, sql.binds));
    b.cache
        .get_or_compute(key, || async {
            let rows = sql.query().fetch_all(&b.db.pool).await?;
            rows.into_iter()
                .map(|r| {
                    let keys = (0..columns.len())
                        .map(|i| r.try_get::<String, _>(i))
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    Ok(Group {
                        keys,
                        count: r.try_get(columns.len())?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
        .await
}

/// Sums groups by their `column`-th key: the counts of one card row, most frequent first
/// (ties by key), as `GROUP BY key ORDER BY COUNT(*) DESC, key` would give them.
fn tally<'a>(
    groups: impl IntoIterator<Item = &'a Group>,
    column: usize,
    name_of: impl Fn(&str) -> String,
) -> Vec<Count> {
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for g in groups {
        *sums.entry(g.keys[column].as_str()).or_default() += g.count;
    }
    let mut out: Vec<Count> = sums
        .into_iter()
        .map(|(key, count)| Count {
            name: name_of(key),
            key: key.to_string(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    out
}

/// One page of a filtered list: `page` (the filtered query) ordered by `order_by`, mapped by
/// `row`; no query at all past the last of `total` rows. Pages are cached like the count
/// groups (see [`grouped`]): under the scope's results version (read once per list, so the
/// page and its counts come from the same results) and the whole query.
async fn fetch_page<T: Clone + Send + Sync + 'static>(
    b: &crate::Backend,
    at: Version,
    mut page: Sql,
    order_by: &str,
    paging: &Paging,
    total: i64,
    row: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
) -> Result<Vec<T>> {
    if paging.offset() >= total {
        return Ok(Vec::new());
    }
    page.text.push(' ');
    page.text.push_str(order_by);
    page.push(
        " LIMIT ? OFFSET ?",
        [Val::I(paging.per_page), Val::I(paging.offset())],
    );
    let key = at.key(format!("findings.rows|{}|{:?}", page.text, page.binds));
    let rows = b
        .cache
        .get_or_compute(key, || async {
            page.query()
                .fetch_all(&b.db.pool)
                .await?
                .iter()
                .map(row)
                .collect::<Result<Vec<T>>>()
        })
        .await?;
    Ok(std::sync::Arc::unwrap_or_clone(rows))
}

/// Whether an optional equality filter lets `value` through.
fn admits(filter: &Option<String>, value: &str) -> bool {
    filter.as_deref().is_none_or(|f| f == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        let p = Params::parse("?level=high&host=a%2Eb+c&empty=&x");
        assert_eq!(p.get("level"), Some("high"));
        assert_eq!(p.get("host"), Some("a.b c"));
        assert_eq!(p.get("empty"), None);
        assert_eq!(p.get("x"), None);
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode(&encode("a b&c=d/é")), "a b&c=d/é");
    }

    #[test]
    fn bad_values_are_named() {
        let p = Params::parse("page=0&level=urgent&sort=evil;drop");
        assert!(Paging::parse(&p).unwrap_err().to_string().contains("page"));
        let e = p.one_of("level", &LEVELS).unwrap_err().to_string();
        assert!(e.contains("urgent") && e.contains("high"), "{e}");
        let e = Sort::parse(&p, &[("hits", "hits")], "hits").unwrap_err();
        assert!(e.to_string().contains("evil;drop"));
        assert!(Paging::parse(&Params::parse("per_page=5000")).is_err());
    }

    #[test]
    fn times_parse() {
        assert_eq!(
            parse_time("from", "1700000000000", false).unwrap(),
            1_700_000_000_000
        );
        let from = parse_time("from", "2024-01-02", false).unwrap();
        let to = parse_time("to", "2024-01-02", true).unwrap();
        assert_eq!(to - from, 86_400_000 - 1);
        assert_eq!(
            parse_time("from", "2024-01-02T00:00:00Z", false).unwrap(),
            from
        );
        assert_eq!(parse_time("from", "2024-01-02T00:00", false).unwrap(), from);
        assert!(parse_time("to", "yesterday", true)
            .unwrap_err()
            .to_string()
            .contains("to must be"));
    }

    #[test]
    fn tallies_sum_groups_most_frequent_first() {
        let g = |k: [&str; 2], count| Group {
            keys: k.iter().map(|s| s.to_string()).collect(),
            count,
        };
        let groups = [
            g(["high", "a"], 2),
            g(["low", "a"], 3),
            g(["high", "b"], 1),
            g(["medium", "b"], 3),
        ];
        let t = tally(&groups, 0, |k| k.to_uppercase());
        let got: Vec<(&str, &str, i64)> = t
            .iter()
            .map(|c| (c.key.as_str(), c.name.as_str(), c.count))
            .collect();
        assert_eq!(
            got,
            [
                ("high", "HIGH", 3),
                ("low", "LOW", 3),
                ("medium", "MEDIUM", 3)
            ]
        );
        let t = tally(
            groups.iter().filter(|g| g.keys[0] != "low"),
            1,
            str::to_string,
        );
        assert_eq!((t[0].key.as_str(), t[0].count), ("b", 4));
        assert!(admits(&None, "x") && admits(&Some("x".into()), "x"));
        assert!(!admits(&Some("y".into()), "x"));
    }

    #[test]
    fn sql_builder_numbers_placeholders() {
        let mut s = Sql::new("SELECT 1 WHERE a = ?".replace('?', "").as_str());
        s.push("a = ?", [Val::I(1)])
            .push(" AND b LIKE ?", [Val::S("x".into())]);
        assert!(s.text.ends_with("a = $1 AND b LIKE $2"), "{}", s.text);
        let mut t = Sql::new("x = ?".replace('?', "").as_str());
        t.push("?", [Val::I(2)]);
        s.append(&t);
        assert!(s.text.ends_with("$2x = $3"), "{}", s.text);
        assert_eq!(s.binds.len(), 3);
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
