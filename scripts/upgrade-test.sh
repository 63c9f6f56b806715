#!/usr/bin/env bash
# make upgrade-test (docs/packaging.md, "Upgrades, tested"): the previous release makes an office, this tree
# opens it.
#
# 1. The latest release in CHANGELOG.md and the commit it was built from.
# 2. A git worktree of that commit; tests/upgrade/seeder (from THIS tree) is copied into it
#    and built there against the release's crates, with the release's Cargo.lock.
# 3. The seeder makes an office with cases in every state, pages and an outbox with
#    records synced, quarantined, held and queued, plus the stand-in platform's database.
# 4. tests/tests/upgrade.rs (this tree) opens it, checks everything is there, and drains
#    the outbox to the same stand-in exactly once.
#
# Steps 2 and 3 compile the release's whole tree with its own features (nearly every
# dependency again: four to five minutes of a cold CI run), and always make the same
# office. So the office that release's seeder made is kept in tests/upgrade/made-by-<version>/
# with MADE naming the release commit and the seeder's source digest, and by default
# (UPGRADE_FROM=fixture) the test opens a copy of it when both still match — else it
# builds from source, as UPGRADE_FROM=source (make upgrade-test-source) always does.
# UPGRADE_SAVE_FIXTURE=1 with a source build keeps what it made (make upgrade-fixture).
set -euo pipefail

root=$(git rev-parse --show-toplevel)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/permit-desk/target}

version=$(grep -m1 -oE '^## [0-9]+\.[0-9]+\.[0-9]+' CHANGELOG.md | cut -c4-) || true
commit=$(grep -m1 -oE '^Built from commit: [0-9a-f]{40}' CHANGELOG.md | awk '{print $4}') || true
if [[ -z "$version" || -z "$commit" ]]; then
  echo "upgrade-test: CHANGELOG.md names no release with its commit; nothing to upgrade from" >&2
  exit 1
fi
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  if [[ "$(git rev-parse --is-shallow-repository)" == true ]]; then
    echo "upgrade-test: shallow clone; fetching the history to find $commit" >&2
    git fetch --quiet --unshallow
  fi
  git cat-file -e "$commit^{commit}" 2>/dev/null || {
    echo "upgrade-test: release $version's commit $commit is not in this repository" >&2
    exit 1
  }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/permit-desk-upgrade.XXXXXX")
cleanup() {
  git worktree remove --force "$work/release" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fixture="tests/upgrade/made-by-$version"
seeder_digest=$(cat tests/upgrade/seeder/Cargo.toml tests/upgrade/seeder/src/*.rs | sha256sum | cut -c1-64)
from=${UPGRADE_FROM:-fixture}
if [[ "$from" == fixture ]]; then
  if [[ -f "$fixture/MADE" ]] && grep -qx "commit: $commit" "$fixture/MADE" \
    && grep -qx "seeder: $seeder_digest" "$fixture/MADE"; then
    echo "==> upgrade test: the office release $version (${commit:0:10}) made ($fixture), opened by this tree"
    cp -r "$fixture" "$work/made"
    rm -f "$work/made/MADE"
  else
    echo "upgrade-test: $fixture was not made by this seeder and release $version; building from source (make upgrade-fixture keeps the new one)" >&2
    from=source
  fi
fi
if [[ "$from" == source ]]; then
  echo "==> upgrade test: the office of release $version (${commit:0:10}) made from source, opened by this tree"
  git worktree add --quiet --detach "$work/release" "$commit"
  mkdir -p "$work/release/tests/upgrade"
  rm -rf "$work/release/tests/upgrade/seeder"
  cp -r tests/upgrade/seeder "$work/release/tests/upgrade/seeder"
  rm -f "$work/release/tests/upgrade/seeder/Cargo.lock"
  cp "$work/release/Cargo.lock" "$work/release/tests/upgrade/seeder/Cargo.lock"
  cargo build --quiet --manifest-path "$work/release/tests/upgrade/seeder/Cargo.toml"
  "$CARGO_TARGET_DIR/debug/upgrade-seeder" "$work/made"
  if [[ "${UPGRADE_SAVE_FIXTURE:-0}" == 1 ]]; then
    rm -rf "$fixture"
    cp -r "$work/made" "$fixture"
    {
      echo "What release $version's code made: tests/upgrade/seeder built in a worktree of its commit,"
      echo "with its Cargo.lock (scripts/upgrade-test.sh; refresh with make upgrade-fixture)."
      echo "version: $version"
      echo "commit: $commit"
      echo "seeder: $seeder_digest"
      echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$fixture/MADE"
    echo "upgrade-test: kept in $fixture"
  fi
elif [[ "$from" != fixture ]]; then
  echo "upgrade-test: UPGRADE_FROM is fixture or source, not $from" >&2
  exit 1
fi
# `--workspace --test upgrade` (only tests/tests/upgrade.rs has that name) rather than
# `-p workspace-tests`: features are then unified over the whole workspace, as in the
# Rust tests just before, so this reuses their build instead of compiling the app's
# stack again with the smaller feature sets one package asks for (serde, chrono, tokio,
# reqwest …: ten minutes of a cold CI run, measured 2026-12-06).
PERMIT_DESK_UPGRADE_DIR="$work/made" cargo test --quiet --workspace --test upgrade -- --ignored
