#!/usr/bin/env bash
# Builds the browser side into target/site/pkg: the hydration bundle (wasm + JS glue, named
# apisec.js / apisec_bg.wasm as Leptos' HydrationScripts expects) and apisec.css (all of style/).
# Plain cargo + wasm-bindgen, in its own target dir so it never invalidates the server build.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${WASM_PROFILE:-wasm-release}
cargo build -p apisec-frontend --lib --target wasm32-unknown-unknown --profile "$PROFILE" --target-dir target/wasm
mkdir -p target/site/pkg
wasm-bindgen --target web --no-typescript --out-dir target/site/pkg --out-name apisec \
  "target/wasm/wasm32-unknown-unknown/$PROFILE/apisec_frontend.wasm"
cat style/*.css > target/site/pkg/apisec.css
echo "site: $(du -h target/site/pkg/apisec_bg.wasm | cut -f1) wasm in target/site/pkg" >&2
