#!/usr/bin/env bash
# Make sure Debian's Chromium is installed (the browser tests drive /usr/bin/chromium with
# Playwright; `playwright install` downloads browsers and is never used here).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
echo "chromium missing: installing it with apt-get" >&2
sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
$sudo_cmd apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium
