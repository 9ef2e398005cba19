#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# Installs chromium and a CJK font from Debian's packages when they are missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "browser tests need: ${need[*]} (run as root: apt-get install -y ${need[*]})" >&2
  exit 0
fi
echo "installing ${need[*]} for the browser tests …"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
