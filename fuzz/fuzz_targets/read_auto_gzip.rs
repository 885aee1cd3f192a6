//! Format detection and gzip framing: arbitrary bytes, optionally wrapped in a gzip header,
//! must never panic, hang or decompress past the configured cap (decompression bombs).
#![no_main]
use engine::readers::{open_reader, Format, ReaderOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReaderOptions {
        max_decompressed_bytes: 1 << 20,
        ..ReaderOptions::default()
    };
    let mut input = data.to_vec();
    if data.first() == Some(&0) {
        // Let the fuzzer reach the gzip path without having to discover the magic bytes.
        input = [&[0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0xff][..], &data[1..]].concat();
    }
    if let Ok(items) = open_reader("fuzz", std::io::Cursor::new(input), Format::Auto, &opts) {
        for _ in items {}
    }
});
