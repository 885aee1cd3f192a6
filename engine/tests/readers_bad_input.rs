//! Hostile and broken input: every bad line is rejected with file, line and a reason that
//! names the field; every good line is kept; caps hold; nothing panics.

use engine::readers::{
    open_file, open_reader, Format, ReadError, ReadItem, ReadStats, ReaderOptions, Rejected,
};
use engine::record::Record;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Cursor, Write};

const GOOD: &str = r#"{"time":"2024-05-01T00:00:00Z","host":"api.example.com","method":"GET","path":"/v1/a","client_ip":"192.0.2.1","status":200}"#;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn read(data: Vec<u8>, format: Format, opts: &ReaderOptions) -> (Vec<Record>, Vec<Rejected>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for item in open_reader("input", Cursor::new(data), format, opts).unwrap() {
        match item {
            ReadItem::Record(r) => good.push(*r),
            ReadItem::Rejected(r) => bad.push(r),
        }
    }
    (good, bad)
}

fn line_with(field: &str, value: serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
    if value.is_null() {
        v.as_object_mut().unwrap().remove(field);
    } else {
        v[field] = value;
    }
    v.to_string()
}

#[test]
fn every_kind_of_bad_native_line() {
    let lines = [
        GOOD.to_string(),
        "this is not json".to_string(),
        line_with("time", serde_json::Value::Null),
        line_with("host", serde_json::Value::Null),
        line_with("method", serde_json::Value::Null),
        line_with("path", serde_json::Value::Null),
        line_with("client_ip", serde_json::Value::Null),
        line_with("status", serde_json::Value::Null),
        line_with("time", "31/12/2024".into()),
        line_with("client_ip", "x".into()),
        line_with("status", "OK".into()),
        line_with("method", serde_json::json!(["GET"])),
        line_with("request_headers", "Accept: */*".into()),
        "[1, 2, 3]".to_string(),
        r#"{"time": "2024-05-01T00:00:00Z", "host": "#.to_string(),
        GOOD.to_string(),
    ];
    let (good, bad) = read(
        lines.join("\n").into_bytes(),
        Format::Jsonl,
        &ReaderOptions::default(),
    );
    assert_eq!(good.len(), 2);
    let reasons: Vec<(u64, &str)> = bad.iter().map(|r| (r.line, r.reason.as_str())).collect();
    let expect_prefix = [
        (2, "not JSON: expected"),
        (3, "missing field `time`"),
        (4, "missing field `host`"),
        (5, "missing field `method`"),
        (6, "missing field `path`"),
        (7, "missing field `client_ip`"),
        (8, "missing field `status`"),
        (9, "field `time`: not an RFC 3339 time"),
        (10, r#"field `client_ip`: not an IP address: "x""#),
        (11, r#"field `status`: not an HTTP status code: "OK""#),
        (
            12,
            "field `method`: invalid type: sequence, expected a string",
        ),
        (13, "field `request_headers`: invalid type: string"),
        (14, "not a JSON object"),
        (15, "not JSON: EOF while parsing"),
    ];
    assert_eq!(reasons.len(), expect_prefix.len(), "{reasons:#?}");
    for ((line, reason), (want_line, want)) in reasons.iter().zip(expect_prefix) {
        assert_eq!(*line, want_line);
        assert!(
            reason.starts_with(want),
            "line {line}: {reason:?} should start with {want:?}"
        );
    }
    assert!(bad.iter().all(|r| r.file == "input"));
}

#[test]
fn crlf_bom_and_empty_lines() {
    let data = format!("\u{feff}{GOOD}\r\n\r\n   \n{GOOD}\r\n\n");
    let (good, bad) = read(
        data.clone().into_bytes(),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert_eq!((good.len(), bad.len()), (2, 0));
    let (good, bad) = read(
        gzip(data.as_bytes()),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert_eq!((good.len(), bad.len()), (2, 0));
    // nginx lines with CRLF too.
    let nginx = "\u{feff}192.0.2.1 - - [01/May/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl\"\r\n";
    let (good, bad) = read(
        nginx.as_bytes().to_vec(),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert_eq!((good.len(), bad.len()), (1, 0));
    assert_eq!(good[0].user_agent(), Some("curl"));
}

#[test]
fn line_over_the_cap_is_rejected_and_reading_goes_on() {
    let huge = format!(
        r#"{{"time":1714521600000,"host":"h","method":"POST","path":"/","client_ip":"192.0.2.1","status":200,"request_body":"{}"}}"#,
        "A".repeat(100_000)
    );
    let data = format!("{GOOD}\n{huge}\n{GOOD}\n");
    let opts = ReaderOptions {
        max_line_bytes: 10_000,
        ..Default::default()
    };
    let (good, bad) = read(data.into_bytes(), Format::Jsonl, &opts);
    assert_eq!(good.len(), 2);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 2);
    assert!(
        bad[0].reason.contains("exceeds the cap of 10000 bytes"),
        "{}",
        bad[0].reason
    );
}

#[test]
fn truncated_gzip_keeps_what_was_read() {
    let body: String = (0..2000).map(|_| format!("{GOOD}\n")).collect();
    let gz = gzip(body.as_bytes());
    let cut = gz[..gz.len() * 2 / 3].to_vec();
    let (good, bad) = read(cut, Format::Jsonl, &ReaderOptions::default());
    assert!(!good.is_empty() && good.len() < 2000, "{}", good.len());
    assert_eq!(bad.len(), 1);
    assert!(bad[0].reason.contains("truncated"), "{}", bad[0].reason);
}

#[test]
fn small_truncated_gzip_keeps_its_lines() {
    let body = format!("{GOOD}\n{GOOD}\n{GOOD}\n");
    let gz = gzip(body.as_bytes());
    let cut = gz[..gz.len() - 6].to_vec(); // the trailer (CRC, size) is missing
    let (good, bad) = read(cut, Format::Auto, &ReaderOptions::default());
    assert_eq!(good.len(), 3);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 4);
    assert!(bad[0].reason.contains("truncated"), "{}", bad[0].reason);
}

#[test]
fn gzip_bomb_hits_the_cap() {
    // 64 MiB of zeros compress to about 64 KiB.
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..64 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    let opts = ReaderOptions {
        max_decompressed_bytes: 4 << 20,
        max_line_bytes: 1 << 20,
        ..Default::default()
    };
    let (good, bad) = read(bomb, Format::Jsonl, &opts);
    assert!(good.is_empty());
    let last = bad.last().unwrap();
    assert!(
        last.reason.contains("exceeds the cap of 4194304 bytes"),
        "{}",
        last.reason
    );
    assert!(bad.len() <= 5);
}

#[test]
fn multi_member_gzip_and_stats() {
    let mut data = gzip(format!("{GOOD}\n").as_bytes());
    data.extend(gzip(format!("{GOOD}\nbroken\n").as_bytes()));
    let stats = ReadStats::new();
    let opts = ReaderOptions {
        stats: Some(stats.clone()),
        ..Default::default()
    };
    let raw_len = data.len() as u64;
    let (good, bad) = read(data, Format::Auto, &opts);
    assert_eq!((good.len(), bad.len()), (2, 1));
    assert_eq!(bad[0].line, 3);
    assert_eq!(stats.records(), 2);
    assert_eq!(stats.rejected(), 1);
    assert_eq!(stats.lines(), 3);
    assert_eq!(stats.bytes_read(), raw_len);
    assert_eq!(stats.bytes_decoded(), 2 * (GOOD.len() as u64 + 1) + 7);
}

#[test]
fn auto_detects_every_format_through_open_reader() {
    let nginx =
        b"192.0.2.1 - - [01/May/2024:00:00:00 +0000] \"GET /x HTTP/1.1\" 200 1 \"-\" \"curl\"\n";
    let har = br#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2024-05-01T00:00:00Z","request":{"method":"GET","url":"https://h/x","headers":[]},"response":{"status":200,"headers":[]}}]}}"#;
    let waf = br#"{"time":"2024-05-01T00:00:00Z","host":"h","request_method":"GET","request_path":"/x","real_client_ip":"192.0.2.1","status":200}"#;
    let array = format!("[\n{GOOD},\n{GOOD}\n]");
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(GOOD).unwrap())
            .unwrap();
    let cases: Vec<(Vec<u8>, usize)> = vec![
        (nginx.to_vec(), 1),
        (har.to_vec(), 1),
        (waf.to_vec(), 1),
        (array.into_bytes(), 2),
        (format!("{pretty}\n{pretty}\n").into_bytes(), 2),
    ];
    for (data, n) in cases {
        for bytes in [data.clone(), gzip(&data)] {
            let (good, bad) = read(bytes, Format::Auto, &ReaderOptions::default());
            assert!(bad.is_empty(), "{bad:?}");
            assert_eq!(good.len(), n);
            assert_eq!(good[0].path, if n == 1 { "/x" } else { "/v1/a" });
        }
    }
}

#[test]
fn undetectable_input_and_bad_config_are_errors() {
    let err = open_reader(
        "upload.bin",
        Cursor::new(b"\x00\x01binary junk\nmore".to_vec()),
        Format::Auto,
        &ReaderOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, ReadError::Detect { .. }));
    assert!(err
        .to_string()
        .starts_with("upload.bin: cannot detect the log format"));
    let (_, bad) = read(
        b"192.0.2.1 - - [01/May/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1\nhello world\n"
            .to_vec(),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert_eq!(
        bad[0].reason,
        r#"line does not match the log format: no " - " after `$remote_addr` (column 1)"#
    );
    let opts = ReaderOptions {
        nginx_log_format: Some("$remote_addr $status".into()),
        ..Default::default()
    };
    let err = open_reader(
        "x.log",
        Cursor::new(b"1.2.3.4 200".to_vec()),
        Format::Nginx,
        &opts,
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("no time variable"), "{err}");
    let err = open_file(
        std::path::Path::new("/nonexistent/a.log"),
        Format::Auto,
        &opts,
    )
    .err()
    .unwrap();
    assert!(err.to_string().starts_with("/nonexistent/a.log: "), "{err}");
}

#[test]
fn har_entries_are_numbered_and_bad_ones_rejected() {
    let har = r#"{"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [
      {"startedDateTime": "2024-05-01T00:00:00Z", "request": {"method": "GET", "url": "https://h/a", "headers": []}, "response": {"status": 200, "headers": []}},
      {"startedDateTime": "2024-05-01T00:00:00Z", "request": {"method": "GET", "url": "https://h/b", "headers": []}, "response": {"headers": []}},
      {"startedDateTime": "not a time", "request": {"method": "GET", "url": "https://h/c", "headers": []}, "response": {"status": 200}},
      {"startedDateTime": "2024-05-01T00:00:01Z", "request": {"method": "GET", "url": "https://h/d"}, "response": {"status": 0}},
      {"startedDateTime": "2024-05-01T00:00:02Z", "request": {"method": "GET", "url": "https://h/e"}, "response": {"status": 204}}
    ]}}"#;
    let (good, bad) = read(
        har.as_bytes().to_vec(),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert_eq!(
        good.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/a", "/e"]
    );
    let got: Vec<(u64, &str)> = bad.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(got[0], (2, "missing field `response.status`"));
    assert_eq!(got[1].0, 3);
    assert!(got[1].1.starts_with("field `startedDateTime`"));
    assert_eq!(
        got[2],
        (4, "field `response.status`: 0 (no response was received)")
    );
    // A HAR cut in the middle keeps the entries before the cut.
    let cut = &har[..har.find("not a time").unwrap()];
    let (good, bad) = read(
        cut.as_bytes().to_vec(),
        Format::Har,
        &ReaderOptions::default(),
    );
    assert_eq!(good.len(), 1);
    assert_eq!(bad.len(), 2);
    assert!(bad[1].reason.contains("input ends"), "{:?}", bad[1]);
}

#[test]
fn hostile_bytes_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces: [&[u8]; 10] = [
        b"{",
        b"}",
        b"[",
        b"\"",
        b"\\",
        b"\n",
        b"\xff\xfe",
        b"\"time\":",
        b"1.2.3.4 - - [",
        b"\x1f\x8b",
    ];
    for _ in 0..300 {
        let mut data = Vec::new();
        for _ in 0..(next() % 40) {
            data.extend_from_slice(pieces[(next() % 10) as usize]);
        }
        for format in [
            Format::Jsonl,
            Format::Har,
            Format::Nginx,
            Format::Waf,
            Format::Auto,
        ] {
            if let Ok(items) = open_reader(
                "fuzz",
                Cursor::new(data.clone()),
                format,
                &ReaderOptions::default(),
            ) {
                assert!(items.take(1000).count() < 1000);
            }
        }
    }
}
