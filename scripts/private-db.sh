#!/usr/bin/env bash
# The private PostgreSQL cluster of `make run`: data in .data/pg, a unix socket in .data/run,
# no TCP port. `start` initialises it on first use and prints its DATABASE_URL; `stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
home=$(pwd)
data="$home/.data/pg"
sock="$home/.data/run"
bin=$(scripts/pg-bin.sh)
url="postgresql://centralita@/centralita?host=$sock&port=5432"

as_db_user() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    mkdir -p "$home/.data"
    if [ "$(id -u)" = "0" ] && ! runuser -u postgres -- test -x "$home/.data"; then
      echo "PostgreSQL runs as the 'postgres' user, which cannot reach $home/.data." >&2
      echo "Clone the project somewhere it can reach (e.g. under /srv or /opt), or set DATABASE_URL." >&2
      exit 1
    fi
    if [ ! -s "$data/PG_VERSION" ]; then
      echo "Creating the private PostgreSQL cluster in .data/pg"
      mkdir -p "$data" "$sock"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$data" "$sock"
      chmod 700 "$data"
      as_db_user "$bin/initdb" -D "$data" -U centralita --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    mkdir -p "$sock"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$sock"
    if ! as_db_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_db_user "$bin/pg_ctl" -D "$data" -w -l "$data/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories='$sock' -p 5432" start >/dev/null
    fi
    as_db_user "$bin/psql" -h "$sock" -p 5432 -U centralita -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'centralita'" | grep -q 1 \
      || as_db_user "$bin/createdb" -h "$sock" -p 5432 -U centralita centralita
    echo "$url"
    ;;
  stop)
    if [ -s "$data/PG_VERSION" ] && as_db_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_db_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
