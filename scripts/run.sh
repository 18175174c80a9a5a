#!/usr/bin/env bash
# `make run`: private database (unless DATABASE_URL is set), migrations, then the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/centralita

started_db=""
cleanup() {
  if [ -n "${serve_pid:-}" ] && kill -0 "$serve_pid" 2>/dev/null; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [ -n "$started_db" ]; then scripts/private-db.sh stop || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/private-db.sh start | tail -n 1)
  started_db=1
fi
export DATABASE_URL

"$bin" migrate
host=${CENTRALITA_HOST:-127.0.0.1}
port=${CENTRALITA_PORT:-8080}
cat <<MSG

  Centralita is starting.
    URL:           http://$host:$port
    DATABASE_URL:  $DATABASE_URL
  Press Ctrl-C to stop (the private database stops with it).

MSG
"$bin" serve &
serve_pid=$!
wait "$serve_pid"
