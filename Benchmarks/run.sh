#!/usr/bin/env bash
# HTTP benchmark: Centralita's release build against a Hummingbird 2 server doing the same
# small-JSON work, both driven by wrk on loopback (64 keep-alive connections, 10 s), plus a
# Centralita route that runs one query through the database pool (/readyz).
#
#   Benchmarks/run.sh            # or: make bench
#   DURATION=10s CONNECTIONS=64 THREADS=2 ROUNDS=2 Benchmarks/run.sh
#
# Prints requests/s, p50 and p99 latency and errors for every run, and writes the table to
# Benchmarks/results/latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
CENTRALITA_PORT=18080
HUMMINGBIRD_PORT=18090

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or make bench)" >&2; exit 1; }

echo "== building (release)"
swift build -c release --product centralita >/dev/null
(cd Benchmarks/HummingbirdServer && swift build -c release --scratch-path .build-release >/dev/null)
hb_bin=Benchmarks/HummingbirdServer/.build-release/release/HummingbirdServer

workdir=$(mktemp -d /tmp/centralita-bench-XXXXXX)
bin=$(scripts/pg-bin.sh)
as_db_user() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_db_user "$bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

echo "== throwaway PostgreSQL in $workdir"
mkdir -p "$workdir/run"
[ "$(id -u)" = "0" ] && chown -R postgres:postgres "$workdir"
as_db_user "$bin/initdb" -D "$workdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_db_user "$bin/pg_ctl" -D "$workdir/data" -w -l "$workdir/server.log" \
  -o "-c listen_addresses='' -c unix_socket_directories='$workdir/run' -p 5499" start >/dev/null
export DATABASE_URL="postgresql://postgres@/postgres?host=$workdir/run&port=5499"
.build/release/centralita migrate >/dev/null

.build/release/centralita serve --port $CENTRALITA_PORT >"$workdir/centralita.log" 2>&1 &
pids+=($!)
"$hb_bin" $HUMMINGBIRD_PORT >"$workdir/hummingbird.log" 2>&1 &
pids+=($!)
for port in $CENTRALITA_PORT $HUMMINGBIRD_PORT; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# wrk → "requests/s p50 p99 errors"
measure() {
  local url=$1 out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  local rps p50 p99 errors non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "$rps $p50 $p99 $(( ${errors:-0} + ${non2xx:-0} ))"
}

results=()
row() { printf '| %-40s | %12s | %8s | %8s | %6s |\n' "$@"; }
echo "== warming up"
wrk -t1 -c8 -d2s "http://127.0.0.1:$CENTRALITA_PORT/healthz" >/dev/null
wrk -t1 -c8 -d2s "http://127.0.0.1:$HUMMINGBIRD_PORT/healthz" >/dev/null
wrk -t1 -c8 -d2s "http://127.0.0.1:$CENTRALITA_PORT/readyz" >/dev/null

for round in $(seq 1 "$ROUNDS"); do
  for target in "Hummingbird 2 GET /healthz (small JSON)|http://127.0.0.1:$HUMMINGBIRD_PORT/healthz" \
                "Centralita GET /healthz (small JSON)|http://127.0.0.1:$CENTRALITA_PORT/healthz" \
                "Centralita GET /readyz (one pool query)|http://127.0.0.1:$CENTRALITA_PORT/readyz"; do
    name=${target%%|*}; url=${target##*|}
    read -r rps p50 p99 errs < <(measure "$url")
    results+=("$(row "$name (round $round)" "$rps" "$p50" "$p99" "$errs")")
    echo "${results[-1]}"
  done
done

mkdir -p Benchmarks/results
{
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  row "run" "requests/s" "p50" "p99" "errors"
  row "---" "---" "---" "---" "---"
  printf '%s\n' "${results[@]}"
} > Benchmarks/results/latest.md
echo
cat Benchmarks/results/latest.md
