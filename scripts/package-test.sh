#!/usr/bin/env bash
# The clean-system install test: bootstraps a minimal Debian 12 into a chroot, installs the
# .deb there with apt (so its dependencies resolve as on a real counter PC), checks the
# programs, starts the window on this machine's Xvfb and screenshots its first-run screen,
# creates an office with permitctl, removes the package and checks the office is still
# there. Needs root and Debian's package registry. Takes minutes; `make package-test`.
#
#   scripts/package-test.sh FILE.deb [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(realpath "${1:?usage: package-test.sh FILE.deb [OUT_DIR]}")
out=$(realpath -m "${2:-artifacts/package-test}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
mkdir -p "$out"

root=$(mktemp -d /var/tmp/permit-desk-chroot.XXXXXX)
display=:87
xvfb_pid=
cleanup() {
  [ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true
  for mount in tmp/.X11-unix dev/pts dev sys proc; do
    mountpoint -q "$root/$mount" && umount -l "$root/$mount"
  done
  rm -rf "$root"
}
trap cleanup EXIT
step() { echo "==> package-test: $*"; }
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

start=$(date +%s)
step "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$out/debootstrap.log" 2>&1 ||
  { tail -20 "$out/debootstrap.log"; exit 1; }
for mount in proc sys dev dev/pts; do
  mount --bind "/$mount" "$root/$mount"
done
echo "deb $mirror bookworm main" > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
bootstrapped=$(date +%s)

step "apt-get install ./$(basename "$deb") (dependencies from the registry)"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq > "$out/apt.log" 2>&1
if ! in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "/tmp/$(basename "$deb")" >> "$out/apt.log" 2>&1; then
  tail -30 "$out/apt.log"
  exit 1
fi
installed=$(date +%s)
in_root dpkg-query -W -f='${Package} ${Version} ${Installed-Size} KiB\n' permit-desk | tee "$out/installed.txt"
packages=$(in_root dpkg-query -W -f='.\n' | wc -l)
echo "packages in the chroot after install: $packages" | tee -a "$out/installed.txt"

step "permitctl --version and an office made from the command line"
in_root permitctl --version | tee "$out/version.txt"
in_root env PERMITCTL_PASSWORD=package-test-password permitctl setup --data-dir /root/office --user admin \
  --county 330182 --station 01 --name 建德市公安局新安江派出所 > "$out/setup.json"
[ -f "$root/root/office/office.db" ] || { echo "package-test: no office database was made" >&2; exit 1; }

step "the window's first-run screen, on this machine's X server"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp > "$out/xvfb.log" 2>&1 &
xvfb_pid=$!
sleep 1
mkdir -p "$root/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
in_root env DISPLAY="$display" XDG_RUNTIME_DIR=/tmp \
  permit-desk --data-dir /root/window-office > "$out/window.log" 2>&1 &
window_pid=$!
# The first-run screen is drawn within seconds; wait for a window with the app's title.
for _ in $(seq 1 60); do
  DISPLAY=$display xwininfo -root -tree 2>/dev/null | grep -q '浙江省居住证互认办理' && break
  sleep 1
done
sleep 4
DISPLAY=$display import -window root "$out/first-run.png"
window_seen=$(DISPLAY=$display xwininfo -root -tree | grep -c '浙江省居住证互认办理' || true)
kill "$window_pid" 2>/dev/null || true
pkill -f "permit-desk --data-dir /root/window-office" 2>/dev/null || true
wait "$window_pid" 2>/dev/null || true
[ "$window_seen" -gt 0 ] || { tail -20 "$out/window.log"; echo "package-test: no window" >&2; exit 1; }
# A screen drawn with its text has many colours; a blank or failed page has few.
colours=$(convert "$out/first-run.png" -format '%k' info:)
echo "first-run screenshot: $out/first-run.png ($colours colours)"
[ "$colours" -gt 50 ] || { echo "package-test: the first-run screen looks blank" >&2; exit 1; }

step "apt-get remove: the programs go, the offices stay"
in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y --purge permit-desk >> "$out/apt.log" 2>&1
[ ! -e "$root/usr/bin/permit-desk" ] || { echo "package-test: permit-desk still installed" >&2; exit 1; }
[ -f "$root/root/office/office.db" ] || { echo "package-test: purge removed an office" >&2; exit 1; }
[ -d "$root/root/window-office/db" ] || { echo "package-test: purge removed the window's office" >&2; exit 1; }

echo "package-test: passed — bootstrap $((bootstrapped - start)) s, install $((installed - bootstrapped)) s, total $(( $(date +%s) - start )) s"
