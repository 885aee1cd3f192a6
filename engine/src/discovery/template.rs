//! Path templating: learns, per host, which path segments are route words and which are values.
//!
//! # How a template is decided
//! Pass 1 ([`PathTemplater::observe`]) builds one segment tree per host. Identifier-like segments
//! (numbers, UUIDs, hex, hashes, dates, emails, phones, mixed tokens; see [`super::segment`]) go
//! straight into one *id child* per position, so the tree stays small however many ids the
//! traffic holds. Other segments (words) are kept as distinct children, up to a cap per position.
//!
//! [`PathTemplater::finish`] walks each tree from the root and decides, per position, which word
//! children join a variable. A position is variable when it holds ids, when it holds many distinct
//! words (at least [`HIGH_CARDINALITY`]), or when at least two of its words have the same shape
//! below them (`/repos/octocat/...` and `/repos/torvalds/...` lead to the same kind of routes).
//! At a variable position a word still stays literal when it is a route word (`me`, `search`,
//! `export`, `public-key`, `findByStatus`, words the host uses elsewhere as routes, user literal
//! rules) unless its subtree looks like the variable's subtree; a word that is itself a
//! collection (it answers alone and has ids below it) also stays literal. Versions (`v1`, `v2.1`)
//! and reserved words (`api`, `rest`) never become variables. Merged positions are then decided
//! together, so rare routes under a variable benefit from all its traffic.
//!
//! # Variable names
//! From the literal segment before the variable, singularised and snake_cased: `{<stem>_id}` for
//! identifiers (`/users/{user_id}`, `/check-runs/{check_run_id}`), `{<stem>}` for names
//! (`/users/{user}/repos`); `{date}`, `{email}`, `{phone}` by kind; `{id}` / `{name}` when the
//! previous segment is itself a variable or absent. Repeated names in one template get `_2`,
//! `_3`. Known format extensions stay literal: `/users/{user_id}.json`.
//!
//! # Normalisation
//! Percent-decoding, matrix parameters dropped, empty segments and trailing slashes ignored,
//! literals compared case-insensitively (the most frequent spelling is shown).

use super::operation;
use super::segment::{self, SegKind};
use crate::exchange::Exchange;
use crate::facts::ApiKey;
use crate::record::Record;
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Distinct non-route words at one position from which it is a variable.
pub const HIGH_CARDINALITY: usize = 10;
/// Distinct word children kept per position; beyond, the position is a variable.
pub const MAX_WORD_CHILDREN: usize = 256;
/// Segments looked at per path.
pub const MAX_DEPTH: usize = 24;
/// Nodes kept per host.
pub const MAX_NODES_PER_HOST: usize = 200_000;
/// Hosts learned; requests to further hosts are templated by value kinds alone.
pub const MAX_HOSTS: usize = 10_000;
/// Shape signature entries kept per node.
const MAX_SIGNATURE: usize = 64;

/// User corrections, stored by the console and applied on every analysis.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TemplateRules {
    /// Templates that win over learned ones (`/users/{name}/profile`, or `/users/admin` to split
    /// a literal out of a variable). `{x}` matches one segment.
    pub forced: Vec<ForcedTemplate>,
    /// Segment values that never become variables (case-insensitive).
    pub literal_segments: Vec<String>,
    /// Hosts that are not analysed: exact names or `*.example.com`.
    pub ignored_hosts: Vec<String>,
    /// Path prefixes that are not APIs (`/health`, `/static/`).
    pub ignored_path_prefixes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ForcedTemplate {
    /// `None` applies to every host.
    pub host: Option<String>,
    pub template: String,
}

impl TemplateRules {
    pub fn host_ignored(&self, host: &str) -> bool {
        self.ignored_hosts.iter().any(|h| {
            if let Some(suffix) = h.strip_prefix("*.") {
                host.eq_ignore_ascii_case(suffix)
                    || (host.len() > suffix.len()
                        && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                        && host.as_bytes()[host.len() - suffix.len() - 1] == b'.')
            } else {
                h.eq_ignore_ascii_case(host)
            }
        })
    }
    pub fn path_ignored(&self, path: &str) -> bool {
        self.ignored_path_prefixes
            .iter()
            .any(|p| !p.is_empty() && path.starts_with(p.as_str()))
    }
}

/// Discovery settings (defaults are the console's defaults).
#[derive(Debug, Clone)]
pub struct DiscoveryConfig {
    /// Path suffixes of static files, which are not APIs.
    pub static_suffixes: Vec<String>,
    /// User corrections.
    pub rules: TemplateRules,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            static_suffixes: [
                ".js", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".woff", ".woff2",
                ".ttf", ".eot", ".otf", ".map", ".webp", ".bmp", ".avif", ".mp4", ".webm", ".mp3",
                ".htm", ".html",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rules: TemplateRules::default(),
        }
    }
}

impl DiscoveryConfig {
    fn is_static(&self, path: &str) -> bool {
        let last = path.rsplit('/').next().unwrap_or("");
        let last = last.split(';').next().unwrap_or("");
        self.static_suffixes.iter().any(|s| {
            last.len() > s.len()
                && last.is_char_boundary(last.len() - s.len())
                && last[last.len() - s.len()..].eq_ignore_ascii_case(s)
        })
    }
    fn skipped_route(&self, host: &str, path: &str) -> bool {
        self.is_static(path) || self.rules.host_ignored(host) || self.rules.path_ignored(path)
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 1: the learned tree.

#[derive(Debug, Default, Clone)]
struct Node {
    /// Requests that went through this node.
    count: u64,
    /// Requests that ended here.
    terminal: u64,
    /// Word children by lower-case value.
    words: HashMap<String, WordChild>,
    /// Identifier children by format extension (`""` mostly).
    ids: BTreeMap<String, IdChild>,
    /// Word values dropped because the position was full.
    overflow: u64,
    /// Methods of the requests that ended here (bit set, see [`method_bit`]).
    methods: u16,
}

/// Distinct id values remembered per position (by hash), to tell how many instances it has.
const MAX_DISTINCT_IDS: usize = 256;

fn method_bit(m: &str) -> u16 {
    match m.to_ascii_uppercase().as_str() {
        "GET" => 1,
        "POST" => 2,
        "PUT" => 4,
        "PATCH" => 8,
        "DELETE" => 16,
        "HEAD" => 32,
        "OPTIONS" => 64,
        _ => 128,
    }
}

fn hash_str(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

#[derive(Debug, Default, Clone)]
struct WordChild {
    /// Spellings seen, with counts (a few at most).
    spellings: Vec<(String, u64)>,
    kind_version: bool,
    node: Node,
}

#[derive(Debug, Default, Clone)]
struct IdChild {
    kinds: BTreeMap<SegKind, u64>,
    /// Hashes of distinct values, up to [`MAX_DISTINCT_IDS`].
    seen: HashSet<u64>,
    node: Node,
}

#[derive(Debug, Default)]
struct HostTree {
    root: Node,
    nodes: usize,
    /// Words the host uses as routes: first segments and words right after a version or a
    /// reserved prefix (`/v1/orders`, `/api/users`).
    route_words: HashSet<String>,
}

/// Learns path templates from the paths it observes (first pass).
#[derive(Debug, Default)]
pub struct PathTemplater {
    config: DiscoveryConfig,
    hosts: HashMap<String, HostTree>,
}

impl PathTemplater {
    pub fn new(config: DiscoveryConfig) -> Self {
        PathTemplater {
            config,
            hosts: HashMap::new(),
        }
    }

    pub fn observe(&mut self, record: &Record) {
        self.observe_route(&record.method, &record.host, &record.path);
    }

    /// [`PathTemplater::observe`] from the parts of a record that choose its template
    /// (normalised as a reader leaves them: upper-case method, lower-case host, path without
    /// the query).
    pub fn observe_route(&mut self, method: &str, host: &str, path: &str) {
        if self.config.skipped_route(host, path) {
            return;
        }
        if !self.hosts.contains_key(host) && self.hosts.len() >= MAX_HOSTS {
            return;
        }
        let segs = segment::split_path(path, MAX_DEPTH);
        if !self.hosts.contains_key(host) {
            self.hosts.insert(host.to_string(), Default::default());
        }
        let tree = self.hosts.get_mut(host).expect("inserted above");
        let mut node = &mut tree.root;
        node.count += 1;
        let mut prev_anchor = true; // root, version or reserved word before this segment
        for seg in &segs {
            let (stem, ext) = segment::split_extension(seg);
            let kind = segment::classify(stem);
            if kind.is_strong() {
                let child = node.ids.entry(ext.to_ascii_lowercase()).or_default();
                *child.kinds.entry(kind).or_default() += 1;
                if child.seen.len() < MAX_DISTINCT_IDS {
                    child.seen.insert(hash_str(stem));
                }
                node = &mut child.node;
                prev_anchor = false;
            } else {
                let key = segment::lowercase(seg);
                if prev_anchor
                    && kind == SegKind::Word
                    && tree.route_words.len() < 4096
                    && !tree.route_words.contains(key.as_ref())
                {
                    tree.route_words.insert(key.to_string());
                }
                prev_anchor = kind == SegKind::Version || segment::is_reserved(seg);
                if !node.words.contains_key(key.as_ref()) {
                    if node.words.len() >= MAX_WORD_CHILDREN || tree.nodes >= MAX_NODES_PER_HOST {
                        node.overflow += 1;
                        return;
                    }
                    tree.nodes += 1;
                    let child = WordChild {
                        kind_version: kind == SegKind::Version,
                        ..Default::default()
                    };
                    node.words.insert(key.to_string(), child);
                }
                let child = node.words.get_mut(key.as_ref()).expect("inserted above");
                if let Some(i) = child.spellings.iter().position(|(s, _)| s == seg) {
                    child.spellings[i].1 += 1;
                } else if child.spellings.len() < 4 {
                    child.spellings.push((seg.to_string(), 1));
                }
                node = &mut child.node;
            }
            node.count += 1;
        }
        node.terminal += 1;
        node.methods |= method_bit(method);
    }

    /// Combines what another templater (another shard) observed.
    pub fn merge(&mut self, other: PathTemplater) {
        for (host, t) in other.hosts {
            match self.hosts.get_mut(&host) {
                Some(mine) => {
                    merge_node(&mut mine.root, t.root);
                    mine.nodes += t.nodes;
                    for w in t.route_words {
                        if mine.route_words.len() < 4096 {
                            mine.route_words.insert(w);
                        }
                    }
                }
                None => {
                    if self.hosts.len() < MAX_HOSTS {
                        self.hosts.insert(host, t);
                    }
                }
            }
        }
    }

    pub fn finish(self) -> TemplateSet {
        let literal_rules: HashSet<String> = self
            .config
            .rules
            .literal_segments
            .iter()
            .map(|s| s.to_lowercase())
            .collect();
        let mut hosts = HashMap::new();
        for (host, tree) in self.hosts {
            let ctx = Ctx {
                route_words: &tree.route_words,
                literal_rules: &literal_rules,
            };
            let root = compile(&ctx, &[&tree.root], None, &mut Vec::new(), 0);
            hosts.insert(host, root);
        }
        let forced = self
            .config
            .rules
            .forced
            .iter()
            .map(|f| Forced {
                host: f.host.as_ref().map(|h| h.to_ascii_lowercase()),
                segs: segment::split_path(&f.template, MAX_DEPTH)
                    .into_iter()
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            None
                        } else {
                            Some(s.to_lowercase())
                        }
                    })
                    .collect(),
                template: normalise_template(&f.template),
            })
            .collect();
        TemplateSet {
            config: self.config,
            hosts,
            forced,
            id: next_template_set_id(),
        }
    }
}

fn normalise_template(t: &str) -> String {
    let segs: Vec<&str> = t.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", segs.join("/"))
}

fn merge_node(a: &mut Node, b: Node) {
    a.count += b.count;
    a.terminal += b.terminal;
    a.overflow += b.overflow;
    a.methods |= b.methods;
    for (k, w) in b.words {
        if let Some(mine) = a.words.get_mut(&k) {
            for (s, n) in w.spellings {
                if let Some(i) = mine.spellings.iter().position(|(x, _)| *x == s) {
                    mine.spellings[i].1 += n;
                } else if mine.spellings.len() < 4 {
                    mine.spellings.push((s, n));
                }
            }
            merge_node(&mut mine.node, w.node);
        } else if a.words.len() < MAX_WORD_CHILDREN {
            a.words.insert(k, w);
        } else {
            a.overflow += w.node.count;
        }
    }
    for (ext, id) in b.ids {
        let mine = a.ids.entry(ext).or_default();
        for (k, n) in id.kinds {
            *mine.kinds.entry(k).or_default() += n;
        }
        for h in id.seen {
            if mine.seen.len() < MAX_DISTINCT_IDS {
                mine.seen.insert(h);
            }
        }
        merge_node(&mut mine.node, id.node);
    }
}

// ---------------------------------------------------------------------------------------------
// finish(): deciding the templates.

struct Ctx<'a> {
    route_words: &'a HashSet<String>,
    literal_rules: &'a HashSet<String>,
}

/// The shape below a node, two levels deep: `""` when requests end there, then first and second
/// steps with ids as `{}`, route words by name and other words as `*`.
fn signature(ctx: &Ctx, nodes: &[&Node]) -> HashSet<String> {
    let mut sig = HashSet::new();
    let step = |k: &str| -> String {
        if segment::is_route_like(k) || ctx.route_words.contains(k) || segment::is_reserved(k) {
            k.to_string()
        } else {
            "*".to_string()
        }
    };
    for n in nodes {
        if n.terminal > 0 {
            sig.insert(String::new());
        }
        let mut firsts: Vec<(String, &Node)> = Vec::new();
        for (k, w) in &n.words {
            firsts.push((step(k), &w.node));
        }
        for (ext, id) in &n.ids {
            firsts.push((format!("{{}}{ext}"), &id.node));
        }
        for (a, child) in firsts {
            if sig.len() >= MAX_SIGNATURE {
                return sig;
            }
            sig.insert(format!("/{a}"));
            for k in child.words.keys() {
                sig.insert(format!("/{a}/{}", step(k)));
            }
            for ext in child.ids.keys() {
                sig.insert(format!("/{a}/{{}}{ext}"));
            }
        }
    }
    sig
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Share of `a` that is also in `b`.
fn containment(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() {
        0.0
    } else {
        a.intersection(b).count() as f64 / a.len() as f64
    }
}

/// A non-trivial shape: something below the node, not only requests ending there.
fn nontrivial(sig: &HashSet<String>) -> bool {
    sig.iter().any(|s| !s.is_empty())
}

/// A collection: requests end at it and it has ids (or many words) right below it.
fn collection_like(n: &Node) -> bool {
    n.terminal > 0 && (!n.ids.is_empty() || n.words.len() >= 3)
}

/// The compiled template tree.
#[derive(Debug, Default)]
struct CNode {
    /// Literal children by lower-case value: (display, node).
    lit: HashMap<String, (String, CNode)>,
    /// Variable children by extension.
    vars: Vec<CVar>,
    /// Some request ended here.
    terminal: bool,
}

#[derive(Debug)]
struct CVar {
    ext: String,
    /// `{name}` plus the extension: the variable's text in a template.
    display: String,
    node: CNode,
}

fn var_name(kind: SegKind, prev: Option<&str>, used: &[String]) -> String {
    let base = match kind {
        SegKind::Date => "date".to_string(),
        SegKind::Email => "email".to_string(),
        SegKind::Phone => "phone".to_string(),
        SegKind::Word | SegKind::Version => prev
            .and_then(segment::name_stem)
            .unwrap_or_else(|| "name".into()),
        _ => match prev.and_then(segment::name_stem) {
            Some(stem) if stem == "id" || stem.ends_with("_id") => stem,
            Some(stem) => format!("{stem}_id"),
            None => "id".into(),
        },
    };
    let mut name = base.clone();
    let mut i = 2;
    while used.contains(&name) {
        name = format!("{base}_{i}");
        i += 1;
    }
    name
}

fn compile(
    ctx: &Ctx,
    nodes: &[&Node],
    prev_literal: Option<&str>,
    used: &mut Vec<String>,
    depth: usize,
) -> CNode {
    let mut out = CNode {
        terminal: nodes.iter().any(|n| n.terminal > 0),
        ..Default::default()
    };
    if depth > MAX_DEPTH {
        return out;
    }
    // Gather the word children of every merged node.
    let mut words: BTreeMap<&str, Vec<&WordChild>> = BTreeMap::new();
    let mut id_children: BTreeMap<&str, Vec<&IdChild>> = BTreeMap::new();
    let mut overflow = 0u64;
    for n in nodes {
        overflow += n.overflow;
        for (k, w) in &n.words {
            words.entry(k.as_str()).or_default().push(w);
        }
        for (ext, id) in &n.ids {
            id_children.entry(ext.as_str()).or_default().push(id);
        }
    }

    // Classify the words.
    struct W<'a> {
        key: &'a str,
        children: Vec<&'a WordChild>,
        fixed: bool,
        route: bool,
        sig: HashSet<String>,
        collection: bool,
    }
    let mut ws: Vec<W> = words
        .into_iter()
        .map(|(key, children)| {
            let version = children.iter().any(|c| c.kind_version);
            // Versions and reserved prefixes are fixed near the root; deeper they are treated as
            // route words (`/commits/v1.2.0` is a ref, `/deployments/api` a name).
            let fixed = (version && depth <= 3)
                || (segment::is_reserved(key) && depth <= 1)
                || ctx.literal_rules.contains(key)
                || (depth == 0 && segment::classify(key) == SegKind::Word);
            let soft = version || segment::is_reserved(key);
            let display = display_of(&children, key);
            let route = soft
                || segment::is_route_like(&display)
                || segment::is_route_like(key)
                || ctx.route_words.contains(key);
            let child_nodes: Vec<&Node> = children.iter().map(|c| &c.node).collect();
            let sig = signature(ctx, &child_nodes);
            let collection = child_nodes.iter().any(|n| collection_like(n));
            W {
                key,
                children,
                fixed,
                route,
                sig,
                collection,
            }
        })
        .collect();

    let candidates: Vec<usize> = (0..ws.len())
        .filter(|&i| !ws[i].fixed && !ws[i].route && !ws[i].collection)
        .collect();
    let strong = !id_children.is_empty();
    let high = overflow > 0 || candidates.len() >= HIGH_CARDINALITY;
    // Structure: two candidates with a similar, non-trivial shape below them.
    let mut similar: HashSet<usize> = HashSet::new();
    for (x, &i) in candidates.iter().enumerate() {
        if !nontrivial(&ws[i].sig) {
            continue;
        }
        for &j in &candidates[x + 1..] {
            if nontrivial(&ws[j].sig) && jaccard(&ws[i].sig, &ws[j].sig) >= 0.5 {
                similar.insert(i);
                similar.insert(j);
            }
        }
        if similar.len() > 64 {
            break;
        }
    }
    // Many leaf words under one parent and few route words around them (`/apps/{app_slug}`).
    let leaves = candidates.len() >= 6
        && candidates.len() * 4 >= ws.len() * 3
        && candidates.iter().all(|&i| !nontrivial(&ws[i].sig));
    let variable = strong || high || leaves || !similar.is_empty();

    let mut merged: Vec<usize> = Vec::new();
    if variable {
        merged.extend(candidates.iter().copied());
        // Route words whose shape matches the variable's (`/namespaces/default/...`).
        let mut var_nodes: Vec<&Node> = Vec::new();
        for &i in &merged {
            var_nodes.extend(ws[i].children.iter().map(|c| &c.node));
        }
        for ids in id_children.values() {
            var_nodes.extend(ids.iter().map(|c| &c.node));
        }
        let var_sig = signature(ctx, &var_nodes);
        // Instances: how many distinct values and how many calls each, which methods end there.
        let mut distinct = merged.len();
        let mut total: u64 = merged
            .iter()
            .flat_map(|&i| ws[i].children.iter())
            .map(|c| c.node.count)
            .sum();
        let mut var_methods: u16 = var_nodes.iter().fold(0, |m, n| m | n.methods);
        for ids in id_children.values() {
            for id in ids {
                distinct += id.seen.len();
                total += id.node.count;
                var_methods |= id.node.methods;
            }
        }
        let typical = total as f64 / distinct.max(1) as f64;
        for (i, w) in ws.iter().enumerate() {
            if !w.route || w.fixed || segment::is_never_instance(w.key) {
                continue;
            }
            // Same shape below it as below the variable: an instance (`/namespaces/default/...`).
            let same_shape = w.sig.len() >= 2 && containment(&w.sig, &var_sig) >= 0.8;
            // A leaf called like any instance, with no method the instances lack: an instance
            // too (`/deployments/search` among many deployment names). A route word called
            // much more than one instance (`/users/me`) or with its own method stays.
            let count: u64 = w.children.iter().map(|c| c.node.count).sum();
            let methods = w.children.iter().fold(0u16, |m, c| m | c.node.methods);
            let like_instance = distinct >= 5
                && (count as f64) <= 3.0 * typical
                && methods & !var_methods == 0
                && w.sig.iter().all(|s| var_sig.contains(s));
            if same_shape || like_instance {
                merged.push(i);
            }
        }
    }
    let merged_set: HashSet<usize> = merged.iter().copied().collect();

    // Literal children.
    for (i, w) in ws.iter_mut().enumerate() {
        if merged_set.contains(&i) {
            continue;
        }
        let display = display_of(&w.children, w.key);
        let child_nodes: Vec<&Node> = w.children.iter().map(|c| &c.node).collect();
        let node = compile(ctx, &child_nodes, Some(&display), used, depth + 1);
        out.lit.insert(w.key.to_string(), (display, node));
    }

    // Variable children: the plain one (ids without extension plus merged words), then one per
    // extension.
    if variable {
        let mut kinds: BTreeMap<SegKind, u64> = BTreeMap::new();
        let mut plain: Vec<&Node> = Vec::new();
        if let Some(ids) = id_children.remove("") {
            for id in ids {
                for (k, n) in &id.kinds {
                    *kinds.entry(*k).or_default() += n;
                }
                plain.push(&id.node);
            }
        }
        for &i in &merged {
            for c in &ws[i].children {
                *kinds.entry(SegKind::Word).or_default() += c.node.count;
                plain.push(&c.node);
            }
        }
        if !plain.is_empty() || overflow > 0 {
            let kind = dominant(&kinds);
            out.vars
                .push(make_var(ctx, "", kind, &plain, prev_literal, used, depth));
        }
    }
    for (ext, ids) in id_children {
        let mut kinds: BTreeMap<SegKind, u64> = BTreeMap::new();
        for id in &ids {
            for (k, n) in &id.kinds {
                *kinds.entry(*k).or_default() += n;
            }
        }
        let nodes: Vec<&Node> = ids.iter().map(|i| &i.node).collect();
        let kind = dominant(&kinds);
        out.vars
            .push(make_var(ctx, ext, kind, &nodes, prev_literal, used, depth));
    }
    out
}

/// The most frequent spelling of a word child.
fn display_of(children: &[&WordChild], key: &str) -> String {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for c in children {
        for (s, n) in &c.spellings {
            *counts.entry(s.as_str()).or_default() += n;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(s, _)| s.to_string())
        .unwrap_or_else(|| key.to_string())
}

fn dominant(kinds: &BTreeMap<SegKind, u64>) -> SegKind {
    kinds
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(k, _)| *k)
        .unwrap_or(SegKind::Word)
}

fn make_var(
    ctx: &Ctx,
    ext: &str,
    kind: SegKind,
    nodes: &[&Node],
    prev_literal: Option<&str>,
    used: &mut Vec<String>,
    depth: usize,
) -> CVar {
    let name = var_name(kind, prev_literal, used);
    used.push(name.clone());
    let node = compile(ctx, nodes, None, used, depth + 1);
    used.pop();
    CVar {
        display: format!("{{{name}}}{ext}"),
        ext: ext.to_string(),
        node,
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: resolving requests.

#[derive(Debug)]
struct Forced {
    host: Option<String>,
    segs: Vec<Option<String>>,
    template: String,
}

/// The learned templates: maps a request to its API.
#[derive(Debug, Default)]
pub struct TemplateSet {
    config: DiscoveryConfig,
    hosts: HashMap<String, CNode>,
    forced: Vec<Forced>,
    /// Tells this set's memoised templates from another's (see [`RouteMemo`]); 0 for the
    /// empty default set.
    id: u64,
}

fn next_template_set_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Longest `host` plus `path` whose template is memoised.
const MAX_MEMO_ROUTE: usize = 512;

/// Templates of recent routes, per thread: most requests repeat a path seen shortly before
/// (every call of an API without path variables), and the walk of the template tree was 2 %
/// of an analysis. Valid for one [`TemplateSet`] at a time: a thread that moves on to another
/// set (another analysis in the same process) starts over.
#[derive(Default)]
struct RouteMemo {
    set: u64,
    /// `{host length}:{host}{path}`: reused for every lookup.
    key: String,
    templates: crate::name_memo::Memo<Option<String>, MAX_MEMO_ROUTE>,
}

thread_local! {
    static ROUTES: std::cell::RefCell<RouteMemo> = std::cell::RefCell::default();
}

impl TemplateSet {
    /// The template of a path on a host (no operation suffix); `None` for static files and
    /// ignored hosts or paths.
    pub fn template(&self, host: &str, path: &str) -> Option<String> {
        ROUTES.with_borrow_mut(|m| {
            if m.set != self.id {
                m.templates.clear();
                m.set = self.id;
            }
            // The host's length first: unambiguous whatever bytes a hostile host holds.
            m.key.clear();
            let _ = write!(m.key, "{}:{host}", host.len());
            m.key.push_str(path);
            m.templates
                .get(&m.key, |_| self.template_uncached(host, path))
        })
    }

    fn template_uncached(&self, host: &str, path: &str) -> Option<String> {
        if self.config.is_static(path)
            || self.config.rules.host_ignored(host)
            || self.config.rules.path_ignored(path)
        {
            return None;
        }
        let segs = segment::split_path(path, MAX_DEPTH);
        for f in &self.forced {
            if f.host
                .as_deref()
                .is_some_and(|h| !h.eq_ignore_ascii_case(host))
            {
                continue;
            }
            if f.segs.len() == segs.len()
                && f.segs.iter().zip(&segs).all(|(p, s)| match p {
                    Some(lit) => lit.eq_ignore_ascii_case(s),
                    None => true,
                })
            {
                return Some(f.template.clone());
            }
        }
        if let Some(root) = self.hosts.get(host) {
            let mut out = Vec::with_capacity(segs.len());
            if walk(root, &segs, &mut out) {
                return Some(format!("/{}", out.join("/")));
            }
        }
        Some(fallback(&segs))
    }

    /// The API a request belongs to; `None` for static files and ignored hosts or paths.
    /// API documentation pages are HTML but count as APIs (see [`super::doc_page`]); their
    /// fixed names keep their literal template.
    pub fn resolve(&self, ex: &Exchange) -> Option<ApiKey> {
        let r = ex.record;
        let mut path = match self.template(&r.host, &r.path) {
            Some(path) => path,
            None if self.is_doc_page(r) => fallback(&segment::split_path(&r.path, MAX_DEPTH)),
            None => return None,
        };
        if let Some(op) = operation::operation(ex) {
            path.push('#');
            path.push_str(op.name());
        }
        Some(ApiKey {
            host: r.host.clone(),
            method: r.method.to_ascii_uppercase(),
            path,
        })
    }

    /// A static `.html` file that is an API documentation page, on a host and path the user
    /// did not ignore.
    fn is_doc_page(&self, r: &Record) -> bool {
        !self.config.rules.host_ignored(&r.host)
            && !self.config.rules.path_ignored(&r.path)
            && super::doc_page::is_api_doc_page(r)
    }
}

/// Literal first, then variables, backtracking when a branch dead-ends.
fn walk<'n>(node: &'n CNode, segs: &[Cow<str>], out: &mut Vec<&'n str>) -> bool {
    let Some((seg, rest)) = segs.split_first() else {
        return true;
    };
    let key = segment::lowercase(seg);
    let lit = node.lit.get(key.as_ref());
    if let Some((display, child)) = lit {
        out.push(display);
        if (rest.is_empty() && (child.terminal || node.vars.is_empty()))
            || (!rest.is_empty() && walk(child, rest, out))
        {
            return true;
        }
        out.pop();
    }
    let (_, ext) = segment::split_extension(seg);
    // A variable with the segment's extension, then the plain one.
    let with_ext = node
        .vars
        .iter()
        .filter(|v| !ext.is_empty() && v.ext.eq_ignore_ascii_case(ext));
    for v in with_ext.chain(node.vars.iter().filter(|v| v.ext.is_empty())) {
        out.push(&v.display);
        if walk(&v.node, rest, out) {
            return true;
        }
        out.pop();
    }
    if let Some((display, child)) = lit {
        out.push(display);
        if walk(child, rest, out) {
            return true;
        }
        out.pop();
    }
    false
}

/// A path the templater never saw: identifiers by kind, words literal.
fn fallback(segs: &[Cow<str>]) -> String {
    let mut used: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(segs.len());
    let mut prev: Option<&str> = None;
    for seg in segs {
        let (stem, ext) = segment::split_extension(seg);
        let kind = segment::classify(stem);
        if kind.is_strong() {
            let name = var_name(kind, prev, &used);
            out.push(Cow::Owned(format!(
                "{{{name}}}{}",
                ext.to_ascii_lowercase()
            )));
            used.push(name);
            prev = None;
        } else {
            out.push(Cow::Borrowed(seg.as_ref()));
            prev = Some(seg);
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(host: &str, method: &str, path: &str) -> Record {
        Record {
            time_ms: 0,
            host: host.into(),
            method: method.into(),
            path: path.into(),
            query: None,
            scheme: None,
            client_ip: "10.0.0.1".parse().unwrap(),
            user_agent: None,
            status: 200,
            request_headers: vec![],
            request_body: None,
            response_headers: vec![],
            response_body: None,
            account: None,
            waf_action: None,
            waf_rule: None,
        }
    }

    fn learn(paths: &[&str]) -> TemplateSet {
        learn_with(paths, DiscoveryConfig::default())
    }

    fn learn_with(paths: &[&str], config: DiscoveryConfig) -> TemplateSet {
        let mut t = PathTemplater::new(config);
        for p in paths {
            t.observe(&rec("h", "GET", p));
        }
        t.finish()
    }

    fn tpl(set: &TemplateSet, path: &str) -> String {
        set.template("h", path).unwrap_or_default()
    }

    #[test]
    fn memoised_templates_belong_to_their_set() {
        // Two analyses on one thread (console jobs share the pool): each set answers with its
        // own templates, however the lookups interleave.
        let plain = learn(&["/health/live"]);
        let mut config = DiscoveryConfig::default();
        config.rules.ignored_path_prefixes.push("/health".into());
        let ignoring = learn_with(&["/health/live"], config);
        for _ in 0..3 {
            assert_eq!(tpl(&plain, "/health/live"), "/health/live");
            assert_eq!(ignoring.template("h", "/health/live"), None);
        }
        // The host and the path are told apart however the bytes split between them.
        let twin = learn(&["/b/c"]);
        assert_eq!(
            twin.template("a", "/b/c"),
            twin.template_uncached("a", "/b/c")
        );
        assert_eq!(
            twin.template("a/b", "/c"),
            twin.template_uncached("a/b", "/c")
        );
    }

    #[test]
    fn ids_become_variables_even_when_seen_once() {
        let set = learn(&[
            "/orders/8f3a9c2e-1b4d-4e5f-9a8b-7c6d5e4f3a2b",
            "/api/v1/users/42/orders",
        ]);
        assert_eq!(
            tpl(&set, "/orders/8f3a9c2e-1b4d-4e5f-9a8b-7c6d5e4f3a2b"),
            "/orders/{order_id}"
        );
        assert_eq!(
            tpl(&set, "/api/v1/users/42/orders"),
            "/api/v1/users/{user_id}/orders"
        );
    }

    #[test]
    fn literals_beside_ids_stay() {
        let mut paths = vec!["/users/me", "/orders/export", "/orders/stats"];
        // A search route is called far more often than any one user.
        paths.extend(["/users/search"; 12]);
        let ids: Vec<String> = (0..20)
            .map(|i| format!("/users/{}", 1000 + i * 7))
            .collect();
        paths.extend(ids.iter().map(String::as_str));
        paths.push("/orders/17");
        let set = learn(&paths);
        assert_eq!(tpl(&set, "/users/me"), "/users/me");
        assert_eq!(tpl(&set, "/users/search"), "/users/search");
        assert_eq!(tpl(&set, "/users/1007"), "/users/{user_id}");
        assert_eq!(tpl(&set, "/orders/export"), "/orders/export");
        assert_eq!(tpl(&set, "/orders/stats"), "/orders/stats");
    }

    #[test]
    fn a_small_set_of_words_stays_literal() {
        let set = learn(&["/shop/alpha", "/shop/beta", "/shop/gamma", "/shop/alpha"]);
        assert_eq!(tpl(&set, "/shop/beta"), "/shop/beta");
    }

    #[test]
    fn many_usernames_merge() {
        let names = [
            "octocat",
            "torvalds",
            "gaearon",
            "sindresorhus",
            "yyx990803",
            "tj",
            "mojombo",
            "defunkt",
            "pjhyett",
            "wycats",
            "ezmobius",
            "ivey",
            "evanphx",
        ];
        let mut paths: Vec<String> = names.iter().map(|n| format!("/users/{n}/repos")).collect();
        paths.push("/users/me".into());
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let set = learn(&refs);
        assert_eq!(tpl(&set, "/users/octocat/repos"), "/users/{user}/repos");
        assert_eq!(tpl(&set, "/users/me"), "/users/me");
    }

    #[test]
    fn owners_and_repos_merge_by_shape() {
        let set = learn(&[
            "/repos/octocat/hello-world/issues",
            "/repos/octocat/spoon-knife/pulls/3",
            "/repos/torvalds/linux/issues/12",
            "/repos/acme-corp/widgets/pulls",
        ]);
        assert_eq!(
            tpl(&set, "/repos/octocat/hello-world/issues"),
            "/repos/{repo}/{name}/issues"
        );
        assert_eq!(
            tpl(&set, "/repos/torvalds/linux/issues/12"),
            "/repos/{repo}/{name}/issues/{issue_id}"
        );
    }

    #[test]
    fn versions_and_reserved_stay() {
        let set = learn(&["/api/v1/items/3", "/api/v2/items/4", "/api/v2.1/items/5"]);
        assert_eq!(tpl(&set, "/api/v2.1/items/5"), "/api/v2.1/items/{item_id}");
        assert_eq!(tpl(&set, "/api/v1/items/3"), "/api/v1/items/{item_id}");
    }

    #[test]
    fn normalisation() {
        let set = learn(&[
            "/Users/42/",
            "/users//43",
            "/users/44;jsessionid=abc",
            "/users/45.json",
        ]);
        assert_eq!(tpl(&set, "/users/42/"), "/users/{user_id}");
        assert_eq!(tpl(&set, "/USERS/46"), "/users/{user_id}");
        assert_eq!(tpl(&set, "/users/45.json"), "/users/{user_id}.json");
        assert_eq!(tpl(&set, "/a%20b/7"), "/a b/{a_b_id}");
    }

    #[test]
    fn static_files_and_rules() {
        let mut config = DiscoveryConfig::default();
        config.rules.ignored_hosts.push("*.cdn.example".into());
        config.rules.ignored_path_prefixes.push("/health".into());
        config.rules.literal_segments.push("admin-team".into());
        config.rules.forced.push(ForcedTemplate {
            host: None,
            template: "/files/{path}".into(),
        });
        let set = learn_with(&["/teams/admin-team", "/teams/42"], config);
        assert_eq!(set.template("h", "/app.js"), None);
        assert_eq!(set.template("x.cdn.example", "/api"), None);
        assert_eq!(set.template("h", "/healthz"), None);
        assert_eq!(tpl(&set, "/teams/admin-team"), "/teams/admin-team");
        assert_eq!(tpl(&set, "/files/report"), "/files/{path}");
    }

    #[test]
    fn merge_equals_single_pass() {
        let paths = [
            "/a/1",
            "/a/2/b",
            "/c/x",
            "/c/y",
            "/users/bob",
            "/users/alice",
        ];
        let single = learn(&paths);
        let mut t1 = PathTemplater::new(DiscoveryConfig::default());
        let mut t2 = PathTemplater::new(DiscoveryConfig::default());
        for (i, p) in paths.iter().enumerate() {
            if i % 2 == 0 { &mut t1 } else { &mut t2 }.observe(&rec("h", "GET", p));
        }
        t1.merge(t2);
        let merged = t1.finish();
        for p in paths {
            assert_eq!(tpl(&single, p), tpl(&merged, p), "{p}");
        }
    }

    #[test]
    fn hostile_paths_do_not_panic() {
        let long = "/x".repeat(5000);
        let weird = [
            "/%ff%fe/\u{0}/..",
            "////",
            "",
            "/é/ü/1",
            &long,
            "/a/%zz/1.JSON",
        ];
        let set = learn(&weird);
        for p in weird {
            let _ = set.template("h", p);
        }
    }
}
