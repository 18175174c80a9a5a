#!/usr/bin/env bash
# Installs the Debian packages Centralita needs to build, run and test, when they are missing.
# As root it installs them with apt-get; otherwise it says exactly what to install.
set -euo pipefail

packages=(pkg-config libpq-dev libssl-dev zlib1g-dev postgresql postgresql-contrib python3 python3-pip curl)
# The telephony conformance suite runs Asterisk at chosen instants with libfaketime.
if [ "${1:-}" = "--test" ]; then packages+=(faketime); fi
if [ "${1:-}" = "--bench" ]; then packages+=(wrk); fi
# The browser tests drive a real Chromium through chromedriver.
if [ "${1:-}" = "--test" ]; then packages+=(chromium chromium-driver); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Centralita needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "The Swift 6 toolchain is not on PATH; install it from swift.org and retry." >&2
  exit 1
fi
if [ -z "$(scripts/pg-bin.sh 2>/dev/null)" ]; then
  echo "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql." >&2
  exit 1
fi

# Python tools the tests use: aiosmtpd (the SMTP server email tests deliver to), selenium
# (with --test: it drives Chromium), schemathesis (with --test: it checks the served OpenAPI
# against the running portal) and the OpenAPI validator.
if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
  echo "Installing the Python package aiosmtpd"
  python3 -m pip install -q --disable-pip-version-check aiosmtpd 2>&1 | grep -v "Running pip as the 'root' user" || true
  python3 -c "import aiosmtpd" || { echo "aiosmtpd could not be installed" >&2; exit 1; }
fi
if [ "${1:-}" = "--test" ] && ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "Installing the Python package selenium"
  python3 -m pip install -q --disable-pip-version-check selenium 2>&1 | grep -v "Running pip as the 'root' user" || true
  python3 -c "import selenium" || { echo "selenium could not be installed" >&2; exit 1; }
fi
if [ "${1:-}" = "--test" ] && ! python3 -c "import schemathesis.cli" >/dev/null 2>&1; then
  echo "Installing the Python package schemathesis"
  python3 -m pip install -q --disable-pip-version-check schemathesis 2>&1 | grep -v "Running pip as the 'root' user" || true
  python3 -c "import schemathesis.cli" || { echo "schemathesis could not be installed" >&2; exit 1; }
fi
if ! python3 -c "import openapi_spec_validator" >/dev/null 2>&1; then
  echo "Installing the Python package openapi-spec-validator"
  python3 -m pip install -q --disable-pip-version-check openapi-spec-validator 2>&1 | grep -v "Running pip as the 'root' user" || true
  python3 -c "import openapi_spec_validator" || { echo "openapi-spec-validator could not be installed" >&2; exit 1; }
fi
