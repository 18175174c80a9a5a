#!/usr/bin/env bash
# Prints the directory holding the newest installed PostgreSQL server binaries.
set -euo pipefail
if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; exit 0; fi
dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
