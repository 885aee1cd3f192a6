//! The console's navigation: one entry per page, in menu order.

/// (path, label, needs API security)
pub const NAV: [(&str, &str, bool); 9] = [
    ("/basic-detection", "Basic Detection", false),
    ("/overview", "Overview", true),
    ("/assets", "Assets", true),
    ("/risks", "Risks", true),
    ("/events", "Events", true),
    ("/compliance", "Compliance", true),
    ("/policies", "Policies", true),
    ("/data-sources", "Data sources", false),
    ("/settings", "Settings", false),
];
