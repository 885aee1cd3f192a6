//! Sensitive data scanner: arbitrary text as a JSON body, a query value and a header; every
//! detector (check digits, context rules, masking) must survive any input.
#![no_main]
use engine::facts::Direction;
use engine::sensitive::Scanner;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    let scanner = SCANNER.get_or_init(Scanner::builtin);
    let text = String::from_utf8_lossy(data);
    let _ = scanner.scan_text(Direction::Response, "body", &text);
    let _ = scanner.scan_text(Direction::Request, "id_card", &text);
});
