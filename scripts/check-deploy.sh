#!/usr/bin/env bash
# `manage.py check --deploy` with the production profile must be clean (no warnings); it also
# holds the Content-Security-Policy and Cache-Control: no-store (shegong.core.headers, E030).
# SHEGONG_PYTHON picks another interpreter (default .venv/bin/python).
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SHEGONG_PRODUCTION=true SHEGONG_DATA_DIR="$tmp" SECRET_KEY="$(head -c 48 /dev/urandom | base64)"
export ALLOWED_HOSTS=shegong.example.gov.cn DJANGO_SETTINGS_MODULE=shegong.conf.settings
export SHEGONG_SMS_BACKEND=log  # production refuses to start without a gateway chosen
out=$("${SHEGONG_PYTHON:-.venv/bin/python}" manage.py check --deploy --fail-level WARNING 2>&1) || { echo "$out"; exit 1; }
echo "$out"
