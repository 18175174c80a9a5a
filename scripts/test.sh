#!/usr/bin/env bash
# `make test`: builds once, then runs the suites in three `swift test` invocations — the
# database, portal and domain suites; the HTTP server's timing tests and the browser scenario
# (a real Chromium); the telephony conformance suite (private Asterisk instances in parallel)
# — so that timing-sensitive tests do not compete for the 2 cores with dozens of others, and
# ends with one line counting them all. The tests start their own throwaway PostgreSQL clusters,
# servers and Asterisk instances; nothing here touches .data/.
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_BIN=$(scripts/pg-bin.sh)
asterisk_prefix="${CENTRALITA_ASTERISK:-/opt/asterisk}"
have_asterisk=yes
if [ ! -x "$asterisk_prefix/sbin/asterisk" ] || [ ! -x "$asterisk_prefix/bin/sipp" ]; then
  have_asterisk=no
  cat >&2 <<MSG
################################################################################
# SKIPPED: the telephony conformance suite (AsteriskConformanceTests).
# No Asterisk 22 + SIPp under $asterisk_prefix (sbin/asterisk, bin/sipp).
# Install them with ../shared/asterisk/install.sh, or point CENTRALITA_ASTERISK at
# your own Asterisk 22 prefix (see README, "Testing against Asterisk").
################################################################################
MSG
fi
swift build --build-tests || exit 1

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# The second invocation holds what measures time or floods one resource on purpose: the HTTP
# server's deadlines, the sign-in throttle's bursts, the media agent answering while it decodes
# a 64 MiB upload, and the browser.
quiet="BrowserAppTests|HTTPServerTests|SignInThrottleTests|SignedUploadTests"
swift test --skip-build --skip AsteriskConformanceTests --skip BrowserAppTests --skip HTTPServerTests --skip SignInThrottleTests \
  --skip SignedUploadTests \
  2>&1 | tee "$logs/main.log"
main_rc=${PIPESTATUS[0]}
swift test --skip-build --filter "$quiet" 2>&1 | tee "$logs/browser.log"
browser_rc=${PIPESTATUS[0]}
swift test --skip-build --filter AsteriskConformanceTests 2>&1 | tee "$logs/telephony.log"
telephony_rc=${PIPESTATUS[0]}

# Swift Testing ends each run with "Test run with N tests in M suites passed|failed …"; a
# failed test has its own "✘ Test name() failed after" line.
total=0; failed=0
for log in "$logs/main.log" "$logs/browser.log" "$logs/telephony.log"; do
  n=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -E '^✘ Test .* failed after' "$log" | grep -vc 'Test run with' || true)
  total=$((total + ${n:-0})); failed=$((failed + ${f:-0}))
done
if [ "$have_asterisk" = no ]; then echo "telephony conformance suite: skipped (no Asterisk under $asterisk_prefix)"; fi
echo "Tests: $((total - failed)) passed, $failed failed"
if [ "$main_rc" -ne 0 ] || [ "$browser_rc" -ne 0 ] || [ "$telephony_rc" -ne 0 ]; then exit 1; fi
