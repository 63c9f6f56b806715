#!/usr/bin/env bash
# Installs what building, running and testing permit-desk needs on Debian 12, if missing.
# Idempotent: a second run only checks. Needs root (or sudo) for apt on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Tauri's WebKitGTK stack, a CJK font for the window, Xvfb and the
# WebDriver for end-to-end tests, ImageMagick for screenshots, poppler for PDFs, CUPS with
# the cups-pdf queue the print tests start, SANE (its `test` backend) for the scan tests,
# dpkg-dev (dpkg-shlibdeps) and desktop-file-utils to make and check the .deb, unzip for
# the WebDriver test that opens the exported 台账 workbook, p7zip-full for the test that
# opens the encrypted person archive as an archive PC would, Chromium and its WebDriver for
# the browser desks of the office server (the browsers of UOS and Kylin are Chromium's).
APT_PACKAGES=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev libxdo-dev
  file xvfb xauth x11-utils imagemagick webkit2gtk-driver jq
  fonts-noto-cjk fonts-wqy-microhei poppler-utils zbar-tools
  cups cups-client cups-bsd printer-driver-cups-pdf sane-utils libsane1
  dpkg-dev desktop-file-utils unzip p7zip-full
  chromium chromium-driver
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# UI packages, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> installing npm packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# tauri-driver bridges W3C WebDriver to WebKitWebDriver (small: ~1.5 min to build).
# Never `cargo install tauri-cli`: the UI is built with Vite and the shell with cargo.
TAURI_DRIVER_VERSION=2.1.0
if ! command -v tauri-driver >/dev/null 2>&1 || ! tauri-driver --help 2>&1 | grep -q "native-port"; then
  echo "==> installing tauri-driver ${TAURI_DRIVER_VERSION}"
  cargo install tauri-driver --version "${TAURI_DRIVER_VERSION}" --locked --quiet
fi
