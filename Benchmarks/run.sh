#!/usr/bin/env bash
# The tenant API against its own database and against Hummingbird, in one run (issue 15), and
# the mixed 64-connection load (issue 14). Everything runs on a fresh PostgreSQL cluster this
# script makes and fills itself, with the release builds, on loopback:
#
#   make bench                       # or Benchmarks/run.sh
#   DURATION=10s ROUNDS=5 MIXED_DURATION=60s Benchmarks/run.sh
#   ONLY=list Benchmarks/run.sh      # one part: list, latency, write, json, mixed
#   ONLY=hold Benchmarks/run.sh      # fill, then keep the server up for profiling by hand
#
# 1. `pgbench -S` and `pgbench -N` (8 clients) on the same cluster: the database's own speed.
# 2. GET /api/v1/tenants/{t}/extensions?limit=20 with an admin API key and with a session
#    cookie, 32 and 64 connections → ratio to pgbench -S (target ≥ 0.5).
# 3. One connection: that list against /readyz (one pool query) → latency ratio (target ≤ 2).
# 4. PATCH an extension (audit, revision, outbox), 32 connections → ratio to pgbench -N (≥ 0.3):
#    one extension (every request waits for the same row locks), and spread over all 250
#    extensions of the 10 tenants, as pgbench -N spreads its updates over its accounts.
# 5. GET /healthz against Hummingbird 2's same small JSON, alternating rounds with wrk -t1 and
#    -t2 → median ratio (target ≥ 1.3).
# 6. 64 connections, MIXED_DURATION, lists/reads/writes/simulations over 10 tenants: errors,
#    p50/p99.
# 7. Peak RSS of `centralita serve` (VmHWM) under all of it (target ≤ 40 MB), and apart the
#    peak of the filling, whose sign-ins hash passwords with scrypt.
# The table goes to Benchmarks/results/latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
JSON_DURATION=${JSON_DURATION:-5s}
MIXED_DURATION=${MIXED_DURATION:-60s}
ONLY=${ONLY:-all}
PORT=18080
ALT_PORT=18081
HB_PORT=18090

command -v wrk >/dev/null || { echo "wrk is missing: make bench installs it" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing: make bench installs it" >&2; exit 1; }

echo "== building (release)"
# As shipped (Dockerfile, make build): the Swift runtime linked in. CENTRALITA_BIN measures
# another build instead.
if [ -z "${CENTRALITA_BIN:-}" ]; then swift build -c release --static-swift-stdlib --product centralita >/dev/null; fi
if [ "$ONLY" = all ] || [ "$ONLY" = json ]; then
  (cd Benchmarks/HummingbirdServer && swift build -c release --scratch-path .build-release >/dev/null)
fi
hb_bin=Benchmarks/HummingbirdServer/.build-release/release/HummingbirdServer
bin=${CENTRALITA_BIN:-.build/release/centralita}

workdir=$(mktemp -d /tmp/centralita-bench-XXXXXX)
chmod 755 "$workdir"
pg=$(scripts/pg-bin.sh)
as_db_user() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_db_user "$pg/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

echo "== fresh PostgreSQL in $workdir (as make run starts it)"
mkdir -p "$workdir/run"
[ "$(id -u)" = "0" ] && chown -R postgres:postgres "$workdir"
as_db_user "$pg/initdb" -D "$workdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_db_user "$pg/pg_ctl" -D "$workdir/data" -w -l "$workdir/server.log" \
  -o "-c listen_addresses='' -c unix_socket_directories='$workdir/run' -p 5499" start >/dev/null
export DATABASE_URL="postgresql://postgres@/postgres?host=$workdir/run&port=5499"
"$bin" migrate >/dev/null
as_db_user "$pg/createdb" -h "$workdir/run" -p 5499 -U postgres pgbench
as_db_user "$pg/pgbench" -h "$workdir/run" -p 5499 -U postgres -i -q pgbench >/dev/null 2>&1

"$bin" serve --port $PORT >"$workdir/centralita.log" 2>&1 &
serve_pid=$!
pids+=($serve_pid)
if [ -x "$hb_bin" ]; then "$hb_bin" $HB_PORT >"$workdir/hummingbird.log" 2>&1 & pids+=($!); fi
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

echo "== filling: 10 tenants, 25 extensions each, API keys and sessions"
eval "$(python3 Benchmarks/seed.py "$bin" "http://127.0.0.1:$PORT" 10 25 "$workdir")"
export BENCH_DIR=$workdir TENANT API_KEY EXTENSION
# The extensions numbered for pgbench's replay of a PATCH (Benchmarks/patch-replay.sql).
as_db_user "$pg/psql" -h "$workdir/run" -p 5499 -U postgres -d postgres -qAt -c "
  CREATE TABLE bench_ext AS SELECT row_number() OVER (ORDER BY e.tenant_id, e.number) AS n, e.tenant_id AS t, e.id AS e,
    (SELECT k.id FROM api_keys k WHERE k.tenant_id = e.tenant_id LIMIT 1) AS k FROM extensions e;
  GRANT SELECT ON bench_ext TO centralita_app;" >/dev/null
cp Benchmarks/patch-replay.sql "$workdir/patch-replay.sql" && chmod 644 "$workdir/patch-replay.sql"
# The filling signs 10 admins in (scrypt: 32 MiB per hash, two at once); what the load itself
# needs is measured from here on (writing 5 to clear_refs resets VmHWM).
filling_peak=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$serve_pid/status")
echo 5 > "/proc/$serve_pid/clear_refs" 2>/dev/null || true
list="http://127.0.0.1:$PORT/api/v1/tenants/$TENANT/extensions?limit=20"

# wrk → "requests/s p50 p99 mean errors" (latencies in µs)
measure() {
  local out
  out=$(wrk --latency "$@")
  echo "$out" >>"$workdir/wrk.log"
  awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "Latency" && mean == "" { mean = us($2) }
    $1 == "50%" { p50 = us($2) }
    $1 == "99%" { p99 = us($2) }
    /Socket errors/ { gsub(",", ""); errs += $4 + $6 + $8 + $10 }
    /Non-2xx/ { errs += $5 }
    END { printf "%s %d %d %d %d\n", rps, p50, p99, mean, errs + 0 }' <<<"$out"
}
pgbench_tps() { as_db_user "$pg/pgbench" -h "$workdir/run" -p 5499 -U postgres -j 2 -T "${DURATION%s}" "$@" pgbench 2>/dev/null | awk '/^tps/ {print $3; exit}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

rows=()
row() { rows+=("$(printf '| %-58s | %10s | %8s | %8s | %6s | %-22s |' "$@")"); echo "${rows[-1]}"; }
wants() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ]; }
peak_so_far() { echo "   peak RSS so far: $(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$serve_pid/status") MB"; }

if [ "$ONLY" = hold ]; then
  # For profiling by hand: the filled server stays up until Ctrl-C.
  echo "holding: serve pid $serve_pid; export BENCH_DIR=$workdir TENANT=$TENANT API_KEY=$API_KEY EXTENSION=$EXTENSION"
  echo "  list=$list"
  wait "$serve_pid"
fi

echo "== warming up"
wrk -t2 -c16 -d3s -H "Authorization: Bearer $API_KEY" "$list" >/dev/null
wrk -t1 -c8 -d2s "http://127.0.0.1:$PORT/healthz" >/dev/null

if wants list; then
  select_tps=$(pgbench_tps -S -c 8)
  row "pgbench -S -c8 -j2" "$select_tps" "" "" "" "the database's reads"
  for c in 32 64; do
    read -r rps p50 p99 _ errs < <(measure -t2 -c$c -d"$DURATION" -H "Authorization: Bearer $API_KEY" "$list")
    row "extensions?limit=20, API key, $c connections" "$rps" "$p50" "$p99" "$errs" "$(ratio "$rps" "$select_tps")× pgbench -S"
    read -r rps p50 p99 _ errs < <(measure -t2 -c$c -d"$DURATION" -H "Cookie: $COOKIE" "$list")
    row "extensions?limit=20, session cookie, $c connections" "$rps" "$p50" "$p99" "$errs" "$(ratio "$rps" "$select_tps")× pgbench -S"
  done
  # What the list cache saves, on a second portal over the same database: every read checking
  # the tenant's revision (--list-cache-verify), and no cache (every read runs the list).
  for mode in verify off; do
    if [ $mode = verify ]; then flags=(--list-cache-verify); label="list cache checking the revision"; else flags=(--list-cache-bytes 0); label="list cache off"; fi
    "$bin" serve --port $ALT_PORT "${flags[@]}" >"$workdir/centralita-$mode.log" 2>&1 &
    alt_pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ALT_PORT/readyz" >/dev/null && break; sleep 0.1; done
    alt_list="http://127.0.0.1:$ALT_PORT/api/v1/tenants/$TENANT/extensions?limit=20"
    wrk -t2 -c16 -d2s -H "Authorization: Bearer $API_KEY" "$alt_list" >/dev/null
    read -r rps p50 p99 _ errs < <(measure -t2 -c32 -d"$DURATION" -H "Authorization: Bearer $API_KEY" "$alt_list")
    row "extensions?limit=20, API key, 32 connections, $label" "$rps" "$p50" "$p99" "$errs" "$(ratio "$rps" "$select_tps")× pgbench -S"
    kill "$alt_pid"; wait "$alt_pid" 2>/dev/null || true
  done
fi
peak_so_far

if wants latency; then
  read -r _ ready50 _ ready_mean _ < <(measure -t1 -c1 -d"$DURATION" "http://127.0.0.1:$PORT/readyz")
  read -r _ list50 _ list_mean _ < <(measure -t1 -c1 -d"$DURATION" -H "Authorization: Bearer $API_KEY" "$list")
  row "/readyz, one connection (mean µs)" "" "$ready50" "" "" "mean $ready_mean µs"
  row "extensions?limit=20, one connection (mean µs)" "" "$list50" "" "" "$(ratio "$list_mean" "$ready_mean")× /readyz (mean)"
fi
peak_so_far

if wants write; then
  write_tps=$(pgbench_tps -N -c 8)
  row "pgbench -N -c8 -j2" "$write_tps" "" "" "" "the database's writes"
  read -r rps p50 p99 _ errs < <(measure -t2 -c32 -d"$DURATION" -s Benchmarks/wrk/patch.lua "http://127.0.0.1:$PORT")
  row "PATCH one extension (one hot row), API key, 32 connections" "$rps" "$p50" "$p99" "$errs" "$(ratio "$rps" "$write_tps")× pgbench -N"
  read -r rps p50 p99 _ errs < <(measure -t2 -c32 -d"$DURATION" -s Benchmarks/wrk/patch-spread.lua "http://127.0.0.1:$PORT")
  row "PATCH 250 extensions of 10 tenants, API keys, 32 connections" "$rps" "$p50" "$p99" "$errs" "$(ratio "$rps" "$write_tps")× pgbench -N"
  # The database's own ceiling for that very write: its statements (scope, row lock, update,
  # audit row, commit, notification) replayed by pgbench as the portal's role, 10 clients at
  # random over the same 250 extensions.
  replay_tps=$(as_db_user "$pg/pgbench" -h "$workdir/run" -p 5499 -U postgres -n -M prepared -j 2 -c 10 -T "${DURATION%s}" \
    -f "$workdir/patch-replay.sql" postgres 2>/dev/null | awk '/^tps/ {print $3; exit}' || true)
  row "the PATCH's statements replayed by pgbench, 10 clients" "$replay_tps" "" "" "" "$(ratio "$replay_tps" "$write_tps")× pgbench -N"
  row "PATCH spread (above) against its replay" "" "" "" "" "$(ratio "$rps" "$replay_tps")× the replay"
fi
peak_so_far

if wants json && [ -x "$hb_bin" ]; then
  for t in 1 2; do
    ratios=()
    for round in $(seq 1 "$ROUNDS"); do
      read -r hb _ _ _ _ < <(measure -t$t -c64 -d"$JSON_DURATION" "http://127.0.0.1:$HB_PORT/healthz")
      read -r ours _ _ _ errs < <(measure -t$t -c64 -d"$JSON_DURATION" "http://127.0.0.1:$PORT/healthz")
      ratios+=("$(ratio "$ours" "$hb")")
      echo "   round $round, wrk -t$t: Centralita $ours, Hummingbird $hb requests/s"
    done
    row "GET /healthz vs Hummingbird 2 /healthz, wrk -t$t -c64" "" "" "" "" "median $(median "${ratios[@]}")× ($ROUNDS rounds)"
  done
fi
peak_so_far

if wants mixed; then
  read -r rps p50 p99 _ errs < <(measure -t2 -c64 -d"$MIXED_DURATION" -s Benchmarks/wrk/mixed.lua "http://127.0.0.1:$PORT")
  row "mixed load, 10 tenants, 64 connections, $MIXED_DURATION" "$rps" "$p50" "$p99" "$errs" "lists/reads/PATCH/simulate"
fi
peak_so_far

rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$serve_pid/status")
row "peak RSS of centralita serve under the load (VmHWM)" "" "" "" "" "$rss MB"
row "peak RSS while filling (sign-ins hash with scrypt)" "" "" "" "" "$filling_peak MB"

mkdir -p Benchmarks/results
{
  echo "Benchmarks/run.sh (DURATION=$DURATION ROUNDS=$ROUNDS MIXED_DURATION=$MIXED_DURATION), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); latencies in µs"
  echo
  printf '| %-58s | %10s | %8s | %8s | %6s | %-22s |\n' "run" "requests/s" "p50" "p99" "errors" "ratio"
  printf '| %-58s | %10s | %8s | %8s | %6s | %-22s |\n' "---" "---" "---" "---" "---" "---"
  printf '%s\n' "${rows[@]}"
} > Benchmarks/results/latest.md
echo
cat Benchmarks/results/latest.md
