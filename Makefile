# permit-desk: the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing first (apt, npm ci, tauri-driver) and are idempotent.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Build outputs live outside the clone so a fresh clone can reuse them; nothing depends
# on this cache being there.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/permit-desk/target
export CARGO_TERM_COLOR ?= never
BINARY := $(CARGO_TARGET_DIR)/debug/permit-desk

.PHONY: run test deps ui build lint fmt-check clippy ui-check rust-test ui-test e2e bindings package package-check package-test crash-migrations crash-store crash-sync upgrade-test upgrade-test-source upgrade-fixture bench-start bench-intake-cli bench-reader bench-township bench-server server-kill fuzz

## Start the app window (under Xvfb when there is no display).
run: deps build
	scripts/run.sh

## Every test: formatting, lints, Rust tests, UI type check and tests, WebDriver tests.
test: deps ui lint rust-test upgrade-test ui-test build e2e package-check
	@echo "==> all test layers passed"

deps:
	scripts/install-deps.sh

ui:
	cd ui && npm run --silent build

build: ui
	cargo build -p permit-desk -p platform-stub -p permitctl -p server
	# The simulated ID-card reader of the WebDriver tests (its own build: the simulator
	# feature stays out of the app's).
	cargo build -p idcard --features simulator --bin idcard-sim

lint: fmt-check clippy ui-check

fmt-check:
	cargo fmt --all --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

ui-check:
	cd ui && npx vue-tsc --noEmit

rust-test:
	@echo "==> Rust tests"
	cargo test --workspace --no-fail-fast 2>&1 | tee $(CARGO_TARGET_DIR)/rust-test.log
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "Rust: %d passed, %d failed\n", p, f }' $(CARGO_TARGET_DIR)/rust-test.log

ui-test:
	@echo "==> UI unit tests (vitest)"
	cd ui && npx vitest run

e2e: build
	@echo "==> WebDriver tests (tauri-driver + WebKitWebDriver)"
	E2E_APPLICATION=$(BINARY) scripts/e2e.sh

## Regenerate ui/src/bindings.ts (the window's DTOs, crates/wire) and ui/src/backend/commands.ts (the shell's commands).
bindings:
	UPDATE_BINDINGS=1 cargo test -p wire --lib bindings
	UPDATE_BINDINGS=1 cargo test -p permit-desk --lib bindings

## The release .deb in dist/ (docs/packaging.md): window, permitctl and the office server, menu entry, icon.
package: deps ui
	cargo build --release -p permit-desk -p permitctl -p server
	scripts/check-deb.sh "$$(scripts/package-deb.sh release dist)"

## The .deb's contents and dependencies, packed from the debug programs `build` made (CI).
package-check: build
	scripts/check-deb.sh "$$(scripts/package-deb.sh debug $(CARGO_TARGET_DIR)/package-check)"

## Install the release .deb into a fresh Debian 12 chroot, start it, remove it (minutes).
package-test: package
	scripts/package-test.sh dist/permit-desk_*_$$(dpkg --print-architecture).deb

## `permitctl intake` (release) timed on the scan bench's pages (issue 20), BENCHMARKS.md.
bench-intake-cli:
	scripts/bench-intake-cli.sh

## The applicant's identity typed against read from the card, through WebDriver (BENCHMARKS.md).
bench-reader: deps build
	E2E_APPLICATION=$(BINARY) E2E_FILES=tests/e2e/bench/reader-vs-typing.mjs scripts/e2e.sh

## Cold start and memory of the release window against a hello-world Tauri v2 window
## built with the same profile (BENCHMARKS.md, "Start and memory"; minutes).
bench-start: deps ui
	cargo build --release -p permit-desk
	cp Cargo.lock benches/hello-tauri/Cargo.lock
	cargo build --release --manifest-path benches/hello-tauri/Cargo.toml
	scripts/bench-start.sh $(CARGO_TARGET_DIR)/release/permit-desk 5
	scripts/bench-start.sh $(CARGO_TARGET_DIR)/release/hello-tauri 5 hello-tauri

## The previous release (CHANGELOG.md) makes an office; this tree opens it and drains its outbox.
## `make test` opens the office that release made (tests/upgrade/made-by-<version>, while
## its seeder and commit still match); upgrade-test-source builds the release to make it.
upgrade-test:
	scripts/upgrade-test.sh

upgrade-test-source:
	UPGRADE_FROM=source scripts/upgrade-test.sh

## Makes tests/upgrade/made-by-<version> again from the release's source (after the
## seeder changed, or at a new release).
upgrade-fixture:
	UPGRADE_FROM=source UPGRADE_SAVE_FIXTURE=1 scripts/upgrade-test.sh

## The drain over a township line (2 Mbit/s, 100 ms round trips): 100 cases of three
## 300 KB pages, clean and cut at 45 %; held to 1.2x the page bytes over the bandwidth.
## Coverage-guided fuzzing (AFL++ via cargo-afl, installed on first use): every target of
## crates/fuzz-targets for FUZZ_SECONDS each (default 600); results in RELIABILITY.md.
## `cargo test` replays each target's corpus and 2,000 mutations of it.
fuzz:
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),600)

## Twenty desks against the office server for a minute each (SERVER_LOAD_SECONDS): as fast
## as it answers, then each desk pausing 500 ms between requests; save and worklist
## latencies (BENCHMARKS.md, "The office server under twenty desks").
bench-server:
	SERVER_LOAD_PAUSE_MS=0 cargo test --release -p server --test load -- --ignored --nocapture
	SERVER_LOAD_PAUSE_MS=500 cargo test --release -p server --test load -- --ignored --nocapture
	SERVER_LOAD_PAUSE_MS=500 SERVER_LOAD_ARRIVALS=lockstep cargo test --release -p server --test load -- --ignored --nocapture

## The office server killed with SIGKILL fifty times at random moments while three desks
## accept, review and approve (issue 17; `make test` runs five). RELIABILITY.md has the figures.
server-kill:
	cargo test -p server --test kill -- --ignored --nocapture

bench-township:
	TOWNSHIP_CASES=100 TOWNSHIP_KBIT=2000 TOWNSHIP_STRICT=1 cargo test -p sync --test sync township -- --nocapture

## kill -9 during 240 upgrades of a schema-1 office: 160 aimed at its crash points, 80 timed and counted by phase (CI runs 12);
## then 240 power cuts (the same, and just before a log fsync; unsynced writes undone).
crash-migrations:
	MIGRATION_KILL_RUNS=240 cargo test -p store --test store crash_migration::kill -- --nocapture
	MIGRATION_POWERCUT_RUNS=240 cargo test -p store --test store crash_migration::power -- --nocapture

## Saves killed at each of the store's crash points: 300 runs, 200 aimed (CI runs 10);
## then 300 power cuts (kill, then every unsynced write undone), 250 aimed (CI runs 10).
crash-store:
	STORE_KILL_RUNS=300 cargo test -p store --test store crash::kill -- --nocapture
	STORE_POWERCUT_RUNS=300 cargo test -p store --test store crash::power -- --nocapture

## The sync killed at each of its crash points: the drain against an outbox file (200 runs),
## `permitctl sync` against the encrypted office (200 offices), and the import of an
## air-gapped answer bundle (200 runs); every point at least 20 times (CI: 20, 3 and 8).
crash-sync:
	SYNC_KILL_RUNS=200 cargo test -p sync --test sync kill:: -- --nocapture
	PERMITCTL_KILL_RUNS=200 cargo test -p permitctl --test sync_kill -- --nocapture
	BUNDLE_KILL_RUNS=200 cargo test -p app --test bundle_kill -- --nocapture
