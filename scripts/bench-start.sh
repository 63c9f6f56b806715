#!/usr/bin/env bash
# Cold start and memory of the window: starts BINARY on a fresh data directory under its
# own Xvfb RUNS times and reports, per run, the milliseconds until the window with the
# app's title is mapped and its first screen drawn (a screenshot with more than 50
# colours), and the proportional set size (PSS) of the app and its WebKit processes
# 5 seconds after start. For BENCHMARKS.md.
#
#   scripts/bench-start.sh BINARY [RUNS [TITLE]]
#
# TITLE is the window title that marks the window mapped (default: permit-desk's); the
# hello-world peer (benches/hello-tauri) is measured with `hello-tauri`.
set -euo pipefail
binary=$(realpath "${1:?usage: bench-start.sh BINARY [RUNS [TITLE]]}")
runs=${2:-5}
title=${3:-浙江省居住证互认办理}
display=:88
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display

descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

pss_of_tree() {
  local root=$1 total=0 pid
  for pid in $root $(descendants "$root"); do
    [ -r "/proc/$pid/smaps_rollup" ] || continue
    total=$(( total + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup") ))
  done
  echo "$total"
}

for run in $(seq 1 "$runs"); do
  data=$(mktemp -d)
  start=$(date +%s%N)
  "$binary" --data-dir "$data" >/dev/null 2>&1 &
  app=$!
  drawn=
  for _ in $(seq 1 600); do
    if xwininfo -root -tree 2>/dev/null | grep -qF "$title"; then
      colours=$(import -window root png:- 2>/dev/null | identify -format '%k' - 2>/dev/null || echo 0)
      if [ "${colours:-0}" -gt 50 ]; then drawn=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
    fi
    sleep 0.05
  done
  sleep $(( 5 - ${drawn:-0} / 1000 > 0 ? 5 - ${drawn:-0} / 1000 : 0 ))
  pss=$(pss_of_tree "$app")
  echo "run $run: first screen ${drawn:-never} ms, PSS $(( pss / 1024 )) MiB"
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  rm -rf "$data"
  sleep 1
done
