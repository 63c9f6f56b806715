#!/usr/bin/env bash
# The confirmation slip two ways, in one run on this machine:
#   1. our renderer (crates/print, release build): the 张伟 slip of the tests;
#   2. what offices do today: fill an equivalent ODT template (same title, the same twelve
#      holder fields, case number, office, clerk, stamp box, footer; no QR code, which a
#      word-processor template does not make) and `libreoffice --headless --convert-to pdf`.
# Prints a Markdown table (ms and file size); the PDFs stay in $OUT for a person to compare.
#
# Installs libreoffice-writer-nogui (≈ 300 MB) with apt only when it is missing; needs root or
# sudo for that. Usage: scripts/bench-print-vs-libreoffice.sh [RUNS]   (default 5 LibreOffice
# conversions; our renderer does 30 renders).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
OUT=${OUT:-${CARGO_TARGET_DIR:-target}/tmp/print-vs-libreoffice}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if ! command -v soffice >/dev/null 2>&1; then
  echo "==> installing libreoffice-writer-nogui (once; large)" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    libreoffice-writer-nogui >&2
fi
command -v python3 >/dev/null || { echo "python3 is needed to fill the ODT template" >&2; exit 2; }

now_ms() { date +%s%3N; }

# --- 1. our renderer --------------------------------------------------------------------
echo "==> building and running the renderer (release)" >&2
cargo build --release -q -p print --example slip_vs_libreoffice >&2
BIN=${CARGO_TARGET_DIR:-target}/release/examples/slip_vs_libreoffice
ours=$("$BIN" "$OUT/ours-slip.pdf" 30)
ours_proc_start=$(now_ms)
"$BIN" "$OUT/ours-slip-again.pdf" 1 >/dev/null
ours_proc_ms=$(( $(now_ms) - ours_proc_start ))
get() { sed -n "s/^$1=//p" <<<"$ours"; }

# --- 2. an ODT template, filled and converted -------------------------------------------
# The template is generated here (an ODT is a zip: mimetype stored first, manifest, content,
# styles), with {{PLACEHOLDERS}} the way an office's Writer template has fields to fill.
python3 - "$OUT/slip-template.odt" <<'PY'
import sys, zipfile
template = sys.argv[1]
font = "Noto Sans CJK SC"
rows = [("案件编号", "{{CASE}}", "打印日期", "{{PRINTED}}"),
        ("姓名", "{{NAME}}", None, None),
        ("性别", "{{GENDER}}", "民族", "{{ETHNIC}}"),
        ("出生日期", "{{BIRTH}}", "公民身份号码", "{{ID}}"),
        ("户籍地址", "{{HOUSEHOLD}}", None, None),
        ("居住地址", "{{RESIDENCE}}", None, None),
        ("居住证编号", "{{PERMIT}}", "签发机关", "{{AUTHORITY}}"),
        ("签发日期", "{{ISSUED}}", "有效期至", "{{VALID}}"),
        ("下次签注", "{{ENDORSE}}", None, None),
        ("办理单位", "{{OFFICE}}", "联系电话", "{{PHONE}}"),
        ("单位地址", "{{OFFICE_ADDRESS}}", None, None),
        ("经办人", "{{CLERK}}", None, None)]
def cell(text, style="Value", span=1):
    attr = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    return f'<table:table-cell table:style-name="Cell"{attr} office:value-type="string"><text:p text:style-name="{style}">{text}</text:p></table:table-cell>'
body = []
for label, value, label2, value2 in rows:
    if label2 is None:
        body.append("<table:table-row>" + cell(label, "Label") + cell(value, span=3) + "<table:covered-table-cell/><table:covered-table-cell/></table:table-row>")
    else:
        body.append("<table:table-row>" + cell(label, "Label") + cell(value) + cell(label2, "Label") + cell(value2) + "</table:table-row>")
ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'office:version="1.3"')
content = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {ns}>
<office:font-face-decls><style:font-face style:name="{font}" svg:font-family="'{font}'"/></office:font-face-decls>
<office:automatic-styles>
 <style:style style:name="Table" style:family="table"><style:table-properties style:width="17cm" table:align="center"/></style:style>
 <style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000" fo:padding="0.12cm"/></style:style>
 <style:style style:name="Stamp" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000" fo:padding="0.2cm" style:vertical-align="bottom"/></style:style>
 <style:style style:name="StampRow" style:family="table-row"><style:table-row-properties style:min-row-height="4.5cm"/></style:style>
</office:automatic-styles>
<office:body><office:text>
<text:p text:style-name="Title">浙江省居住证确认单</text:p>
<table:table table:name="Slip" table:style-name="Table">
<table:table-column table:number-columns-repeated="4"/>
{"".join(body)}
<table:table-row table:style-name="StampRow"><table:table-cell table:style-name="Stamp" table:number-columns-spanned="4" office:value-type="string"><text:p text:style-name="Label">户口专用章</text:p><text:p text:style-name="Right">年　　月　　日</text:p></table:table-cell><table:covered-table-cell/><table:covered-table-cell/><table:covered-table-cell/></table:table-row>
</table:table>
<text:p text:style-name="Note">本确认单加盖户口专用章后有效。</text:p>
</office:text></office:body></office:document-content>'''
styles = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {ns}>
<office:font-face-decls><style:font-face style:name="{font}" svg:font-family="'{font}'"/></office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph"><style:text-properties style:font-name="{font}" style:font-name-asian="{font}" fo:font-size="11pt" style:font-size-asian="11pt" fo:language="zh" fo:country="CN"/></style:default-style>
 <style:style style:name="Standard" style:family="paragraph"/>
 <style:style style:name="Title" style:family="paragraph"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.5cm"/><style:text-properties fo:font-size="20pt" style:font-size-asian="20pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
 <style:style style:name="Label" style:family="paragraph"><style:text-properties fo:color="#333333"/></style:style>
 <style:style style:name="Value" style:family="paragraph"/>
 <style:style style:name="Right" style:family="paragraph"><style:paragraph-properties fo:text-align="end"/></style:style>
 <style:style style:name="Note" style:family="paragraph"><style:paragraph-properties fo:margin-top="0.4cm"/><style:text-properties fo:font-size="9pt" style:font-size-asian="9pt"/></style:style>
</office:styles>
<office:automatic-styles><style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin="2cm"/></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="A4"/></office:master-styles>
</office:document-styles>'''
manifest = '''<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>'''
with zipfile.ZipFile(template, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
    z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("styles.xml", styles, compress_type=zipfile.ZIP_DEFLATED)
PY

# Filling: the same values our slip prints, XML-escaped, into a copy of the template.
fill() {
  python3 - "$OUT/slip-template.odt" "$1" <<'PY'
import sys, zipfile
from xml.sax.saxutils import escape
values = {"CASE": "JD-2025-000123", "PRINTED": "2025年3月12日", "NAME": "张伟", "GENDER": "男",
          "ETHNIC": "汉族", "BIRTH": "1990年3月7日", "ID": "341203********1219",
          "HOUSEHOLD": "安徽省阜阳市颍东区向阳路街道幸福村12号",
          "RESIDENCE": "浙江省杭州市建德市新安江街道江滨中路88号3幢2单元501室",
          "PERMIT": "330182202503120123", "AUTHORITY": "海盐县公安局", "ISSUED": "2025年3月12日",
          "VALID": "长期（逐年签注）", "ENDORSE": "2026年2月12日 至 2026年3月11日",
          "OFFICE": "海盐县武原街道便民服务中心", "PHONE": "0573-86000000",
          "OFFICE_ADDRESS": "浙江省嘉兴市海盐县武原街道向阳路100号", "CLERK": "李建国"}
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "content.xml":
            text = data.decode()
            for key, value in values.items():
                text = text.replace("{{" + key + "}}", escape(value))
            data = text.encode()
        zout.writestr(item, data)
PY
}

PROFILE="$OUT/lo-profile"
rm -rf "$PROFILE"
convert() {
  soffice -env:UserInstallation="file://$PROFILE" --headless --norestore \
    --convert-to pdf --outdir "$OUT" "$1" >/dev/null 2>&1
}

echo "==> LibreOffice: first run (creates its user profile)" >&2
start=$(now_ms); fill "$OUT/lo-slip-0.odt"; convert "$OUT/lo-slip-0.odt"; lo_first=$(( $(now_ms) - start ))
[ -s "$OUT/lo-slip-0.pdf" ] || { echo "LibreOffice wrote no PDF" >&2; exit 1; }

echo "==> LibreOffice: $RUNS fill + convert runs" >&2
lo_times=(); fill_times=()
for i in $(seq 1 "$RUNS"); do
  start=$(now_ms); fill "$OUT/lo-slip-$i.odt"; filled=$(now_ms)
  convert "$OUT/lo-slip-$i.odt"; done_at=$(now_ms)
  fill_times+=( $(( filled - start )) ); lo_times+=( $(( done_at - start )) )
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -n | tail -1; }
lo_median=$(median "${lo_times[@]}"); lo_max=$(max "${lo_times[@]}"); fill_median=$(median "${fill_times[@]}")
lo_bytes=$(stat -c %s "$OUT/lo-slip-1.pdf")
lo_text=$(pdftotext "$OUT/lo-slip-1.pdf" - 2>/dev/null | tr -d ' \n' || true)
grep -q "张伟" <<<"$lo_text" || echo "warning: the LibreOffice PDF does not contain the name" >&2

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
cat <<EOF

Slip 《浙江省居住证确认单》, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), $(soffice --version 2>/dev/null | head -1)

| way | time per slip | slowest | file size | pages |
|---|---|---|---|---|
| permit-desk renderer, running app (font parsed once; median of $(get runs)) | $(get render_median_ms) ms | $(get render_max_ms) ms | $(kb "$(get bytes)") | $(get pages) |
| permit-desk renderer, fresh process (start, parse font, render, write) | ${ours_proc_ms} ms (in-process $(get cold_process_ms) ms) | | $(kb "$(get bytes)") | $(get pages) |
| ODT template filled (python zip) + \`soffice --headless --convert-to pdf\` (median of $RUNS) | ${lo_median} ms (fill ${fill_median} ms) | ${lo_max} ms | $(kb "$lo_bytes") | $(pdfinfo "$OUT/lo-slip-1.pdf" | sed -n 's/^Pages: *//p') |
| the same, first LibreOffice run (creates its profile) | ${lo_first} ms | | | |

PDFs: $OUT/ours-slip.pdf and $OUT/lo-slip-1.pdf
EOF
pdffonts "$OUT/lo-slip-1.pdf" >&2 || true
