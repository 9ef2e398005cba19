#!/usr/bin/env bash
# The dated suites move the process clock with libfaketime (Debian package `faketime`).
# Installs it when it is missing; without root it says what to install and fails.
set -euo pipefail
command -v faketime >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the dated test suites need faketime (as root: apt-get install -y faketime)" >&2
  exit 1
fi
echo "installing faketime for the dated test suites …"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq faketime >/dev/null
