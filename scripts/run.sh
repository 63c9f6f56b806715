#!/usr/bin/env bash
# Starts the app window with its embedded SQLite data dir. Without a display it starts
# Xvfb and leaves a screenshot of the window in artifacts/run-window.png.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
binary=${CARGO_TARGET_DIR:-$root/target}/debug/permit-desk
export PERMIT_DESK_DATA_DIR=${PERMIT_DESK_DATA_DIR:-$root/.data}
mkdir -p "$PERMIT_DESK_DATA_DIR" artifacts
echo "==> data directory: $PERMIT_DESK_DATA_DIR (set PERMIT_DESK_DATA_DIR to move it)"

if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:77
  if ! xdpyinfo >/dev/null 2>&1; then
    Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "==> no DISPLAY set: the window runs on the virtual display $DISPLAY"
  ( sleep 4; import -window root "$root/artifacts/run-window.png" 2>/dev/null \
      && echo "==> screenshot of the window: artifacts/run-window.png" ) &
fi
# The stand-in provincial platform on loopback, with its own SQLite file next to the
# app's data. The app enrols itself with the demo code on its first sync.
stub=${CARGO_TARGET_DIR:-$root/target}/debug/platform-stub
stub_port=${PERMIT_DESK_STUB_PORT:-8787}
export PERMIT_DESK_PLATFORM_URL=${PERMIT_DESK_PLATFORM_URL:-http://127.0.0.1:$stub_port}
export PERMIT_DESK_ENROLMENT_CODE=${PERMIT_DESK_ENROLMENT_CODE:-DEMO-CODE}
mkdir -p "$PERMIT_DESK_DATA_DIR/platform-stub"
"$stub" --listen "127.0.0.1:$stub_port" --db "$PERMIT_DESK_DATA_DIR/platform-stub/stub.sqlite3" \
  --enrolment-code "$PERMIT_DESK_ENROLMENT_CODE" >"$PERMIT_DESK_DATA_DIR/platform-stub/stub.log" 2>&1 &
stub_pid=$!
trap 'kill $stub_pid 2>/dev/null || true' EXIT
echo "==> stand-in platform on $PERMIT_DESK_PLATFORM_URL (log: $PERMIT_DESK_DATA_DIR/platform-stub/stub.log)"
"$binary"
