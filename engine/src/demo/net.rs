//! Client address pools and user agents.
//!
//! Address blocks are large ISP or cloud allocations whose registry country is stable; each was
//! checked against a WHOIS-derived country database (geo-whois-asn-country) by sampling addresses.
//! See `docs/demo-traffic.md` for the table.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::net::Ipv4Addr;

/// (network, prefix length, ISO country)
pub type Block = (u32, u8, &'static str);

const fn b(a: u8, bb: u8, c: u8, d: u8, len: u8, cc: &'static str) -> Block {
    (
        ((a as u32) << 24) | ((bb as u32) << 16) | ((c as u32) << 8) | d as u32,
        len,
        cc,
    )
}

/// Chinese mainland (China Telecom, China Unicom, China Mobile blocks).
pub const CN: &[Block] = &[
    b(1, 80, 0, 0, 13, "CN"),
    b(36, 96, 0, 0, 11, "CN"),
    b(58, 16, 0, 0, 13, "CN"),
    b(101, 64, 0, 0, 13, "CN"),
    b(112, 0, 0, 0, 10, "CN"),
    b(114, 80, 0, 0, 12, "CN"),
    b(117, 128, 0, 0, 10, "CN"),
    b(120, 192, 0, 0, 10, "CN"),
    b(183, 0, 0, 0, 10, "CN"),
    b(223, 64, 0, 0, 11, "CN"),
    b(27, 8, 0, 0, 13, "CN"),
    b(125, 64, 0, 0, 11, "CN"),
    b(222, 128, 0, 0, 12, "CN"),
];

/// Hong Kong, Macao and Taiwan.
pub const HK: &[Block] = &[b(42, 2, 0, 0, 15, "HK"), b(113, 252, 0, 0, 14, "HK")];
pub const MO: &[Block] = &[b(60, 246, 0, 0, 16, "MO")];
pub const TW: &[Block] = &[b(1, 160, 0, 0, 12, "TW"), b(114, 32, 0, 0, 12, "TW")];

/// Outside: US (AWS us-east, Comcast), JP (SoftBank), DE (Deutsche Telekom), GB (BT),
/// KR (KT), SG (Singtel / StarHub).
pub const US: &[Block] = &[b(34, 192, 0, 0, 12, "US"), b(73, 0, 0, 0, 8, "US")];
pub const JP: &[Block] = &[b(126, 0, 0, 0, 8, "JP")];
pub const DE: &[Block] = &[b(79, 192, 0, 0, 10, "DE")];
pub const GB: &[Block] = &[b(86, 128, 0, 0, 10, "GB")];
pub const KR: &[Block] = &[b(175, 192, 0, 0, 10, "KR")];
pub const SG: &[Block] = &[b(116, 86, 0, 0, 15, "SG"), b(42, 60, 0, 0, 15, "SG")];

/// A random host address (not .0 or .255) inside one of the blocks.
pub fn ip_in(rng: &mut ChaCha8Rng, blocks: &[Block]) -> Ipv4Addr {
    let (net, len, _) = blocks[rng.gen_range(0..blocks.len())];
    let size = 1u32 << (32 - len as u32);
    loop {
        let ip = net + rng.gen_range(0..size);
        let last = ip & 0xff;
        if last != 0 && last != 255 {
            return Ipv4Addr::from(ip);
        }
    }
}

/// A private (RFC 1918) office address: 10.20-23.x.x for staff desktops and VPN.
pub fn office_ip(rng: &mut ChaCha8Rng) -> Ipv4Addr {
    Ipv4Addr::new(
        10,
        rng.gen_range(20..24),
        rng.gen_range(0..32),
        rng.gen_range(2..250),
    )
}

pub const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5279 MMWEBSDK/20230805 MicroMessenger/8.0.42.2460(0x28002A3B) WeChat/arm64 Weixin NetType/5G Language/zh_CN ABI/arm64",
];

pub const APPS: &[&str] = &[
    "ExampleShop/6.12.0 (iPhone; iOS 17.3.1; Scale/3.00)",
    "ExampleShop/6.12.0 (Android 13; HUAWEI NOH-AN00; okhttp/4.11.0)",
    "ExampleShop/6.11.2 (Android 12; Xiaomi 2201123C; okhttp/4.11.0)",
    "okhttp/4.11.0",
    "Dalvik/2.1.0 (Linux; U; Android 13; PGEM10 Build/TP1A.220905.001)",
];

/// Integration clients of partners (server to server).
pub const PARTNER_AGENTS: &[&str] = &[
    "Apache-HttpClient/4.5.13 (Java/1.8.0_372)",
    "Go-http-client/1.1",
    "PartnerSync/2.3 (+https://partner.example.net)",
];

pub const SCRIPTS: &[&str] = &[
    "python-requests/2.31.0",
    "curl/8.4.0",
    "PostmanRuntime/7.36.3",
    "Go-http-client/1.1",
    "Java/11.0.21",
    "Wget/1.21.3",
];
