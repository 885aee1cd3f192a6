//! The forms of the Policies page: one per kind, each building the engine's JSON definition
//! from its fields, with errors shown next to the field the server names, a preview on recent
//! traffic (identification, risk, event) or a sample tester (sensitive data).

use crate::api::policies::{
    split_field_error, PolicyRow, PreviewPolicy, PurposeOption, SavePolicy, TestSensitiveSample,
};
use crate::api::SessionInfo;
use crate::i18n::{catalog_name, tr};
use crate::scope::{use_scope, Scope};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::{json, Value};

type FieldErr = RwSignal<Option<(Option<String>, String)>>;

/// Shared state of one policy form.
#[derive(Clone, Copy)]
struct FormCtx {
    scope: Scope,
    csrf: StoredValue<String>,
    kind: StoredValue<String>,
    id: Option<i64>,
    err: FieldErr,
    save: ServerAction<SavePolicy>,
    preview: ServerAction<PreviewPolicy>,
}

impl FormCtx {
    fn submit(&self, draft: Result<Value, (String, String)>) {
        match draft {
            Ok(def) => {
                self.err.set(None);
                self.save.dispatch(SavePolicy {
                    tenant: self.scope.tenant.get_untracked(),
                    kind: self.kind.get_value(),
                    id: self.id,
                    definition: def.to_string(),
                    csrf: self.csrf.get_value(),
                });
            }
            Err((f, m)) => self.err.set(Some((Some(f), m))),
        }
    }

    fn run_preview(&self, draft: Result<Value, (String, String)>) {
        match draft {
            Ok(def) => {
                self.err.set(None);
                self.preview.dispatch(PreviewPolicy {
                    tenant: self.scope.tenant.get_untracked(),
                    rg: self.scope.rg.get_untracked(),
                    region: self.scope.region.get_untracked(),
                    kind: self.kind.get_value(),
                    definition: def.to_string(),
                });
            }
            Err((f, m)) => self.err.set(Some((Some(f), m))),
        }
    }
}

/// Comma-separated list → items.
fn csv(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// A JSON string array → "a, b".
fn joined(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn opt(s: String) -> Value {
    let t = s.trim();
    if t.is_empty() {
        Value::Null
    } else {
        Value::String(t.to_string())
    }
}

/// The error of one field, shown next to it.
#[component]
fn FieldError(err: FieldErr, #[prop(into)] field: String) -> impl IntoView {
    let testid = format!("field-error-{field}");
    move || {
        err.get().and_then(|(f, m)| {
            (f.as_deref() == Some(field.as_str())).then(|| {
                view! { <p class="field-error" role="alert" data-testid=testid.clone()>{m}</p> }
            })
        })
    }
}

/// A text input bound to a signal, with its label and error.
#[component]
fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    err: FieldErr,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            {tr(label)}
            <input
                type="text"
                name=name
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {(!hint.is_empty()).then(|| view! { <span class="muted small">{tr(hint)}</span> })}
            <FieldError err field=name/>
        </label>
    }
}

/// A select of fixed options bound to a signal.
#[component]
fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    options: Vec<(&'static str, &'static str)>,
    err: FieldErr,
) -> impl IntoView {
    view! {
        <label class="field">
            {tr(label)}
            <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
                {options
                    .into_iter()
                    .map(|(k, l)| view! { <option value=k selected=move || value.get() == k>{tr(l)}</option> })
                    .collect_view()}
            </select>
            <FieldError err field=name/>
        </label>
    }
}

/// Fields whose errors show next to them, per kind; any other error shows above the form.
fn known_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "purpose" => &[
            "name",
            "hosts",
            "methods",
            "path_regex",
            "param_names",
            "purpose",
            "type",
        ],
        "sensitive" => &[
            "name", "regex", "fields", "keywords", "level", "category", "sample",
        ],
        "risk" => &["name", "level", "suggestion", "conditions"],
        _ => &[
            "name",
            "condition.host",
            "condition.method",
            "condition.path",
            "condition.purpose",
            "condition.status",
            "condition.content",
            "group_by",
            "threshold",
            "window_secs",
            "level",
            "suggestion",
        ],
    }
}

const LEVELS: [(&str, &str); 3] = [("high", "High"), ("medium", "Medium"), ("low", "Low")];

/// The create / edit form of one kind.
#[component]
pub fn PolicyForm(
    kind: String,
    editing: Option<PolicyRow>,
    purposes: Vec<PurposeOption>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let scope = use_scope();
    let info = expect_context::<SessionInfo>();
    let navigate = use_navigate();
    let ctx = FormCtx {
        scope,
        csrf: StoredValue::new(info.csrf.clone()),
        kind: StoredValue::new(kind.clone()),
        id: editing.as_ref().map(|p| p.id),
        err: RwSignal::new(None),
        save: ServerAction::<SavePolicy>::new(),
        preview: ServerAction::<PreviewPolicy>::new(),
    };
    Effect::new(move |_| {
        if let Some(r) = ctx.save.value().get() {
            match r {
                Ok(row) => {
                    ctx.err.set(None);
                    reload.update(|n| *n += 1);
                    navigate(
                        &format!(
                            "{}&tab={}&edit={}&saved=1",
                            scope.href("/policies"),
                            row.kind,
                            row.id
                        ),
                        Default::default(),
                    );
                }
                Err(e) => ctx.err.set(Some(split_field_error(&e.to_string()))),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = ctx.preview.value().get() {
            ctx.err.set(Some(split_field_error(&e.to_string())));
        }
    });
    let def: Value = editing
        .as_ref()
        .and_then(|p| serde_json::from_str(&p.definition).ok())
        .unwrap_or(Value::Null);
    let title = match (&editing, kind.as_str()) {
        (Some(p), _) => format!("{} {}", tr("Edit"), p.name),
        (None, "purpose") => tr("New identification policy").to_string(),
        (None, "sensitive") => tr("New sensitive data policy").to_string(),
        (None, "risk") => tr("New risk rule").to_string(),
        (None, _) => tr("New event rule").to_string(),
    };
    let known = known_fields(&kind);
    let top_error = move || {
        ctx.err.get().and_then(|(f, m)| {
            let shown_by_field = f.as_deref().is_some_and(|f| {
                known.contains(&f) || (f.starts_with("conditions.") && known.contains(&"conditions"))
            });
            (!shown_by_field).then(|| {
                let msg = match f {
                    Some(f) => format!("{f}: {m}"),
                    None => m,
                };
                view! { <div class="alert alert-error" role="alert" data-testid="form-error">{msg}</div> }
            })
        })
    };
    let body = match kind.as_str() {
        "purpose" => view! { <PurposeForm ctx def purposes/> }.into_any(),
        "sensitive" => view! { <SensitiveForm ctx def/> }.into_any(),
        "risk" => view! { <RiskForm ctx def purposes/> }.into_any(),
        _ => view! { <EventForm ctx def purposes/> }.into_any(),
    };
    let previewable = kind != "sensitive";
    view! {
        <section class="card policy-form" data-testid="policy-form">
            <h2>{title}</h2>
            {top_error}
            {body}
            {previewable.then(|| view! { <PreviewResult ctx/> })}
        </section>
    }
}

/// Save and (for traffic rules) preview buttons.
#[component]
fn Buttons(ctx: FormCtx, #[prop(optional)] preview: Option<Callback<()>>) -> impl IntoView {
    view! {
        <div class="form-actions">
            <button type="submit" class="btn btn-primary" data-testid="policy-save" disabled=move || ctx.save.pending().get()>
                {tr("Save")}
            </button>
            {preview.map(|p| view! {
                " "
                <button type="button" class="btn" data-testid="policy-preview" on:click=move |_| p.run(())>
                    {tr("Preview on recent traffic")}
                </button>
            })}
            <span class="muted small">" " {tr("Applies at the next analysis.")}</span>
        </div>
    }
}

/// What a draft would have found on the scope's recent traffic.
#[component]
fn PreviewResult(ctx: FormCtx) -> impl IntoView {
    view! {
        <div class="policy-preview" data-testid="preview-result">
            {move || ctx.preview.pending().get().then(|| view! { <p class="loading">{tr("Running the draft on recent traffic…")}</p> })}
            {move || match ctx.preview.value().get() {
                Some(Ok(p)) if p.segments == 0 => view! {
                    <p class="muted" data-testid="preview-empty">
                        {tr("This scope has no stored traffic yet, so there is nothing to preview on. Add a data source first.")}
                    </p>
                }.into_any(),
                Some(Ok(p)) => {
                    let rows = p.rows;
                    view! {
                        <p class="muted" data-testid="preview-summary">
                            {tr("Ran on the")} " " <strong>{p.records}</strong> " " {tr("most recent records")}
                            " (" {p.apis} " " {tr("APIs")} "): "
                            <strong data-testid="preview-count">{rows.len() + p.more}</strong> " " {tr("matches.")}
                        </p>
                        {(!rows.is_empty()).then(|| view! {
                            <table class="table">
                                <thead><tr><th>{tr("API")}</th><th>{tr("What")}</th><th>{tr("Level")}</th><th>{tr("Count")}</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr data-testid="preview-row">
                                            <td><code>{r.api}</code></td>
                                            <td>{r.detail}</td>
                                            <td>{(!r.level.is_empty()).then(|| view! { <span class=format!("badge level-{}", r.level)>{r.level.clone()}</span> })}</td>
                                            <td>{r.count}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                    }.into_any()
                }
                _ => ().into_any(),
            }}
        </div>
    }
}

// Identification (purpose) ------------------------------------------------------------------

#[component]
fn PurposeSelects(
    purposes: Vec<PurposeOption>,
    purpose: RwSignal<String>,
    kind: RwSignal<String>,
    err: FieldErr,
    #[prop(optional)] optional_type: bool,
) -> impl IntoView {
    let list = StoredValue::new(purposes);
    let types = move || {
        list.with_value(|ps| {
            ps.iter()
                .find(|p| p.key == purpose.get())
                .map(|p| p.types.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <label class="field">
            {tr("Purpose")}
            <select
                name="purpose"
                on:change=move |ev| {
                    purpose.set(event_target_value(&ev));
                    kind.set(String::new());
                }
            >
                <option value="" selected=move || purpose.get().is_empty()>{tr("Choose…")}</option>
                {list.with_value(|ps| ps.iter().map(|p| {
                    let key = p.key.clone();
                    let k2 = key.clone();
                    view! { <option value=key.clone() selected=move || purpose.get() == k2>{catalog_name("purpose", &key, &p.name)}</option> }
                }).collect_view())}
            </select>
            <FieldError err field="purpose"/>
        </label>
        <label class="field">
            {tr("Type")}
            <select name="type" on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="" selected=move || kind.get().is_empty()>
                    {if optional_type { tr("Any type") } else { tr("Choose…") }}
                </option>
                {move || types().into_iter().map(|t| {
                    let key = t.key.clone();
                    let k2 = key.clone();
                    view! { <option value=key.clone() selected=move || kind.get() == k2>{catalog_name("purpose_type", &key, &t.name)}</option> }
                }).collect_view()}
            </select>
            <FieldError err field="type"/>
        </label>
    }
}

#[component]
fn PurposeForm(ctx: FormCtx, def: Value, purposes: Vec<PurposeOption>) -> impl IntoView {
    let name = RwSignal::new(text(&def, "name"));
    let hosts = RwSignal::new(joined(&def["hosts"]));
    let methods = RwSignal::new(joined(&def["methods"]));
    let path_regex = RwSignal::new(text(&def, "path_regex"));
    let params = RwSignal::new(joined(&def["param_names"]));
    let purpose = RwSignal::new(text(&def, "purpose"));
    let kind = RwSignal::new(text(&def, "type"));
    let draft = move || -> Result<Value, (String, String)> {
        Ok(json!({
            "name": name.get_untracked(),
            "hosts": csv(&hosts.get_untracked()),
            "methods": csv(&methods.get_untracked()),
            "path_regex": opt(path_regex.get_untracked()),
            "param_names": csv(&params.get_untracked()),
            "purpose": purpose.get_untracked(),
            "type": kind.get_untracked(),
        }))
    };
    let err = ctx.err;
    view! {
        <form class="policy-fields" on:submit=move |ev| { ev.prevent_default(); ctx.submit(draft()); }>
            <TextField label="Name" name="name" value=name err/>
            <p class="muted small">{tr("Conditions (all given ones must hold):")}</p>
            <FieldError err field="conditions"/>
            <div class="field-row">
                <TextField label="Hosts" name="hosts" value=hosts err placeholder="api.example.com, *.example.com"/>
                <TextField label="Methods" name="methods" value=methods err placeholder="GET, POST"/>
            </div>
            <TextField label="Path (regular expression on the API path template)" name="path_regex" value=path_regex err placeholder="^/api/v\\d+/coupons/"/>
            <TextField label="Parameter names (all must be present)" name="param_names" value=params err placeholder="coupon_code, user_id"/>
            <p class="muted small">{tr("Assign:")}</p>
            <div class="field-row">
                <PurposeSelects purposes purpose kind err/>
            </div>
            <Buttons ctx preview=Callback::new(move |_| ctx.run_preview(draft()))/>
        </form>
    }
}

// Sensitive data ------------------------------------------------------------------------------

#[component]
fn SensitiveForm(ctx: FormCtx, def: Value) -> impl IntoView {
    let name = RwSignal::new(text(&def, "name"));
    let regex = RwSignal::new(text(&def, "regex"));
    let fields = RwSignal::new(joined(&def["fields"]));
    let keywords = RwSignal::new(joined(&def["keywords"]));
    let level = RwSignal::new(match text(&def, "level") {
        l if l.is_empty() => "S2".to_string(),
        l => l,
    });
    let category = RwSignal::new(text(&def, "category"));
    let sample = RwSignal::new(String::new());
    let sample_field = RwSignal::new(String::new());
    let tester = ServerAction::<TestSensitiveSample>::new();
    let draft = move || -> Value {
        json!({
            "name": name.get_untracked(),
            "regex": regex.get_untracked(),
            "fields": csv(&fields.get_untracked()),
            "keywords": csv(&keywords.get_untracked()),
            "level": level.get_untracked(),
            "category": category.get_untracked(),
        })
    };
    let err = ctx.err;
    Effect::new(move |_| {
        if let Some(Err(e)) = tester.value().get() {
            err.set(Some(split_field_error(&e.to_string())));
        }
    });
    let test = move |_| {
        err.set(None);
        tester.dispatch(TestSensitiveSample {
            tenant: ctx.scope.tenant.get_untracked(),
            definition: draft().to_string(),
            sample: sample.get_untracked(),
            field: sample_field.get_untracked(),
        });
    };
    view! {
        <form class="policy-fields" on:submit=move |ev| { ev.prevent_default(); ctx.submit(Ok(draft())); }>
            <div class="field-row">
                <TextField label="Name" name="name" value=name err/>
                <TextField label="Category" name="category" value=category err placeholder="custom"/>
                <SelectField label="Level" name="level" value=level err options=vec![
                    ("S1", "S1 (low)"), ("S2", "S2"), ("S3", "S3"), ("S4", "S4 (most sensitive)"),
                ]/>
            </div>
            <TextField label="Regular expression" name="regex" value=regex err placeholder="EMP-\\d{6}"/>
            <div class="field-row">
                <TextField label="Field names (optional)" name="fields" value=fields err placeholder="staffNo, employee_id"
                    hint="Only values under these JSON fields, parameters or headers."/>
                <TextField label="Keywords (optional)" name="keywords" value=keywords err placeholder="employee, 工号"
                    hint="Only values with one of these words nearby."/>
            </div>
            <fieldset class="sample-tester" data-testid="sample-tester">
                <legend>{tr("Test against a sample")}</legend>
                <label class="field">
                    {tr("Sample (text or JSON)")}
                    <textarea
                        name="sample"
                        rows="5"
                        prop:value=move || sample.get()
                        on:input=move |ev| sample.set(event_target_value(&ev))
                    ></textarea>
                    <FieldError err field="sample"/>
                </label>
                <TextField label="Treat a plain-text sample as the value of field (optional)" name="sample_field" value=sample_field err placeholder="staffNo"/>
                <button type="button" class="btn" data-testid="sample-test" on:click=test>{tr("Test sample")}</button>
                {move || tester.pending().get().then(|| view! { <span class="muted">" " {tr("Testing…")}</span> })}
                {move || match tester.value().get() {
                    Some(Ok(found)) if found.is_empty() => view! {
                        <p class="muted" data-testid="sample-none">{tr("Nothing found in the sample.")}</p>
                    }.into_any(),
                    Some(Ok(found)) => view! {
                        <table class="table" data-testid="sample-results">
                            <thead><tr><th>{tr("Type")}</th><th>{tr("Level")}</th><th>{tr("Field")}</th><th>{tr("Value (masked)")}</th></tr></thead>
                            <tbody>
                                {found.into_iter().map(|m| {
                                    let name = if m.custom { m.type_name.clone() } else { catalog_name("sensitive", &m.type_id.to_string(), &m.type_name) };
                                    view! {
                                        <tr data-testid="sample-match" data-custom=m.custom.to_string()>
                                            <td>{name} {m.custom.then(|| view! { " " <span class="badge">{tr("this policy")}</span> })}</td>
                                            <td>{m.level}</td>
                                            <td><code>{m.field}</code></td>
                                            <td><code>{m.masked}</code></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </fieldset>
            <Buttons ctx/>
        </form>
    }
}

// Risk rules ----------------------------------------------------------------------------------

/// One condition row of a risk rule; `a` and `b` mean what the kind needs.
#[derive(Clone, Copy)]
struct Cond {
    key: usize,
    kind: RwSignal<String>,
    a: RwSignal<String>,
    b: RwSignal<String>,
}

const COND_KINDS: [(&str, &str); 9] = [
    ("purpose", "API purpose"),
    ("sensitivity", "API sensitivity at least"),
    ("authenticated", "API authentication"),
    ("service_object", "API service object"),
    ("method", "Request method"),
    ("path", "Request path matches"),
    ("content", "Content matches"),
    ("field_present", "Field present"),
    ("status", "Response status"),
];

const PARTS: [(&str, &str); 5] = [
    ("response_body", "Response body"),
    ("response_headers", "Response headers"),
    ("request_body", "Request body"),
    ("request_url", "Request URL"),
    ("request_headers", "Request headers"),
];

fn cond_defaults(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "sensitivity" => ("high", ""),
        "authenticated" => ("false", ""),
        "service_object" => ("public_service", ""),
        "content" | "field_present" => ("response_body", ""),
        "status" => ("500", "599"),
        _ => ("", ""),
    }
}

fn cond_from(v: &Value, key: usize) -> Cond {
    let kind = text(v, "kind");
    let (a, b) = match kind.as_str() {
        "purpose" => (text(v, "purpose"), text(v, "type")),
        "sensitivity" => (text(v, "at_least"), String::new()),
        "authenticated" | "service_object" => (text(v, "value"), String::new()),
        "method" => (joined(&v["methods"]), String::new()),
        "path" => (text(v, "regex"), String::new()),
        "content" => (text(v, "part"), text(v, "regex")),
        "field_present" => (text(v, "part"), text(v, "field")),
        "status" => (text(v, "min"), text(v, "max")),
        _ => (String::new(), String::new()),
    };
    Cond {
        key,
        kind: RwSignal::new(kind),
        a: RwSignal::new(a),
        b: RwSignal::new(b),
    }
}

fn cond_json(c: &Cond, i: usize) -> Result<Value, (String, String)> {
    let (kind, a, b) = (
        c.kind.get_untracked(),
        c.a.get_untracked(),
        c.b.get_untracked(),
    );
    let field = format!("conditions.{i}");
    Ok(match kind.as_str() {
        "purpose" => json!({"kind": "purpose", "purpose": a, "type": opt(b)}),
        "sensitivity" => json!({"kind": "sensitivity", "at_least": a}),
        "authenticated" => json!({"kind": "authenticated", "value": a == "true"}),
        "service_object" => json!({"kind": "service_object", "value": a}),
        "method" => json!({"kind": "method", "methods": csv(&a)}),
        "path" => json!({"kind": "path", "regex": a}),
        "content" => json!({"kind": "content", "part": a, "regex": b}),
        "field_present" => json!({"kind": "field_present", "part": a, "field": b}),
        "status" => {
            let n = |s: &str| s.trim().parse::<u16>().ok();
            match (n(&a), n(&b)) {
                (Some(min), Some(max)) => json!({"kind": "status", "min": min, "max": max}),
                _ => {
                    return Err((
                        field,
                        tr("the status range needs two numbers, such as 500 and 599").into(),
                    ))
                }
            }
        }
        _ => return Err((field, tr("choose what the condition checks").into())),
    })
}

#[component]
fn CondInputs(c: Cond, purposes: StoredValue<Vec<PurposeOption>>) -> impl IntoView {
    let input = move |sig: RwSignal<String>, name: &'static str, ph: &'static str| {
        view! {
            <input type="text" name=name placeholder=ph
                prop:value=move || sig.get()
                on:input=move |ev| sig.set(event_target_value(&ev))/>
        }
    };
    let select = move |sig: RwSignal<String>,
                       name: &'static str,
                       opts: Vec<(&'static str, &'static str)>| {
        view! {
            <select name=name on:change=move |ev| sig.set(event_target_value(&ev))>
                {opts.into_iter().map(|(k, l)| view! { <option value=k selected=move || sig.get() == k>{tr(l)}</option> }).collect_view()}
            </select>
        }
    };
    move || {
        match c.kind.get().as_str() {
        "purpose" => {
            let types = move || {
                purposes.with_value(|ps| {
                    ps.iter()
                        .find(|p| p.key == c.a.get())
                        .map(|p| p.types.clone())
                        .unwrap_or_default()
                })
            };
            view! {
                <select name="cond_purpose" on:change=move |ev| { c.a.set(event_target_value(&ev)); c.b.set(String::new()); }>
                    <option value="">{tr("Choose…")}</option>
                    {purposes.with_value(|ps| ps.iter().map(|p| {
                        let k = p.key.clone();
                        let k2 = k.clone();
                        view! { <option value=k.clone() selected=move || c.a.get() == k2>{catalog_name("purpose", &k, &p.name)}</option> }
                    }).collect_view())}
                </select>
                <select name="cond_type" on:change=move |ev| c.b.set(event_target_value(&ev))>
                    <option value="">{tr("Any type")}</option>
                    {move || types().into_iter().map(|t| {
                        let k = t.key.clone();
                        let k2 = k.clone();
                        view! { <option value=k.clone() selected=move || c.b.get() == k2>{catalog_name("purpose_type", &k, &t.name)}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        "sensitivity" => select(c.a, "cond_sensitivity", vec![("high", "High"), ("medium", "Medium"), ("low", "Low")]).into_any(),
        "authenticated" => select(c.a, "cond_auth", vec![("false", "Not authenticated"), ("true", "Authenticated")]).into_any(),
        "service_object" => select(c.a, "cond_service", vec![
            ("public_service", "Public service"), ("internal_office", "Internal office"), ("third_party", "Third-party cooperation"),
        ]).into_any(),
        "method" => input(c.a, "cond_methods", "GET, POST").into_any(),
        "path" => input(c.a, "cond_path", "^/admin/").into_any(),
        "content" => view! { {select(c.a, "cond_part", PARTS.to_vec())} {input(c.b, "cond_regex", "regular expression")} }.into_any(),
        "field_present" => view! { {select(c.a, "cond_part", PARTS.to_vec())} {input(c.b, "cond_field", "field name, e.g. password")} }.into_any(),
        "status" => view! { {input(c.a, "cond_min", "min")} " – " {input(c.b, "cond_max", "max")} }.into_any(),
        _ => ().into_any(),
    }
    }
}

#[component]
fn RiskForm(ctx: FormCtx, def: Value, purposes: Vec<PurposeOption>) -> impl IntoView {
    let name = RwSignal::new(text(&def, "name"));
    let level = RwSignal::new(match text(&def, "level") {
        l if l.is_empty() => "medium".to_string(),
        l => l,
    });
    let suggestion = RwSignal::new(text(&def, "suggestion"));
    let next = StoredValue::new(0usize);
    let fresh = move || {
        let k = next.get_value();
        next.set_value(k + 1);
        k
    };
    let initial: Vec<Cond> = def["conditions"]
        .as_array()
        .map(|a| a.iter().map(|v| cond_from(v, fresh())).collect())
        .unwrap_or_default();
    let initial = if initial.is_empty() {
        vec![Cond {
            key: fresh(),
            kind: RwSignal::new("content".into()),
            a: RwSignal::new("response_body".into()),
            b: RwSignal::new(String::new()),
        }]
    } else {
        initial
    };
    let conds = RwSignal::new(initial);
    let purposes = StoredValue::new(purposes);
    let draft = move || -> Result<Value, (String, String)> {
        let list = conds.get_untracked();
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            out.push(cond_json(c, i)?);
        }
        Ok(json!({
            "name": name.get_untracked(),
            "level": level.get_untracked(),
            "suggestion": suggestion.get_untracked(),
            "conditions": out,
        }))
    };
    let err = ctx.err;
    let add = move |_| {
        let k = fresh();
        conds.update(|v| {
            v.push(Cond {
                key: k,
                kind: RwSignal::new("status".into()),
                a: RwSignal::new("500".into()),
                b: RwSignal::new("599".into()),
            })
        });
    };
    view! {
        <form class="policy-fields" on:submit=move |ev| { ev.prevent_default(); ctx.submit(draft()); }>
            <div class="field-row">
                <TextField label="Name" name="name" value=name err/>
                <SelectField label="Level" name="level" value=level err options=LEVELS.to_vec()/>
            </div>
            <fieldset class="conditions" data-testid="risk-conditions">
                <legend>{tr("Conditions (all must hold)")}</legend>
                <FieldError err field="conditions"/>
                <For
                    each=move || conds.get()
                    key=|c| c.key
                    children=move |c| {
                        let idx = move || conds.with(|v| v.iter().position(|x| x.key == c.key).unwrap_or(0));
                        view! {
                            <div class="condition" data-testid="risk-condition">
                                <select name="cond_kind" on:change=move |ev| {
                                    let k = event_target_value(&ev);
                                    let (a, b) = cond_defaults(&k);
                                    c.a.set(a.into());
                                    c.b.set(b.into());
                                    c.kind.set(k);
                                }>
                                    {COND_KINDS.into_iter().map(|(k, l)| view! {
                                        <option value=k selected=move || c.kind.get() == k>{tr(l)}</option>
                                    }).collect_view()}
                                </select>
                                <CondInputs c purposes/>
                                <button type="button" class="btn" title=tr("Remove this condition")
                                    on:click=move |_| conds.update(|v| v.retain(|x| x.key != c.key))>"×"</button>
                                {move || err.get().and_then(|(f, m)| {
                                    (f == Some(format!("conditions.{}", idx()))).then(|| view! {
                                        <p class="field-error" role="alert" data-testid=format!("field-error-conditions.{}", idx())>{m}</p>
                                    })
                                })}
                            </div>
                        }
                    }
                />
                <button type="button" class="btn" data-testid="add-condition" on:click=add>{tr("Add condition")}</button>
            </fieldset>
            <label class="field">
                {tr("Suggestion (shown with every risk this rule finds)")}
                <textarea name="suggestion" rows="3"
                    prop:value=move || suggestion.get()
                    on:input=move |ev| suggestion.set(event_target_value(&ev))></textarea>
                <FieldError err field="suggestion"/>
            </label>
            <Buttons ctx preview=Callback::new(move |_| ctx.run_preview(draft()))/>
        </form>
    }
}

// Event rules ---------------------------------------------------------------------------------

#[component]
fn EventForm(ctx: FormCtx, def: Value, purposes: Vec<PurposeOption>) -> impl IntoView {
    let c = &def["condition"];
    let name = RwSignal::new(text(&def, "name"));
    let host = RwSignal::new(text(c, "host"));
    let method = RwSignal::new(text(c, "method"));
    let path = RwSignal::new(text(c, "path"));
    let purpose = RwSignal::new(text(c, "purpose"));
    let status = RwSignal::new(joined(&c["status"]));
    let content = RwSignal::new(text(c, "content"));
    let group_by = RwSignal::new(match text(&def, "group_by") {
        g if g.is_empty() => "ip".to_string(),
        g => g,
    });
    let threshold = RwSignal::new(match text(&def, "threshold") {
        t if t.is_empty() => "100".to_string(),
        t => t,
    });
    let window = RwSignal::new(match text(&def, "window_secs") {
        t if t.is_empty() => "60".to_string(),
        t => t,
    });
    let level = RwSignal::new(match text(&def, "level") {
        l if l.is_empty() => "medium".to_string(),
        l => l,
    });
    let suggestion = RwSignal::new(text(&def, "suggestion"));
    let draft = move || -> Result<Value, (String, String)> {
        let threshold: u32 = threshold.get_untracked().trim().parse().map_err(|_| {
            (
                "threshold".to_string(),
                tr("the threshold is a number of requests").to_string(),
            )
        })?;
        let window: u64 = window.get_untracked().trim().parse().map_err(|_| {
            (
                "window_secs".to_string(),
                tr("the window is a number of seconds").to_string(),
            )
        })?;
        Ok(json!({
            "name": name.get_untracked(),
            "condition": {
                "host": opt(host.get_untracked()),
                "method": opt(method.get_untracked()),
                "path": opt(path.get_untracked()),
                "purpose": opt(purpose.get_untracked()),
                "status": csv(&status.get_untracked()),
                "content": opt(content.get_untracked()),
            },
            "group_by": group_by.get_untracked(),
            "threshold": threshold,
            "window_secs": window,
            "level": level.get_untracked(),
            "suggestion": suggestion.get_untracked(),
        }))
    };
    let err = ctx.err;
    view! {
        <form class="policy-fields" on:submit=move |ev| { ev.prevent_default(); ctx.submit(draft()); }>
            <TextField label="Name" name="name" value=name err/>
            <fieldset class="conditions">
                <legend>{tr("Requests that count (all given conditions must hold)")}</legend>
                <FieldError err field="condition"/>
                <div class="field-row">
                    <TextField label="Host" name="condition.host" value=host err placeholder="api.example.com"/>
                    <TextField label="Method" name="condition.method" value=method err placeholder="POST"/>
                    <TextField label="API path (* matches anything)" name="condition.path" value=path err placeholder="/api/*/export"/>
                </div>
                <div class="field-row">
                    <label class="field">
                        {tr("Purpose or purpose type")}
                        <select name="condition.purpose" on:change=move |ev| purpose.set(event_target_value(&ev))>
                            <option value="" selected=move || purpose.get().is_empty()>{tr("Any")}</option>
                            {purposes.into_iter().map(|p| {
                                let pk = p.key.clone();
                                let pk2 = pk.clone();
                                view! {
                                    <optgroup label=catalog_name("purpose", &p.key, &p.name)>
                                        <option value=pk.clone() selected=move || purpose.get() == pk2>
                                            {catalog_name("purpose", &pk, &p.name)} " " {tr("(any type)")}
                                        </option>
                                        {p.types.into_iter().map(|t| {
                                            let tk = t.key.clone();
                                            let tk2 = tk.clone();
                                            view! { <option value=tk.clone() selected=move || purpose.get() == tk2>{catalog_name("purpose_type", &tk, &t.name)}</option> }
                                        }).collect_view()}
                                    </optgroup>
                                }
                            }).collect_view()}
                        </select>
                        <FieldError err field="condition.purpose"/>
                    </label>
                    <TextField label="Status" name="condition.status" value=status err placeholder="401, 403, 5xx"/>
                </div>
                <TextField label="Content (regular expression on the request line and bodies)" name="condition.content" value=content err placeholder="(?i)union\\s+select"/>
            </fieldset>
            <div class="field-row">
                <SelectField label="Group by" name="group_by" value=group_by err options=vec![("ip", "Source IP"), ("account", "Account")]/>
                <TextField label="Threshold (requests)" name="threshold" value=threshold err/>
                <TextField label="Window (seconds)" name="window_secs" value=window err/>
                <SelectField label="Level" name="level" value=level err options=LEVELS.to_vec()/>
            </div>
            <label class="field">
                {tr("Suggestion")}
                <textarea name="suggestion" rows="3"
                    prop:value=move || suggestion.get()
                    on:input=move |ev| suggestion.set(event_target_value(&ev))></textarea>
                <FieldError err field="suggestion"/>
            </label>
            <Buttons ctx preview=Callback::new(move |_| ctx.run_preview(draft()))/>
        </form>
    }
}
