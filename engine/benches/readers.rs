//! Reader throughput: native JSONL (realistic lines with JSON request and response bodies of a
//! few KB) and nginx combined lines, parse only and through the whole reader (framing, gzip).
//! `cargo bench -p apisec-engine --bench readers`; results in `docs/formats/README.md`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use engine::readers::{open_reader, parse_native, Format, ReadItem, ReaderOptions};
use std::io::{Cursor, Write};

const LINES: usize = 2000;

fn native_lines() -> Vec<String> {
    (0..LINES)
        .map(|i| {
            let items: Vec<serde_json::Value> = (0..(8 + i % 8))
                .map(|k| {
                    serde_json::json!({
                        "sku": format!("SKU-{:05}", i * 31 + k), "title": "Trail running shoe, breathable mesh",
                        "price": 399.0 + k as f64, "qty": 1 + k % 3,
                        "seller": {"id": 1000 + k, "name": "Example Sports Flagship Store", "phone": "010-5555-0123"}
                    })
                })
                .collect();
            let req = serde_json::json!({"user_id": 10000 + i, "cart": items[..3], "coupon": "SPRING24",
                "address": {"name": "Li Na", "phone": "13812345678", "line": "No. 8 Jianguo Road, Chaoyang District, Beijing"}});
            let resp = serde_json::json!({"code": 0, "order_id": format!("O-{i:08}"), "items": items,
                "total": 1234.5, "receiver": {"name": "Li Na", "phone": "13812345678", "email": "li.na@example.com"}});
            serde_json::json!({
                "time": format!("2024-05-01T{:02}:{:02}:{:02}.{:03}+08:00", i / 3600 % 24, i / 60 % 60, i % 60, i % 1000),
                "host": "api.shop.example.com", "method": "POST", "path": format!("/v1/orders/{}/confirm", 90000 + i),
                "query": "source=app&ver=3.2.1", "scheme": "https", "client_ip": format!("203.0.{}.{}", i % 250, i % 199),
                "status": 200,
                "request_headers": {"Content-Type": "application/json", "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15",
                    "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEwMDQyIn0.c2lnbmF0dXJl", "Accept": "application/json",
                    "Accept-Language": "zh-CN,zh;q=0.9", "X-Request-Id": format!("req-{i:012}"), "Cookie": "sid=8f14e45fceea167a5a36dedd4bea2543; lang=zh"},
                "request_body": req.to_string(),
                "response_headers": {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Trace": format!("{i:x}")},
                "response_body": resp.to_string(),
            })
            .to_string()
        })
        .collect()
}

fn nginx_lines() -> Vec<String> {
    (0..LINES)
        .map(|i| {
            format!(
                "203.0.{}.{} - - [01/May/2024:{:02}:{:02}:{:02} +0800] \"GET /v1/products/{}/reviews?page={}&size=20&sort=latest HTTP/1.1\" 200 {} \"https://shop.example.com/p/{}\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\" \"198.51.100.{}\"",
                i % 250, i % 199, i / 3600 % 24, i / 60 % 60, i % 60, 1000 + i, i % 9, 4000 + i, i, i % 200
            )
        })
        .collect()
}

fn joined(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

fn count(data: &[u8], format: Format) -> usize {
    open_reader(
        "bench",
        Cursor::new(data.to_vec()),
        format,
        &ReaderOptions::default(),
    )
    .expect("readable")
    .filter(|i| matches!(i, ReadItem::Record(_)))
    .count()
}

fn bench(c: &mut Criterion) {
    let native = native_lines();
    let native_data = joined(&native);
    let nginx = nginx_lines();
    let nginx_data = joined(&nginx);
    assert_eq!(count(&native_data, Format::Jsonl), LINES);
    assert_eq!(count(&nginx_data, Format::Nginx), LINES);
    eprintln!(
        "native: {} lines, {} bytes ({} per line); nginx: {} bytes",
        LINES,
        native_data.len(),
        native_data.len() / LINES,
        nginx_data.len()
    );

    let mut g = c.benchmark_group("native_jsonl");
    g.throughput(Throughput::Bytes(native_data.len() as u64));
    g.bench_function("parse_lines", |b| {
        b.iter(|| {
            for l in &native {
                black_box(parse_native(l.as_bytes()).expect("valid"));
            }
        })
    });
    g.bench_function("reader_plain", |b| {
        b.iter(|| black_box(count(&native_data, Format::Jsonl)))
    });
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&native_data).expect("gzip");
    let native_gz = enc.finish().expect("gzip");
    g.bench_function("reader_gzip", |b| {
        b.iter(|| black_box(count(&native_gz, Format::Auto)))
    });
    g.finish();

    let mut g = c.benchmark_group("nginx_combined");
    g.throughput(Throughput::Bytes(nginx_data.len() as u64));
    g.bench_function("reader_plain", |b| {
        b.iter(|| black_box(count(&nginx_data, Format::Nginx)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
