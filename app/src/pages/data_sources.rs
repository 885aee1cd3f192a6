//! Data sources: where traffic logs come from. Sources of the scope with their ingest
//! tokens, file upload with a progress bar (XMLHttpRequest upload progress, hydrate only),
//! the analysis jobs (polled every second while one is queued or running), stored segments,
//! the rejected lines of a segment (`?segment=<id>`, linkable) and the retention setting.
//! Everything from logs is rendered as text (escaped), never as HTML.

use super::PageHeader;
use crate::api::data_sources::{
    data_sources, scope_jobs, segment_rejections, CancelJob, CreateDataSource, DataSourcesView,
    JobRow, SegmentRow, SetRetention, SourceRow,
};
use crate::api::SessionInfo;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::tr;
use crate::scope::use_scope;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const FORMATS: [(&str, &str); 5] = [
    ("auto", "Detect automatically"),
    ("jsonl", "JSON Lines (native)"),
    ("har", "HAR 1.2"),
    ("nginx", "NGINX / Apache access log"),
    ("waf", "WAF JSON export"),
];

/// What the last upload did, for the status line under the form.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadOutcome {
    pub ok: bool,
    pub message: String,
    pub errors: Vec<(i64, String)>,
    pub duplicate_of: Option<i64>,
}

fn human_bytes(n: i64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", n / 1024.0 / 1024.0 / 1024.0)
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / 1024.0 / 1024.0)
    } else if n >= 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[component]
pub fn DataSourcesPage() -> AnyView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    let query = use_query_map();
    let selected = Memo::new(move |_| {
        query
            .with(|q| q.get("segment"))
            .and_then(|v| v.parse::<i64>().ok())
    });
    let refresh = RwSignal::new(0u32);
    let tick = RwSignal::new(0u32);
    let dup_segment = RwSignal::new(None::<i64>);
    // Upload state lives here, not in the card: the card is rebuilt when the data reloads.
    let progress = RwSignal::new(None::<f64>);
    let outcome = RwSignal::new(None::<UploadOutcome>);
    let create = ServerAction::<CreateDataSource>::new();
    let retention = ServerAction::<SetRetention>::new();
    let cancel = ServerAction::<CancelJob>::new();
    let data = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                refresh.get(),
                create.version().get(),
                retention.version().get(),
            )
        },
        |(t, rg, r, _, _, _)| data_sources(t, rg, r),
    );
    let jobs = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                tick.get(),
                refresh.get(),
                cancel.version().get(),
            )
        },
        |(t, rg, r, _, _, _)| scope_jobs(t, rg, r),
    );
    // Poll the jobs every second while one is queued or running.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let poll = move || {
                let active = jobs
                    .get_untracked()
                    .and_then(|r| r.ok())
                    .is_some_and(|js| js.iter().any(JobRow::active));
                if active {
                    tick.update(|t| *t += 1);
                }
            };
            if let Ok(h) = set_interval_with_handle(poll, std::time::Duration::from_secs(1)) {
                on_cleanup(move || h.clear());
            }
        }
    });
    let csrf = StoredValue::new(info.csrf.clone());

    view! {
        <PageHeader title="Data sources"/>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! {
                        <SourcesCard v=v.clone() create csrf=csrf.get_value()/>
                        {v.can_edit.then(|| view! {
                            <UploadCard sources=v.sources.clone() csrf=csrf.get_value() refresh dup_segment progress outcome max=v.max_upload_bytes/>
                        })}
                        <JobsCard jobs cancel can_edit=v.can_edit csrf=csrf.get_value()/>
                        <SegmentsCard segments=v.segments.clone() dup_segment selected/>
                        <RetentionCard v=v.clone() retention csrf=csrf.get_value()/>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
        {move || selected.get().map(|id| view! { <RejectedCard segment=id/> })}
    }
    .into_any()
}

#[component]
fn SourcesCard(
    v: DataSourcesView,
    create: ServerAction<CreateDataSource>,
    csrf: String,
) -> AnyView {
    let scope = use_scope();
    let created = move || {
        create.value().get().map(|r| match r {
            Ok(c) => {
                #[cfg(feature = "hydrate")]
                let origin = window().location().origin().unwrap_or_default();
                #[cfg(not(feature = "hydrate"))]
                let origin = String::new();
                let url = format!("{origin}/ingest/v1/logs");
                let curl = format!(
                    "curl -H 'Authorization: Bearer {}' -H 'Content-Type: application/x-ndjson' --data-binary @access.jsonl {url}",
                    c.token
                );
                view! {
                    <div class="alert alert-info" data-testid="new-source">
                        <p><strong>{tr("Data source created: ")}{c.name.clone()}</strong></p>
                        <p>{tr("Its ingest token is shown only now. Copy it into your log shipper:")}</p>
                        <p><code class="token" data-testid="new-token">{c.token.clone()}</code></p>
                        <p>{tr("Ingest URL: ")}<code data-testid="ingest-url">{url}</code></p>
                        <pre class="code-block" data-testid="curl-example">{curl}</pre>
                    </div>
                }
                .into_any()
            }
            Err(e) => view! { <ErrorView error=e/> }.into_any(),
        })
    };
    let sources = v.sources.clone();
    view! {
        <section class="card" data-testid="sources">
            <h2>{tr("Sources")}</h2>
            {if sources.is_empty() {
                view! {
                    <EmptyState title="No data sources yet">
                        <p>{tr("A data source is one stream of logs (WAF logs, NGINX access logs, HAR files or JSON lines) for this resource group and region. Add one, then upload files or point a log shipper at its ingest URL.")}</p>
                        <p>{tr("From the command line: ")}<code>"apisec import --tenant <slug> --source <name> FILE..."</code></p>
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr>
                            <th>{tr("Name")}</th><th>{tr("Format")}</th><th>{tr("Token")}</th>
                            <th>{tr("Segments")}</th><th>{tr("Accepted lines")}</th><th>{tr("Rejected lines")}</th>
                            <th>{tr("Last data")}</th>
                        </tr></thead>
                        <tbody>
                            {sources.into_iter().map(|s: SourceRow| view! {
                                <tr data-testid="source-row">
                                    <td>{s.name}</td>
                                    <td><code>{s.format}</code></td>
                                    <td>{if s.token_hint.is_empty() { tr("none (CLI / demo)").to_string() } else { format!("{}…", s.token_hint) }}</td>
                                    <td>{s.segments}</td>
                                    <td>{s.accepted}</td>
                                    <td>{s.rejected}</td>
                                    <td class="nowrap">{s.last_received.unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {created}
            {v.can_edit.then(|| view! {
                <h3>{tr("Add a data source")}</h3>
                <ActionForm action=create attr:class="inline-form" attr:data-testid="create-source">
                    <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                    {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg/> })}
                    <input type="hidden" name="region" value=move || scope.region.get()/>
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <label>{tr("Name")}" "<input type="text" name="name" required maxlength="100" data-testid="source-name"/></label>
                    <label>{tr("Format")}" "
                        <select name="format" data-testid="source-format">
                            {FORMATS.into_iter().map(|(v, l)| view! { <option value=v>{tr(l)}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="btn" data-testid="create-source-button">{tr("Add source")}</button>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn UploadCard(
    sources: Vec<SourceRow>,
    csrf: String,
    refresh: RwSignal<u32>,
    dup_segment: RwSignal<Option<i64>>,
    progress: RwSignal<Option<f64>>,
    outcome: RwSignal<Option<UploadOutcome>>,
    max: i64,
) -> AnyView {
    let scope = use_scope();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let source_select = NodeRef::<leptos::html::Select>::new();
    let has_sources = !sources.is_empty();
    let on_upload = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = file_input.get() else {
                return;
            };
            let Some(select) = source_select.get() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                outcome.set(Some(UploadOutcome {
                    ok: false,
                    message: tr("Choose a file first.").into(),
                    errors: vec![],
                    duplicate_of: None,
                }));
                return;
            };
            let url = crate::scope::scoped_href(
                "/upload",
                &scope.tenant.get_untracked(),
                scope.rg.get_untracked(),
                &scope.region.get_untracked(),
            ) + &format!("&source={}", select.value());
            progress.set(Some(0.0));
            outcome.set(None);
            if let Err(e) =
                upload::start(&url, &csrf, file, progress, outcome, refresh, dup_segment)
            {
                outcome.set(Some(UploadOutcome {
                    ok: false,
                    message: format!("{}: {e:?}", tr("The upload could not start")),
                    errors: vec![],
                    duplicate_of: None,
                }));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (
                &csrf,
                file_input,
                source_select,
                scope,
                refresh,
                dup_segment,
            );
        }
    };
    view! {
        <section class="card" data-testid="upload">
            <h2>{tr("Upload a log file")}</h2>
            <p class="muted">
                {tr("Plain or gzip-compressed, up to ")}{human_bytes(max)}
                {tr(". The file is stored as a segment of the source and analysed in the background; re-uploading the same file changes nothing.")}
            </p>
            {if has_sources {
                view! {
                    <form class="inline-form" on:submit=|ev| ev.prevent_default()>
                        <label>{tr("Source")}" "
                            <select node_ref=source_select data-testid="upload-source">
                                {sources.into_iter().map(|s| view! { <option value=s.id>{s.name}</option> }).collect_view()}
                            </select>
                        </label>
                        <input type="file" node_ref=file_input data-testid="upload-file"/>
                        <button type="button" class="btn" on:click=on_upload data-testid="upload-button">{tr("Upload")}</button>
                    </form>
                }.into_any()
            } else {
                view! { <p class="muted">{tr("Add a data source first.")}</p> }.into_any()
            }}
            {move || progress.get().map(|p| {
                let pct = p.clamp(0.0, 100.0).round() as i64;
                view! {
                    <div class="upload-progress">
                        <progress max="100" value=pct data-testid="upload-progress"></progress>
                        " "<span data-testid="upload-percent">{format!("{pct}%")}</span>
                    </div>
                }
            })}
            {move || outcome.get().map(|o| view! {
                <div class=if o.ok { "alert alert-info" } else { "alert alert-error" } data-testid="upload-result">
                    <p>{o.message.clone()}</p>
                    {(!o.errors.is_empty()).then(|| view! {
                        <ul class="rejections" data-testid="upload-errors">
                            {o.errors.iter().map(|(l, r)| view! {
                                <li>{format!("{}{l}: ", tr("line "))}{r.clone()}</li>
                            }).collect_view()}
                        </ul>
                    })}
                </div>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn JobsCard(
    jobs: Resource<Result<Vec<JobRow>, crate::error::AppError>>,
    cancel: ServerAction<CancelJob>,
    can_edit: bool,
    csrf: String,
) -> AnyView {
    let scope = use_scope();
    let csrf = StoredValue::new(csrf);
    let cancel_error = move || {
        cancel
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    view! {
        <section class="card" data-testid="jobs">
            <h2>{tr("Analysis jobs")}</h2>
            {cancel_error}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p class="muted">{tr("No jobs yet. Every new segment queues an analysis of this scope.")}</p>
                        }.into_any(),
                        Ok(rows) => view! {
                            <table class="table">
                                <thead><tr>
                                    <th>"#"</th><th>{tr("Kind")}</th><th>{tr("Status")}</th><th>{tr("Progress")}</th>
                                    <th>{tr("Queued")}</th><th>{tr("Started")}</th><th>{tr("Finished")}</th><th>{tr("Details")}</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|j| {
                                        let pct = j.percent();
                                        let active = j.active();
                                        let id = j.id;
                                        let status = j.status.clone();
                                        let badge = match j.status.as_str() {
                                            "done" => "badge badge-ok",
                                            "failed" => "badge level-high",
                                            "running" => "badge badge-medium",
                                            _ => "badge",
                                        };
                                        view! {
                                            <tr data-testid="job-row" data-status=status>
                                                <td>{j.id}</td>
                                                <td>{j.kind}</td>
                                                <td><span class=badge data-testid="job-status">{j.status}</span></td>
                                                <td class="nowrap">
                                                    <progress max="100" value=pct></progress>
                                                    " "<span data-testid="job-percent">{format!("{pct}%")}</span>
                                                </td>
                                                <td class="nowrap">{j.created_at}</td>
                                                <td class="nowrap">{j.started_at.unwrap_or_default()}</td>
                                                <td class="nowrap">{j.finished_at.unwrap_or_default()}</td>
                                                <td>{j.message}</td>
                                                <td>{(can_edit && active).then(|| view! {
                                                    <ActionForm action=cancel attr:class="inline-form">
                                                        <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                                                        {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg/> })}
                                                        <input type="hidden" name="region" value=move || scope.region.get()/>
                                                        <input type="hidden" name="job" value=id/>
                                                        <input type="hidden" name="csrf" value=csrf.get_value()/>
                                                        <button type="submit" class="btn" data-testid="cancel-job">{tr("Cancel")}</button>
                                                    </ActionForm>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn SegmentsCard(
    segments: Vec<SegmentRow>,
    dup_segment: RwSignal<Option<i64>>,
    selected: Memo<Option<i64>>,
) -> AnyView {
    let scope = use_scope();
    view! {
        <section class="card" data-testid="segments">
            <h2>{tr("Stored segments")}</h2>
            {if segments.is_empty() {
                view! { <p class="muted">{tr("Nothing stored yet.")}</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr>
                            <th>"#"</th><th>{tr("File")}</th><th>{tr("Source")}</th><th>{tr("Origin")}</th><th>{tr("Format")}</th>
                            <th>{tr("Size")}</th><th>{tr("Lines")}</th><th>{tr("Accepted")}</th><th>{tr("Rejected")}</th>
                            <th>{tr("Received")}</th><th>{tr("Records from")}</th><th>{tr("to")}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {segments.into_iter().map(|g| {
                                let id = g.id;
                                let href = move || format!("{}&segment={id}", scope.href("/data-sources"));
                                let is_selected = move || selected.get() == Some(id);
                                view! {
                                    <tr data-testid="segment-row" class:selected=is_selected>
                                        <td>{g.id}</td>
                                        <td>{g.file_name}</td>
                                        <td>{g.source}</td>
                                        <td>{g.origin}</td>
                                        <td><code>{g.format}</code></td>
                                        <td class="nowrap">{human_bytes(g.bytes)}</td>
                                        <td>{g.lines}</td>
                                        <td>{g.accepted}</td>
                                        <td>{if g.rejected > 0 {
                                            view! { <a href=href data-testid="show-rejected">{g.rejected}</a> }.into_any()
                                        } else {
                                            view! { <span>"0"</span> }.into_any()
                                        }}</td>
                                        <td class="nowrap">{g.received_at}</td>
                                        <td class="nowrap">{g.first_record.unwrap_or_default()}</td>
                                        <td class="nowrap">{g.last_record.unwrap_or_default()}</td>
                                        <td>
                                            {g.purged.then(|| view! { <span class="badge">{tr("purged")}</span> })}
                                            {move || (dup_segment.get() == Some(id)).then(|| view! {
                                                <span class="badge level-medium" data-testid="duplicate-marker">{tr("duplicate upload ignored")}</span>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn RejectedCard(segment: i64) -> AnyView {
    let scope = use_scope();
    let rows = Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        move |(t, rg, r)| segment_rejections(t, rg, r, segment),
    );
    view! {
        <section class="card" data-testid="rejected-lines">
            <h2>{format!("{} {segment}", tr("Rejected lines of segment"))}</h2>
            <p><a href=move || scope.href("/data-sources")>{tr("Close")}</a></p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">{tr("No rejected lines.")}</p> }.into_any(),
                        Ok(rows) => view! {
                            <table class="table">
                                <thead><tr><th>{tr("Line")}</th><th>{tr("Reason")}</th><th>{tr("Excerpt")}</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr data-testid="rejected-row">
                                            <td>{r.line}</td>
                                            <td data-testid="rejected-reason">{r.reason}</td>
                                            <td><code class="excerpt">{r.excerpt}</code></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn RetentionCard(
    v: DataSourcesView,
    retention: ServerAction<SetRetention>,
    csrf: String,
) -> AnyView {
    let scope = use_scope();
    let error = move || {
        retention
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    view! {
        <section class="card" data-testid="retention">
            <h2>{tr("Retention")}</h2>
            <p>
                {tr("Raw log data of this tenant is kept for ")}
                <strong data-testid="retention-days">{v.retention_days}</strong>
                {tr(" days after it is received, then purged and the results re-analysed from what remains.")}
            </p>
            {error}
            {v.is_admin.then(|| view! {
                <ActionForm action=retention attr:class="inline-form">
                    <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <label>{tr("Days")}" "<input type="number" name="days" min="1" max="3650" value=v.retention_days data-testid="retention-input"/></label>
                    <button type="submit" class="btn">{tr("Save")}</button>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}

/// The browser side of uploads: XMLHttpRequest, because fetch cannot report upload progress.
#[cfg(feature = "hydrate")]
mod upload {
    use super::UploadOutcome;
    use crate::i18n::tr;
    use leptos::prelude::*;
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use web_sys::js_sys;

    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn get(obj: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn num(obj: &JsValue, key: &str) -> i64 {
        get(obj, key).as_f64().unwrap_or(0.0) as i64
    }

    fn outcome(status: u16, text: &str) -> UploadOutcome {
        let json = js_sys::JSON::parse(text).unwrap_or(JsValue::NULL);
        if !(200..300).contains(&status) || json.is_null() {
            let msg = get(&json, "error")
                .as_string()
                .unwrap_or_else(|| format!("HTTP {status}"));
            return UploadOutcome {
                ok: false,
                message: format!("{}: {msg}", tr("Upload failed")),
                errors: vec![],
                duplicate_of: None,
            };
        }
        let duplicate = get(&json, "duplicate").as_bool().unwrap_or(false);
        let segment = num(&json, "segment");
        let errors = js_sys::Array::from(&get(&json, "errors"))
            .iter()
            .map(|e| {
                (
                    num(&e, "line"),
                    get(&e, "reason").as_string().unwrap_or_default(),
                )
            })
            .collect();
        let message = if duplicate {
            format!(
                "{} {segment}).",
                tr("Duplicate, already stored: nothing new was counted (segment")
            )
        } else {
            format!(
                "{} {segment}: {} {}, {} {}.",
                tr("Stored as segment"),
                num(&json, "accepted"),
                tr("lines accepted"),
                num(&json, "rejected"),
                tr("rejected")
            )
        };
        UploadOutcome {
            ok: true,
            message,
            errors,
            duplicate_of: duplicate.then_some(segment),
        }
    }

    pub fn start(
        url: &str,
        csrf: &str,
        file: web_sys::File,
        progress: RwSignal<Option<f64>>,
        result: RwSignal<Option<UploadOutcome>>,
        refresh: RwSignal<u32>,
        dup_segment: RwSignal<Option<i64>>,
    ) -> Result<(), JsValue> {
        let xhr = web_sys::XmlHttpRequest::new()?;
        xhr.open("POST", url)?;
        xhr.set_request_header("x-csrf-token", csrf)?;
        xhr.set_request_header("x-file-name", &encode(&file.name()))?;
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    progress.set(Some(e.loaded() / e.total() * 100.0));
                }
            });
        xhr.upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
        let x = xhr.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let status = x.status().unwrap_or(0);
            let text = x.response_text().ok().flatten().unwrap_or_default();
            let o = outcome(status, &text);
            if o.ok {
                progress.set(Some(100.0));
            }
            dup_segment.set(o.duplicate_of);
            result.set(Some(o));
            refresh.update(|n| *n += 1);
        });
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            result.set(Some(UploadOutcome {
                ok: false,
                message: tr("The upload failed: the connection was lost.").into(),
                errors: vec![],
                duplicate_of: None,
            }));
        });
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        xhr.send_with_opt_blob(Some(&file))?;
        Ok(())
    }
}
