#!/usr/bin/env bash
# Starts a private CUPS daemon for the end-to-end tests: its own ServerRoot, spool, cache
# and state under DIR, listening on 127.0.0.1:PORT only, with two cups-pdf queues:
# PermitDeskPDF (A4, the default) and PermitDeskCounter2 (A4, "柜台二号打印机"), so the
# office's own printer choice differs from the system's default; and two queues of a
# printer that fails mid-job, through a backend of our own (DIR/serverbin/backend/permitfault,
# beside links to the system's backends and filters): PermitDeskJam ("卡纸的打印机": takes
# the job, then reports a paper jam and fails it) and PermitDeskSlow ("很慢的打印机": takes
# the job and prints for 60 s, long enough to cancel it at the printer).
# Prints the daemon's pid. Needs root: the cups-pdf
# backend runs as root only (crates/print/tests/cups.rs explains the queue options).
# Usage: scripts/cups-private.sh DIR PORT
set -euo pipefail
dir=$1
port=$2
for tool in /usr/sbin/cupsd /usr/sbin/lpadmin /usr/lib/cups/backend/cups-pdf; do
  [ -e "$tool" ] || { echo "cups-private: $tool is missing (apt install cups printer-driver-cups-pdf)" >&2; exit 1; }
done
mkdir -p "$dir"/{root,spool,cache,state,tmp,log}
chmod 755 "$dir"
chmod 1777 "$dir/tmp"
# ServerBin: the system's filters and backends, and ours. cupsd runs a backend that is not
# world-readable as root, others as lp; ours needs neither, so it is 0755 and owned by root.
mkdir -p "$dir/serverbin/backend"
for entry in /usr/lib/cups/*; do
  [ "$(basename "$entry")" = backend ] || ln -s "$entry" "$dir/serverbin/"
done
ln -s /usr/lib/cups/backend/* "$dir/serverbin/backend/"
cat >"$dir/serverbin/backend/permitfault" <<'BACKEND'
#!/bin/sh
# A printer that fails mid-job (CUPS backend protocol: messages on stderr, exit status).
# Without arguments: device discovery. permitfault:/jam takes the job, then jams;
# permitfault:/slow takes the job and prints for a minute (cancel it at the printer).
[ $# -eq 0 ] && { echo 'direct permitfault "Unknown" "permit-desk test printer"'; exit 0; }
[ $# -ge 6 ] || cat >/dev/null
echo "STATE: +media-needed" >&2; echo "STATE: -media-needed" >&2
case "$DEVICE_URI" in
  *jam*)
    sleep 1
    echo "STATE: +media-jam-error" >&2
    echo "ERROR: Paper jam in tray 1" >&2
    exit 1 ;;
  *)
    echo "INFO: Printing page 1" >&2
    sleep 60
    exit 0 ;;
esac
BACKEND
chmod 0755 "$dir/serverbin/backend/permitfault"
cat >"$dir/cups-files.conf" <<CONF
ServerRoot $dir/root
RequestRoot $dir/spool
CacheDir $dir/cache
StateDir $dir/state
TempDir $dir/tmp
ErrorLog $dir/log/error_log
AccessLog $dir/log/access_log
PageLog $dir/log/page_log
ServerBin $dir/serverbin
SystemGroup root
CONF
cat >"$dir/cupsd.conf" <<CONF
Listen 127.0.0.1:$port
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
ErrorPolicy abort-job
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
/usr/sbin/cupsd -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" >"$dir/log/cupsd.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  lpstat -h "127.0.0.1:$port" -r >/dev/null 2>&1 && break
  sleep 0.1
done
# stdout carries only the pid (the caller kills it): lpadmin's chatter goes to stderr.
# cupsd answers lpstat before it has finished its first reload and then refuses new
# connections for a moment ("Bad file descriptor"): retry lpadmin briefly.
retry() {
  for _ in $(seq 20); do
    "$@" 1>&2 && return 0
    sleep 0.25
  done
  echo "cups-private: gave up after 20 tries: $*" >&2
  return 1
}
# On failure the daemon is stopped here: the caller never learns its pid.
retry lpadmin -h "127.0.0.1:$port" -p PermitDeskPDF -E -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd \
  -o PageSize=A4 -o pdftops-renderer-default=pdftocairo -o printer-error-policy=abort-job \
  || { kill "$pid"; exit 1; }
retry lpadmin -h "127.0.0.1:$port" -p PermitDeskCounter2 -D "柜台二号打印机" -E -v cups-pdf:/ \
  -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd -o PageSize=A4 -o pdftops-renderer-default=pdftocairo \
  -o printer-error-policy=abort-job || { kill "$pid"; exit 1; }
for queue in "PermitDeskJam permitfault:/jam 卡纸的打印机" "PermitDeskSlow permitfault:/slow 很慢的打印机"; do
  set -- $queue
  retry lpadmin -h "127.0.0.1:$port" -p "$1" -D "$3" -E -v "$2" -m raw -o printer-error-policy=abort-job \
    || { kill "$pid"; exit 1; }
done
retry lpadmin -h "127.0.0.1:$port" -d PermitDeskPDF || { kill "$pid"; exit 1; }
echo "$pid"
