#!/usr/bin/env bash
# Installs what building and testing apisec needs, when it is missing. Safe to re-run.
#   rust wasm32 target, wasm-bindgen CLI (pinned to Cargo.lock), Node packages of end2end/,
#   Debian chromium + chromium-driver, the GeoIP country database (npm), and in CI PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
say() { echo "setup: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  if ! have apt-get; then say "cannot install $* (no apt-get)"; return 1; fi
  if [ "$apt_updated" = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# Rust toolchain pieces
if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown
fi
if ! have wasm-bindgen || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Node and the browser for end-to-end tests
have node || apt_install nodejs npm
if [ ! -x /usr/bin/chromium ] || ! have chromedriver; then
  say "installing chromium + chromium-driver"; apt_install chromium chromium-driver
fi
# Chinese fonts, so the zh screenshots of the browser tests show characters, not boxes.
if ! (have fc-list && fc-list :lang=zh | grep -q .); then
  say "installing fonts-noto-cjk"; apt_install fonts-noto-cjk || say "no CJK fonts (zh screenshots show boxes)"
fi
if [ ! -d end2end/node_modules/playwright-core ]; then
  say "installing end2end npm packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi

# GeoIP country database (MaxMind DB format) from npm
GEO_PKG=@ip-location-db/geo-whois-asn-country-mmdb
if [ ! -f data/geoip/country.mmdb ] || [ ! -f "$HOME/.local/share/apisec/country.mmdb" ]; then
  if [ ! -d .tools/node_modules/$GEO_PKG ]; then
    say "installing $GEO_PKG"
    mkdir -p .tools
    [ -f .tools/package.json ] || echo '{"private":true}' > .tools/package.json
    (cd .tools && npm install --no-audit --no-fund --loglevel=error "$GEO_PKG")
  fi
  src=""
  for f in geo-whois-asn-country.mmdb geo-whois-asn-country-ipv4.mmdb; do
    if [ -f ".tools/node_modules/$GEO_PKG/$f" ]; then src=".tools/node_modules/$GEO_PKG/$f"; break; fi
  done
  [ -n "$src" ] || src=$(find ".tools/node_modules/$GEO_PKG" -name '*.mmdb' | sort | head -1)
  if [ -z "$src" ]; then say "no .mmdb found in $GEO_PKG"; exit 1; fi
  mkdir -p data/geoip "$HOME/.local/share/apisec"
  cp "$src" data/geoip/country.mmdb
  cp "$src" "$HOME/.local/share/apisec/country.mmdb"
  say "GeoIP database: $src -> data/geoip/country.mmdb, ~/.local/share/apisec/country.mmdb"
fi

# PostgreSQL for the integration tests (CI only: a developer may point
# APISEC_TEST_POSTGRES_URL anywhere, or leave it unset to skip those tests).
if [ "${CI:-}" = "true" ] && [ -n "${APISEC_TEST_POSTGRES_URL:-}" ]; then
  if ! (have pg_isready && pg_isready -q -h 127.0.0.1 -p 5432); then
    say "starting PostgreSQL"
    have pg_ctlcluster || apt_install postgresql
    ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    pg_ctlcluster "$ver" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    su postgres -c "psql -q -c 'CREATE DATABASE test'" 2>/dev/null || true
  fi
fi
say "ok"
