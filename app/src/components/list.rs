//! Building blocks of list pages (Risks, Events, and any other table): sortable column
//! headers, a pager, a filter bar, count cards, a level badge and a detail drawer.
//!
//! Every piece keeps its state in the URL query string (`sort`, `dir`, `page`, filters, the
//! selected item) and renders plain links and GET forms, so views are linkable, the server
//! renders them and the back button works (links navigate in the client; filter forms reload).

use crate::i18n::tr;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The current URL query as ordered (key, value) pairs, values unescaped.
pub fn use_query_pairs() -> Memo<Vec<(String, String)>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            q.into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    })
}

/// Percent-encodes one query component.
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

/// `path?query` from `pairs` with `set` applied: `Some(v)` sets a key (replacing any value),
/// `None` removes it. Keys keep their order; empty values are dropped.
pub fn href_with(path: &str, pairs: &[(String, String)], set: &[(&str, Option<String>)]) -> String {
    let mut out: Vec<(String, String)> = vec![];
    for (k, v) in pairs {
        if set.iter().any(|(s, _)| s == k) || out.iter().any(|(o, _)| o == k) {
            continue;
        }
        out.push((k.clone(), v.clone()));
    }
    for (k, v) in set {
        if let Some(v) = v {
            out.push((k.to_string(), v.clone()));
        }
    }
    let q = out
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// The query string of `pairs` without the keys in `drop` (what list server functions take).
pub fn query_string(pairs: &[(String, String)], drop: &[&str]) -> String {
    pairs
        .iter()
        .filter(|(k, v)| !drop.contains(&k.as_str()) && !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The English label of a level key.
pub fn level_label(level: &str) -> &'static str {
    match level {
        "high" => tr("High"),
        "medium" => tr("Medium"),
        "low" => tr("Low"),
        "custom" => tr("Custom"),
        _ => tr("Unknown"),
    }
}

/// The label of a workflow status of a risk or an event.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "to_confirm" => tr("To be confirmed"),
        "confirmed" => tr("Confirmed"),
        "fixed" => tr("Fixed"),
        "ignored" => tr("Ignored"),
        "handled" => tr("Handled"),
        "false_positive" => tr("False positive"),
        _ => tr("Unknown"),
    }
}

/// A badge for a workflow status.
#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let class = format!("badge status-{status}");
    view! { <span class=class data-status=status.clone()>{status_label(&status)}</span> }
}

/// A coloured badge for a level (`high`, `medium`, `low`, `custom`).
#[component]
pub fn LevelBadge(#[prop(into)] level: String) -> impl IntoView {
    let class = match level.as_str() {
        "high" | "medium" | "low" => format!("badge level-{level}"),
        _ => "badge".to_string(),
    };
    view! { <span class=class data-level=level.clone()>{level_label(&level)}</span> }
}

/// A column header that sorts the list by `key`: the first click sorts descending, a second
/// click on the sorted column flips the direction. Resets the page.
#[component]
pub fn SortHeader(
    /// The page's path (`/risks`).
    path: &'static str,
    /// The `sort` value of this column.
    key: &'static str,
    label: &'static str,
    /// The sort key used when the URL names none.
    default_key: &'static str,
) -> impl IntoView {
    let pairs = use_query_pairs();
    let state = move || {
        pairs.with(|p| {
            let get = |k: &str| p.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
            let current = get("sort").unwrap_or_else(|| default_key.to_string());
            let desc = get("dir").as_deref() != Some("asc");
            (current == key, desc)
        })
    };
    let href = move || {
        let (active, desc) = state();
        let dir = if active && desc { "asc" } else { "desc" };
        pairs.with(|p| {
            href_with(
                path,
                p,
                &[
                    ("sort", Some(key.to_string())),
                    ("dir", Some(dir.to_string())),
                    ("page", None),
                ],
            )
        })
    };
    let arrow = move || match state() {
        (true, true) => " ▼",
        (true, false) => " ▲",
        _ => "",
    };
    let aria = move || match state() {
        (true, true) => "descending",
        (true, false) => "ascending",
        _ => "none",
    };
    view! {
        <th aria-sort=aria>
            <a class="sort-link" href=href data-sort=key>{tr(label)}{arrow}</a>
        </th>
    }
}

/// Previous / next links and "page x of y (n items)".
#[component]
pub fn Pager(path: &'static str, total: i64, page: i64, per_page: i64) -> impl IntoView {
    let pairs = use_query_pairs();
    let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
    let link = move |p: i64| pairs.with(|q| href_with(path, q, &[("page", Some(p.to_string()))]));
    view! {
        <nav class="pager" aria-label=tr("Pages") data-testid="pager">
            {(page > 1)
                .then(|| view! { <a class="btn" href=link(page - 1) rel="prev">{tr("Previous")}</a> })}
            <span class="muted" data-testid="pager-status">
                {format!("{} {page} / {pages} · {total} {}", tr("Page"), tr("items"))}
            </span>
            {(page < pages)
                .then(|| view! { <a class="btn" href=link(page + 1) rel="next">{tr("Next")}</a> })}
        </nav>
    }
}

/// A GET form over the list: submitting loads `path` with the fields as the query (a plain
/// form: the server renders the filtered list).
/// Keeps the keys in `keep` (scope, tab) from the current URL as hidden fields, and resets the
/// page and selected item. Put labelled inputs named like the query keys in `children`.
#[component]
pub fn FilterBar(
    path: &'static str,
    keep: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    let pairs = use_query_pairs();
    let hidden = move || {
        pairs.with(|p| {
            p.iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| view! { <input type="hidden" name=k.clone() value=v.clone()/> })
                .collect_view()
        })
    };
    let reset = move || {
        pairs.with(|p| {
            let kept: Vec<(String, String)> = p
                .iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .cloned()
                .collect();
            href_with(path, &kept, &[])
        })
    };
    view! {
        <form method="get" action=path>
            <div class="filter-bar" data-testid="filter-bar">
                {hidden}
                {children()}
                <button type="submit" class="btn btn-primary">{tr("Apply")}</button>
                <a class="btn" href=reset>{tr("Reset")}</a>
            </div>
        </form>
    }
}

/// A `<select>` of a filter bar whose current value comes from the URL.
#[component]
pub fn FilterSelect(
    name: &'static str,
    label: &'static str,
    /// (value, label); the "any" option is added first.
    options: Vec<(String, String)>,
) -> impl IntoView {
    let pairs = use_query_pairs();
    let current = move || {
        pairs.with(|p| {
            p.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <label class="filter">
            <span>{tr(label)}</span>
            <select name=name data-filter=name>
                <option value="" selected=move || current().is_empty()>{tr("Any")}</option>
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let v2 = v.clone();
                        view! { <option value=v selected=move || current() == v2>{l}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// A text or date `<input>` of a filter bar whose current value comes from the URL.
#[component]
pub fn FilterInput(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    let pairs = use_query_pairs();
    let current = move || {
        pairs.with(|p| {
            p.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <label class="filter">
            <span>{tr(label)}</span>
            <input type=kind name=name value=current placeholder=placeholder data-filter=name/>
        </label>
    }
}

/// One count card: a number that filters the list when clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountCard {
    pub key: String,
    pub label: String,
    pub count: i64,
    /// Level key for colouring (`high`...), if this card is a level.
    pub level: Option<String>,
}

/// A row of count cards; clicking one sets `param` to its key (clicking the active one clears).
#[component]
pub fn CountCards(
    path: &'static str,
    param: &'static str,
    title: &'static str,
    cards: Vec<CountCard>,
) -> impl IntoView {
    let pairs = use_query_pairs();
    let active = move || {
        pairs.with(|p| {
            p.iter()
                .find(|(k, _)| k == param)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="count-cards" data-testid=format!("counts-{param}")>
            <h3 class="muted">{tr(title)}</h3>
            <div class="count-row">
                {cards
                    .into_iter()
                    .map(|c| {
                        let key = c.key.clone();
                        let key2 = c.key.clone();
                        let href = move || {
                            let on = active() == key;
                            pairs.with(|p| {
                                href_with(path, p, &[(param, (!on).then(|| key.clone())), ("page", None)])
                            })
                        };
                        let class = move || {
                            let mut cls = String::from("count-card");
                            if let Some(l) = &c.level {
                                cls.push_str(&format!(" count-{l}"));
                            }
                            if active() == key2 {
                                cls.push_str(" active");
                            }
                            cls
                        };
                        view! {
                            <a class=class href=href data-count=c.key.clone()>
                                <span class="count-value">{c.count}</span>
                                <span class="count-label">{c.label.clone()}</span>
                            </a>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// A side panel over the list for one item; closing is a link (removes the item from the URL).
#[component]
pub fn Drawer(
    #[prop(into)] close_href: Signal<String>,
    #[prop(into)] title: String,
    children: Children,
) -> impl IntoView {
    let label = title.clone();
    view! {
        <aside class="drawer" role="dialog" aria-label=label data-testid="drawer">
            <header class="drawer-head">
                <h2>{title}</h2>
                <a class="btn drawer-close" href=move || close_href.get() aria-label=tr("Close")>
                    "×"
                </a>
            </header>
            <div class="drawer-body">{children()}</div>
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn hrefs_replace_and_remove_keys() {
        let p = pairs(&[("tenant", "demo"), ("level", "high"), ("page", "3")]);
        assert_eq!(
            href_with(
                "/risks",
                &p,
                &[("sort", Some("hits".into())), ("page", None)]
            ),
            "/risks?tenant=demo&level=high&sort=hits"
        );
        assert_eq!(
            href_with("/risks", &p, &[("level", Some("a b&c".into()))]),
            "/risks?tenant=demo&page=3&level=a%20b%26c"
        );
        assert_eq!(href_with("/x", &[], &[]), "/x");
    }

    #[test]
    fn query_strings_drop_scope_keys() {
        let p = pairs(&[
            ("tenant", "demo"),
            ("region", "cn"),
            ("level", "high"),
            ("risk", "4"),
            ("host", ""),
        ]);
        assert_eq!(
            query_string(&p, &["tenant", "rg", "region", "risk"]),
            "level=high"
        );
    }
}
