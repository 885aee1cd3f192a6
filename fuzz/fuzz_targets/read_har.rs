//! Any bytes given to the har reader yield records or rejections, never a panic or a hang.
#![no_main]
use engine::readers::{open_reader, Format, ReaderOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReaderOptions::default();
    if let Ok(items) = open_reader("fuzz", std::io::Cursor::new(data.to_vec()), Format::Har, &opts) {
        for _ in items {}
    }
});
