//! Configuration from environment variables (documented in README.md).

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `APISEC_ADDR`, default 127.0.0.1:3000.
    pub addr: SocketAddr,
    /// `APISEC_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`, default `sqlite://<data dir>/apisec.db`.
    pub database_url: String,
    /// `APISEC_ADMIN_PASSWORD`: password of the first admin on an empty database.
    pub admin_password: Option<String>,
    /// `APISEC_SECURE_COOKIES` (true/false). Default: secure unless listening on loopback,
    /// where plain http is the norm for local use.
    pub secure_cookies: bool,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let addr: SocketAddr = var("APISEC_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("APISEC_ADDR: {e}"))?;
        let data_dir = PathBuf::from(var("APISEC_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/apisec.db", data_dir.display()));
        let secure_cookies = match var("APISEC_SECURE_COOKIES").as_deref() {
            Some("1" | "true" | "yes") => true,
            Some(_) => false,
            None => !addr.ip().is_loopback(),
        };
        Ok(Self {
            addr,
            data_dir,
            database_url,
            admin_password: var("APISEC_ADMIN_PASSWORD"),
            secure_cookies,
        })
    }
}
