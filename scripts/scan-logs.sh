#!/usr/bin/env bash
# Searches every file under a `logs` folder below DIR for personal data: any resident ID
# number (18 digits with a birth date in them), any mobile number, and the applicants'
# names the WebDriver tests use. Prints each file and what kind of thing it holds (never
# the value) and exits 1 when it found any; 0, with the count of files searched, when the
# logs are clean. Usage: scripts/scan-logs.sh DIR
set -euo pipefail
root=${1:?usage: scan-logs.sh DIR}
kinds=(
  "ID number:[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
  "mobile number:(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)"
  "applicant's name:张伟|陈静|孙丽|李娜|周敏|王建国|赵敏|陈晶"
)
leaked=0
searched=0
while IFS= read -r -d '' file; do
  searched=$((searched + 1))
  for kind in "${kinds[@]}"; do
    if grep -Eq "${kind#*:}" "$file"; then
      echo "  ✖ ${file#"$root"/}: holds an applicant's ${kind%%:*}" >&2
      leaked=1
    fi
  done
done < <(find "$root" -path '*/logs/*' -type f -print0 2>/dev/null)
if [ "$leaked" -ne 0 ]; then
  echo "✖ personal data found in the log files" >&2
  exit 1
fi
echo "  $searched log files searched: no ID number, mobile number or applicant's name"
