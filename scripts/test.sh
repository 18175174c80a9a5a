#!/usr/bin/env bash
# `make test`: builds once, then runs every suite in one `swift test` invocation. The tests
# start their own throwaway PostgreSQL clusters and servers; nothing here touches .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_BIN=$(scripts/pg-bin.sh)
swift build --build-tests
exec swift test --skip-build
