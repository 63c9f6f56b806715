#!/usr/bin/env bash
# Checks a permit-desk .deb as an installer would meet it: what it holds, what it depends
# on, that apt can resolve every dependency from this machine's package sources (a
# simulated install: nothing is installed), that the desktop entry is valid and that the
# maintainer scripts leave office data alone.
#
#   scripts/check-deb.sh FILE.deb
set -euo pipefail
deb=${1:?usage: check-deb.sh FILE.deb}
fail() { echo "check-deb: $*" >&2; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/permit-desk ./usr/bin/permitctl ./usr/bin/permit-desk-server \
  ./usr/share/applications/org.permitdesk.counter.desktop \
  ./usr/share/icons/hicolor/256x256/apps/permit-desk.png \
  ./usr/share/doc/permit-desk/copyright ./usr/share/doc/permit-desk/changelog.gz \
  ./usr/share/doc/permit-desk/README.office-server.md \
  ./lib/systemd/system/permit-desk-server.service ./usr/lib/sysusers.d/permit-desk-server.conf \
  ./etc/default/permit-desk-server ./usr/share/permit-desk/ui/index.html; do
  grep -qxF "$path" <<<"$contents" || fail "$path is missing"
done
# Only programs, the menu entry, the icon, documents, the window served to browsers and
# the server's unit, user and options: nothing in /var, /home or /opt, no other /etc file.
unexpected=$(grep -vE '^\./(usr/?|usr/bin/.*|usr/share/?|usr/share/(applications|icons|doc|permit-desk)(/.*)?|lib/?|lib/systemd/?|lib/systemd/system/?|lib/systemd/system/permit-desk-server\.service|usr/lib/?|usr/lib/sysusers\.d/?|usr/lib/sysusers\.d/permit-desk-server\.conf|etc/?|etc/default/?|etc/default/permit-desk-server)?$' <<<"$contents" || true)
[ -z "$unexpected" ] || fail "unexpected paths: $unexpected"

depends=$(dpkg-deb -f "$deb" Depends)
grep -q 'libwebkit2gtk-4.1-0' <<<"$depends" || fail "Depends lacks WebKitGTK 4.1: $depends"
grep -q 'fonts-noto-cjk' <<<"$depends" || fail "Depends lacks a CJK font: $depends"
version=$(dpkg-deb -f "$deb" Version)
cargo_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$(dirname "$0")/../Cargo.toml" | head -n 1)
[[ "$version" == "$cargo_version" || "$version" == "$cargo_version~debug" ]] ||
  fail "package version $version is not the workspace's $cargo_version"

# The maintainer scripts never name the data directory or delete anything.
control=$(mktemp -d)
trap 'rm -rf "$control"' EXIT
dpkg-deb -e "$deb" "$control"
grep -qxF /etc/default/permit-desk-server "$control/conffiles" || fail "the server's options are not a conffile"
for script in "$control"/postinst "$control"/prerm "$control"/postrm; do
  ! grep -qE 'rm |org\.permitdesk\.counter|\.local/share|/home' <(grep -v '^#' "$script") ||
    fail "$(basename "$script") touches files it must not"
done

# The server's unit and system user as systemd reads them, from the package's own files.
dpkg-deb -x "$deb" "$control/root"
grep -q '^ExecStart=/usr/bin/permit-desk-server .*--unlock-file %d/unlock' \
  "$control/root/lib/systemd/system/permit-desk-server.service" || fail "the unit does not start the server from its unlock"
# A one-PC office runs no server: the package never enables or starts it.
! grep -qE 'systemctl (enable|start)|deb-systemd-helper enable' "$control/postinst" ||
  fail "the package enables or starts the server itself"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Every directive known and well formed; the program checked where the package put it
  # (this machine has not installed it).
  mkdir "$control/unit"
  sed "s|/usr/bin/permit-desk-server|$control/root/usr/bin/permit-desk-server|" \
    "$control/root/lib/systemd/system/permit-desk-server.service" > "$control/unit/permit-desk-server.service"
  verify=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
    "$control/unit/permit-desk-server.service" 2>&1) || fail "systemd-analyze does not accept the unit: $verify"
  [ -z "$verify" ] || fail "systemd-analyze warns about the unit: $verify"
fi

# The desktop entry, as the menu reads it.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/applications/org.permitdesk.counter.desktop > "$control/entry.desktop"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$control/entry.desktop" || fail "the desktop entry is not valid"
fi
grep -qx 'Name\[zh_CN\]=居住证互认办理' "$control/entry.desktop" || fail "the menu entry has no Chinese name"

# Every dependency resolves from the package sources, as `apt-get install ./FILE` would.
simulated=$(apt-get install --simulate --no-install-recommends "$(realpath "$deb")" 2>&1) ||
  fail "apt cannot resolve the dependencies: $simulated"
grep -q '^Inst permit-desk' <<<"$simulated" || fail "apt would not install the package: $simulated"

size_kb=$(( $(stat -c %s "$deb") / 1024 ))
echo "check-deb: $(basename "$deb") ok — ${size_kb} KiB, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
echo "check-deb: Depends: $depends"
