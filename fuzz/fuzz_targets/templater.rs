//! Path templating: arbitrary paths (split on newlines, one record each) are observed, then
//! templated; no panic on any input (UTF-8 boundaries, empty segments, huge segments).
#![no_main]
use engine::discovery::{DiscoveryConfig, PathTemplater};
use engine::readers::parse_native_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut templater = PathTemplater::new(DiscoveryConfig::default());
    let mut records = Vec::new();
    for path in text.lines().take(64) {
        let line = format!(
            r#"{{"time":"2026-01-01T00:00:00Z","client_ip":"1.2.3.4","host":"a.example","method":"GET","path":{},"status":200}}"#,
            serde_json_string(path)
        );
        if let Ok(r) = parse_native_line(&line) {
            templater.observe(&r);
            records.push(r);
        }
    }
    let set = templater.finish();
    for r in &records {
        let _ = set.template(&r.host, &r.path);
    }
});

fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
