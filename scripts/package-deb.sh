#!/usr/bin/env bash
# Builds the permit-desk .deb from binaries already built (`make package` builds them in
# release; `make package-check` packs the debug ones CI has anyway, to check the package's
# contents and dependencies without a second, release build). docs/packaging.md says why
# the package is made with dpkg-deb and dpkg-shlibdeps rather than Tauri's bundler or
# cargo-deb.
#
#   scripts/package-deb.sh release|debug OUT_DIR
#
# Prints the path of the .deb it wrote. Reads nothing from, and writes nothing to, any
# office's data: the package holds programs, a desktop entry, an icon, documents, and the
# office server's service (unit, system user, options file, the window it serves to
# browsers from ui/dist, which `make ui` builds).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:?usage: package-deb.sh release|debug OUT_DIR}
out_dir=${2:?usage: package-deb.sh release|debug OUT_DIR}
target=${CARGO_TARGET_DIR:-$HOME/.cache/permit-desk/target}
bin_dir="$target/$profile"
for binary in permit-desk permitctl permit-desk-server; do
  [ -x "$bin_dir/$binary" ] || { echo "package-deb: $bin_dir/$binary is missing: build it first" >&2; exit 1; }
done
[ -f ui/dist/index.html ] || { echo "package-deb: ui/dist is missing: run make ui first" >&2; exit 1; }

# One version for the workspace, the window's 关于 and the package (Cargo.toml's).
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "package-deb: no version in Cargo.toml" >&2; exit 1; }
# A debug pack says so in its version, so it can never be mistaken for a release.
[ "$profile" = release ] || version="${version}~debug"
arch=$(dpkg --print-architecture)

stage=$(mktemp -d "${TMPDIR:-/tmp}/permit-desk-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/doc/permit-desk" \
  "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" "$root/etc/default" "$root/usr/share/permit-desk"

install -m 0755 "$bin_dir/permit-desk" "$bin_dir/permitctl" "$bin_dir/permit-desk-server" "$root/usr/bin/"
if [ "$profile" = release ]; then
  # The release profile keeps symbols; the package does not need them.
  strip --strip-unneeded "$root/usr/bin/permit-desk" "$root/usr/bin/permitctl" "$root/usr/bin/permit-desk-server"
fi

# The office server as a service, not enabled (docs/office-server.md): its unit (in /lib,
# where Debian 12 keeps units), its system user, its options (a conffile: an upgrade keeps
# the administrator's), and the window it serves to browsers.
install -m 0644 src-tauri/packaging/permit-desk-server.service "$root/lib/systemd/system/"
install -m 0644 src-tauri/packaging/permit-desk-server.sysusers "$root/usr/lib/sysusers.d/permit-desk-server.conf"
install -m 0644 src-tauri/packaging/permit-desk-server.default "$root/etc/default/permit-desk-server"
echo /etc/default/permit-desk-server > "$root/DEBIAN/conffiles"
cp -r ui/dist "$root/usr/share/permit-desk/ui"
find "$root/usr/share/permit-desk/ui" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
install -m 0644 src-tauri/icons/icon.png "$root/usr/share/icons/hicolor/256x256/apps/permit-desk.png"
install -m 0644 src-tauri/packaging/permit-desk.desktop "$root/usr/share/applications/org.permitdesk.counter.desktop"

# Documents: the copyright file (the program's licence and the embedded font's), the
# changelog as Debian keeps it, and the IT staff's part of the README.
doc="$root/usr/share/doc/permit-desk"
{
  cat src-tauri/packaging/copyright
  echo
  echo "Files: (embedded in /usr/bin/permit-desk) Noto Sans CJK SC"
  echo "License: OFL-1.1"
  sed 's/^/ /; s/^ $/ ./' assets/fonts/LICENSE
} > "$doc/copyright"
gzip -9n -c CHANGELOG.md > "$doc/changelog.gz"
install -m 0644 docs/packaging.md "$doc/README.packaging.md"
install -m 0644 docs/office-server.md "$doc/README.office-server.md"

# Maintainer scripts: refresh the desktop menu and icon cache, nothing else. They never
# touch an office's data (it lives in each user's ~/.local/share/org.permitdesk.counter).
for script in postinst prerm postrm; do
  install -m 0755 "src-tauri/packaging/$script" "$root/DEBIAN/$script"
done

# Depends: the shared libraries the two programs really link, as Debian packages
# (dpkg-shlibdeps reads the ELF files), then what they need at run time without linking:
# a CJK font for the window (the printed documents carry their own).
mkdir -p "$stage/debian"
printf 'Source: permit-desk\n\nPackage: permit-desk\nArchitecture: any\n' > "$stage/debian/control"
shlibs=$(cd "$stage" && dpkg-shlibdeps -O --ignore-missing-info \
  root/usr/bin/permit-desk root/usr/bin/permitctl root/usr/bin/permit-desk-server 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package-deb: dpkg-shlibdeps found no libraries" >&2; exit 1; }
fonts="fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei"
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)

cat > "$root/DEBIAN/control" <<EOF
Package: permit-desk
Version: $version
Architecture: $arch
Maintainer: permit-desk team <permit-desk@localhost>
Installed-Size: $installed_kb
Depends: $shlibs, $fonts
Recommends: cups-client, sane-utils
Section: misc
Priority: optional
Description: 浙江省居住证互认办理 — counter application
 The desktop application Zhejiang service-centre and police-station counters
 use to process mutual recognition (互认转换) of residence permits: the
 application form, scanned proofs, accept/review/approve by three clerks,
 the one-time notice, the printed confirmation slip, and a queue that syncs
 to the provincial platform when the link returns. Includes permitctl, the
 command-line tool for backups, restores, audit checks and sync, and
 permit-desk-server, the office server several desks and browsers share
 (a systemd service, not enabled: see README.office-server.md).
EOF

mkdir -p "$out_dir"
deb="$out_dir/permit-desk_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
