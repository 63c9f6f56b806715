#!/usr/bin/env bash
# Runs the WebDriver tests: the real permit-desk binary, driven through tauri-driver and
# WebKitWebDriver, under Xvfb when no display is set. Screenshots go to artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

application=${E2E_APPLICATION:-${CARGO_TARGET_DIR:-$root/target}/debug/permit-desk}
[ -x "$application" ] || { echo "e2e: no binary at $application (run make build)" >&2; exit 1; }
export E2E_APPLICATION=$application
export E2E_ARTIFACTS=${E2E_ARTIFACTS:-$root/artifacts/e2e}

mkdir -p "$E2E_ARTIFACTS"

# Each run gets its own data directory: the tests never see the clerk's real data.
data_dir=$(mktemp -d -t permit-desk-e2e.XXXXXX)
export E2E_DATA_ROOT=$data_dir # each app session gets its own folder under it (harness.mjs)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Whatever the test files started and left (the stand-in platform of the sync test).
  pkill -f "platform-stub --listen 127.0.0.1:${stub_port:-0}" 2>/dev/null || true
  # ... and the browser-desk test's office server and chromedriver, if it could not.
  pkill -f "permit-desk-server --data-dir $data_dir" 2>/dev/null || true
  pkill -f "chromedriver --port=${E2E_CHROMEDRIVER_PORT:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${cups_dir:-}" ]; then
    cp "$cups_dir/log/error_log" "$E2E_ARTIFACTS/cups-error_log" 2>/dev/null || true
    rm -rf "$cups_dir"
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  display_number=$(( 90 + RANDOM % 400 ))
  Xvfb ":$display_number" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=($!)
  export DISPLAY=":$display_number"
  for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
  xdpyinfo >/dev/null 2>&1 || { echo "e2e: Xvfb did not start on $DISPLAY" >&2; exit 1; }
fi

# A private CUPS with a cups-pdf queue: the print test prints through it, never to a
# real printer of this machine.
cups_port=$(( 41000 + RANDOM % 2000 ))
# Its own folder, readable by the `lp` user its filters run as (mktemp makes 0700).
cups_dir=$(mktemp -d -t permit-desk-cups.XXXXXX)
chmod 755 "$cups_dir"
pids+=("$(scripts/cups-private.sh "$cups_dir" "$cups_port")")
export PERMIT_DESK_CUPS_SERVER="127.0.0.1:$cups_port"
# The app prints as $USER (cups-pdf writes into that user's folder); CI shells may not set it.
export USER=${USER:-$(id -un)}

# The stand-in platform is NOT running at first: the sync test approves a case offline,
# then starts it (E2E_PLATFORM_STUB) on this port and watches the queue drain.
stub_port=$(( 43000 + RANDOM % 2000 ))
export PERMIT_DESK_PLATFORM_URL="http://127.0.0.1:$stub_port"
export PERMIT_DESK_ENROLMENT_CODE=E2E-ENROL
export E2E_PLATFORM_STUB=${E2E_PLATFORM_STUB:-$(dirname "$application")/platform-stub}
[ -x "$E2E_PLATFORM_STUB" ] || { echo "e2e: no platform-stub at $E2E_PLATFORM_STUB (run make build)" >&2; exit 1; }

# The office server the browser-desk test starts on the office the window set up, and
# the Chromium those desks are (chromedriver, from install-deps.sh).
export E2E_SERVER=${E2E_SERVER:-$(dirname "$application")/permit-desk-server}
export E2E_CHROMEDRIVER_PORT=$(( 45000 + RANDOM % 2000 ))
[ -x "$E2E_SERVER" ] || { echo "e2e: no permit-desk-server at $E2E_SERVER (run make build)" >&2; exit 1; }

# SANE's own `test` backend, enabled through a configuration folder of our own (never
# by editing /etc/sane.d): the scan test scans from `test:0`.
mkdir -p "$data_dir/sane"
echo test >"$data_dir/sane/dll.conf"
[ -f /etc/sane.d/test.conf ] && cp /etc/sane.d/test.conf "$data_dir/sane/"
export SANE_CONFIG_DIR="$data_dir/sane"

# A simulated ID-card reader on a pseudo-terminal (crates/idcard, `idcard-sim`): the app
# finds it through PERMIT_DESK_IDCARD_PORT; a test places or lifts the card by writing
# E2E_IDCARD_CONTROL (harness.mjs, placeCard). Nothing lies on it at first.
idcard_sim=${E2E_IDCARD_SIM:-$(dirname "$application")/idcard-sim}
[ -x "$idcard_sim" ] || { echo "e2e: no idcard-sim at $idcard_sim (run make build)" >&2; exit 1; }
export PERMIT_DESK_IDCARD_PORT="$data_dir/ttyIDCARD"
export E2E_IDCARD_CONTROL="$data_dir/idcard-control"
echo none >"$E2E_IDCARD_CONTROL"
"$idcard_sim" "$PERMIT_DESK_IDCARD_PORT" "$E2E_IDCARD_CONTROL" 2>"$E2E_ARTIFACTS/idcard-sim.log" &
pids+=($!)
for _ in $(seq 50); do [ -e "$PERMIT_DESK_IDCARD_PORT" ] && break; sleep 0.1; done

port=${E2E_DRIVER_PORT:-$(( 20000 + RANDOM % 20000 ))}
export E2E_DRIVER_PORT=$port
PERMIT_DESK_DATA_DIR="$data_dir" tauri-driver --port "$port" --native-port $(( port + 1 )) \
  >"$E2E_ARTIFACTS/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "==> WebDriver tests against $application on $DISPLAY"
status=0
node --test --test-concurrency=1 --test-reporter=spec ${E2E_FILES:-tests/e2e/} || status=$?

# Personal data never reaches a log file (issue 18): after every window the tests drove,
# each app's log folder is searched (scripts/scan-logs.sh) for what the tests typed and
# read from the card.
echo "==> Personal data in the app's log files"
"$(dirname "$0")/scan-logs.sh" "$data_dir" || status=1
exit "$status"
