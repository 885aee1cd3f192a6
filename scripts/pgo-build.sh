#!/usr/bin/env bash
# Profile-guided, fat-LTO build (cargo profile `dist`) of the analysis hot path:
#
#   scripts/pgo-build.sh bench    the end-to-end benchmark   -> target/pgo/bin/e2e_bench
#   scripts/pgo-build.sh server   the apisec binary          -> target/pgo/bin/apisec
#
# 1. builds the target instrumented (`-Cprofile-generate`) under target/pgo/gen;
# 2. runs it on a training log: demo traffic of another seed, region and length than the
#    benchmark's input (seed 7, intl, 4 days, 60,000 records), so the profile describes the
#    analysis, not the measured file;
# 3. merges the profile with llvm-profdata (rustup's llvm-tools, installed when missing);
# 4. rebuilds with `-Cprofile-use` and the `dist` profile (fat LTO: the profile's inlining
#    decisions cross crate boundaries, into serde_json, aho-corasick, hashbrown, memchr).
#
# docs/performance.md has the figures (PGO plus fat LTO: about 15 % less CPU than `release`).
# Without llvm-profdata (no rustup) it still builds the `dist` profile, without a profile.
# `--target` keeps the flags off build scripts and proc macros (they would write profiles too).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
case "$what" in
bench) build=(-p apisec-engine --example e2e_bench) artifact=examples/e2e_bench ;;
server) build=(-p apisec) artifact=apisec ;;
*)
    echo "usage: scripts/pgo-build.sh bench|server" >&2
    exit 2
    ;;
esac

host=$(rustc -vV | sed -n 's/^host: //p')
pgo=$PWD/target/pgo
mkdir -p "$pgo/bin"
export CARGO_INCREMENTAL=0

profdata() {
    local p
    p="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
    if [[ ! -x $p ]] && command -v rustup >/dev/null; then
        rustup component add llvm-tools >&2 || true
    fi
    [[ -x $p ]] && echo "$p"
}

# The artifact built under the target directory `$1`.
built() { echo "$1/$host/dist/$artifact"; }

flags=()
if merge=$(profdata); then
    rm -rf "$pgo/profiles"
    echo "pgo: instrumented build of ${build[*]}" >&2
    RUSTFLAGS="-Cprofile-generate=$pgo/profiles" \
        cargo build --profile dist --target "$host" --target-dir "$pgo/gen" "${build[@]}"
    bin=$(built "$pgo/gen")
    log=$pgo/training.jsonl
    demo=(--seed 7 --region intl --days 4 --records 60000 --out "$log")
    echo "pgo: training run" >&2
    if [[ $what == bench ]]; then
        "$bin" --demo-traffic "${demo[@]}"
        "$bin" --analyze "$log" >/dev/null
    else
        "$bin" demo-traffic "${demo[@]}"
        "$bin" analyze "$log" >/dev/null
    fi
    "$merge" merge -o "$pgo/merged.profdata" "$pgo/profiles"
    flags=("-Cprofile-use=$pgo/merged.profdata")
else
    echo "pgo: llvm-profdata unavailable (no rustup?): building without a profile" >&2
fi
echo "pgo: optimised build of ${build[*]}" >&2
RUSTFLAGS="${flags[*]}" \
    cargo build --profile dist --target "$host" --target-dir "$pgo/use" "${build[@]}"
out=$pgo/bin/$(basename "$artifact")
# The server's line tables are most of its size (612 MB against 48 MB stripped): a deployment
# takes it stripped; the unstripped build stays under target/pgo/use for profiling.
if [[ $what == server ]] && command -v strip >/dev/null; then
    strip -o "$out" "$(built "$pgo/use")"
else
    cp "$(built "$pgo/use")" "$out"
fi
echo "$out"
