//! Country lookup from a MaxMind DB file (GeoLite2-Country / GeoIP2 with `country.iso_code`, or
//! the CC0 ip-location-db country databases with a flat `country_code`).

use crate::facts::{is_internal_ip, Location};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The record shapes we read: both layouts are decoded through one struct with optional members.
#[derive(Deserialize, Default)]
struct CountryRecord<'a> {
    #[serde(borrow, default)]
    country: Option<NestedCountry<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<NestedCountry<'a>>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct NestedCountry<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

/// An opened country database.
pub struct GeoDb {
    reader: maxminddb::Reader<Vec<u8>>,
    path: PathBuf,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb")
            .field("path", &self.path)
            .field("type", &self.reader.metadata.database_type)
            .finish()
    }
}

impl GeoDb {
    pub fn open(path: &Path) -> Result<Self, String> {
        let reader = maxminddb::Reader::open_readfile(path).map_err(|e| e.to_string())?;
        Ok(GeoDb {
            reader,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database type from its metadata (`GeoLite2-Country`, `geo-whois-asn-country`...).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata.database_type
    }

    /// Country of a public address; `Unknown` when the database has no record or the record
    /// has no usable code (`ZZ`, empty, not two ASCII letters).
    pub fn country(&self, ip: IpAddr) -> Location {
        let rec: CountryRecord = match self.reader.lookup(ip) {
            Ok(Some(r)) => r,
            _ => return Location::Unknown,
        };
        let code = rec
            .country
            .and_then(|c| c.iso_code)
            .or(rec.country_code)
            .or(rec.registered_country.and_then(|c| c.iso_code));
        parse_code(code)
    }
}

fn parse_code(code: Option<&str>) -> Location {
    match code.map(str::as_bytes) {
        Some(&[a, b]) if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            let c = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
            if &c == b"ZZ" {
                Location::Unknown
            } else {
                Location::Country(c)
            }
        }
        _ => Location::Unknown,
    }
}

/// Location of an address: `Internal` for private ranges, else the database's country.
pub fn locate(db: Option<&GeoDb>, ip: IpAddr) -> Location {
    if is_internal_ip(&ip) {
        return Location::Internal;
    }
    match db {
        Some(db) => db.country(ip),
        None => Location::Unknown,
    }
}

/// The default places the setup installs the country database, in lookup order
/// (`APISEC_GEOIP` is handled by the caller because it is an error when unreadable).
pub fn default_paths() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("APISEC_DATA_DIR") {
        out.push(PathBuf::from(dir).join("geoip/country.mmdb"));
    }
    out.push(PathBuf::from("./data/geoip/country.mmdb"));
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            out.push(dir.join("../../data/geoip/country.mmdb"));
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        out.push(PathBuf::from(home).join(".local/share/apisec/country.mmdb"));
    }
    out.push(PathBuf::from("/usr/share/apisec/country.mmdb"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_validated() {
        assert_eq!(parse_code(Some("us")), Location::Country(*b"US"));
        assert_eq!(parse_code(Some("ZZ")), Location::Unknown);
        assert_eq!(parse_code(Some("USA")), Location::Unknown);
        assert_eq!(parse_code(Some("1A")), Location::Unknown);
        assert_eq!(parse_code(None), Location::Unknown);
    }

    #[test]
    fn private_addresses_are_internal_without_lookup() {
        assert_eq!(
            locate(None, "10.2.3.4".parse().unwrap()),
            Location::Internal
        );
        assert_eq!(locate(None, "8.8.8.8".parse().unwrap()), Location::Unknown);
    }
}
