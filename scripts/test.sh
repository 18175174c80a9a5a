#!/usr/bin/env bash
# `make test`: builds once, then runs every suite in one `swift test` invocation. The tests
# start their own throwaway PostgreSQL clusters, servers and Asterisk instances; nothing here
# touches .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_BIN=$(scripts/pg-bin.sh)
asterisk_prefix="${CENTRALITA_ASTERISK:-/opt/asterisk}"
if [ ! -x "$asterisk_prefix/sbin/asterisk" ] || [ ! -x "$asterisk_prefix/bin/sipp" ]; then
  cat >&2 <<MSG
################################################################################
# SKIPPED: the telephony conformance suite (AsteriskConformanceTests).
# No Asterisk 22 + SIPp under $asterisk_prefix (sbin/asterisk, bin/sipp).
# Install them with ../shared/asterisk/install.sh, or point CENTRALITA_ASTERISK at
# your own Asterisk 22 prefix (see README, "Testing against Asterisk").
################################################################################
MSG
fi
swift build --build-tests
exec swift test --skip-build
