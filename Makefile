# apisec — the two commands for a fresh machine are `make run` and `make test` (see README).
SHELL := /bin/bash
.DEFAULT_GOAL := run
export CARGO_TERM_COLOR ?= never

.PHONY: run test build dist setup site server-debug test-rust test-e2e lint fmt clean bench bench-release bench-criterion load-test

setup:            ## install missing tools (wasm target, wasm-bindgen, chromium, npm packages, GeoIP db)
	@scripts/setup.sh

site: setup       ## hydration bundle + stylesheet into target/site/pkg
	@scripts/build-site.sh

server-debug: site
	cargo build -p apisec

run: server-debug ## build and start the console on http://127.0.0.1:3000 (SQLite in ./data)
	target/debug/apisec serve

build: site       ## release binary with the site embedded: target/release/apisec
	cargo build --release -p apisec
	@ls -l target/release/apisec

# `cargo test` also builds target/debug/apisec (integration tests need the binary), with the
# same features as the tests, so the browser tests reuse it instead of a second server build.
test: site test-rust test-e2e ## the whole suite

test-rust:
	cargo test --workspace --exclude apisec-frontend

test-e2e:
	@test -x target/debug/apisec || cargo test --workspace --exclude apisec-frontend --no-run
	cd end2end && APISEC_DEMO_RECORDS_PER_DAY=$${APISEC_DEMO_RECORDS_PER_DAY:-6000} APISEC_BIN=$(CURDIR)/target/debug/apisec node --test --test-concurrency=1 tests/

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --exclude apisec-frontend --all-targets -- -D warnings
	cargo clippy -p apisec-frontend --target wasm32-unknown-unknown --target-dir target/wasm -- -D warnings

fmt:
	cargo fmt --all

clean:
	rm -rf target/site

# The release binary built for deployment like the benchmark: profile-guided (trained on demo
# traffic of another seed) with fat LTO, cargo profile `dist` (scripts/pgo-build.sh).
dist: site        ## optimised release binary (PGO + fat LTO): target/pgo/bin/apisec
	scripts/pgo-build.sh server
	@ls -l target/pgo/bin/apisec

# End-to-end `apisec analyze` throughput (docs/performance.md): generates fixed-seed demo logs
# once under target/bench-data/, analyses each in its own process, prints records/s, MB/s and
# peak RSS. `make bench BENCH_RECORDS=1000000` for a single size. `bench` measures the engine
# built as `make dist` builds apisec (PGO + fat LTO); `bench-release` the plain release build.
BENCH_RECORDS ?= 100000,1000000,5000000
bench:            ## end-to-end analyze benchmark (records/s, MB/s, peak memory)
	@bin=$$(scripts/pgo-build.sh bench) && $$bin --records $(BENCH_RECORDS)

bench-release:    ## the same benchmark on the `release` profile (no PGO, no LTO)
	cargo run --release -p apisec-engine --example e2e_bench -- --records $(BENCH_RECORDS)

bench-criterion:  ## per-module criterion benchmarks of the engine's hot paths
	cargo bench -p apisec-engine

# Console under load (docs/performance.md): seeds a year of data for 10,000 APIs, starts the
# release server on loopback and drives the Overview and list pages with wrk at 50
# connections (SQLite; PostgreSQL too when APISEC_TEST_POSTGRES_URL is set).
load-test: build  ## p50/p99 of the console pages under 50 connections
	scripts/load-test.sh
