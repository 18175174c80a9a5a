#!/usr/bin/env bash
# `make fuzz`: builds the two libFuzzer targets (FuzzHTTPParser: the HTTP request parser and the
# request helpers; FuzzJSONRequests: every JSON request body of the API and the portal's header
# readers) with -sanitize=fuzzer in their own scratch directory (.build-fuzz, so the ordinary
# build is untouched), runs each for FUZZ_SECONDS (default 120) or FUZZ_RUNS inputs, merges
# what found new coverage back into Tests/FuzzCorpora/<target> (a set-cover merge: the corpus
# stays small, and `make test` replays it), and prints inputs tried, exec/s, coverage and
# crashes. A crash, timeout or out-of-memory input is left in Tests/FuzzCorpora/crashes/<target>
# (replayed by `make test` too, so it fails until fixed) and the script exits non-zero.
#   FUZZ_TARGETS="http json" chooses the targets.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-120}
runs=${FUZZ_RUNS:-}
targets=${FUZZ_TARGETS:-http json}
scratch=.build-fuzz
flags=(-c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING
       # SwiftPM links with gold, which fails on libFuzzer's objects; lld links them.
       -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)

product() { case $1 in http) echo FuzzHTTPParser ;; json) echo FuzzJSONRequests ;; *) echo "unknown target $1" >&2; exit 2 ;; esac; }
max_len() { case $1 in http) echo 1024 ;; json) echo 768 ;; esac; }

for t in $targets; do
  swift build "${flags[@]}" --product "$(product "$t")" || exit 1
done

status=0
summary=()
for t in $targets; do
  bin="$scratch/release/$(product "$t")"
  corpus="Tests/FuzzCorpora/$t"
  crashes="Tests/FuzzCorpora/crashes/$t"
  work="$scratch/corpus/$t"
  log="$scratch/logs/$t.log"
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  cp -n "$corpus"/* "$work"/ 2>/dev/null
  if [ -n "$runs" ]; then limit=(-runs="$runs"); else limit=(-max_total_time="$seconds"); fi
  before=$(ls "$crashes" | wc -l)
  echo "fuzzing $t (${limit[0]#-}); log in $log"
  "$bin" "${limit[@]}" -max_len="$(max_len "$t")" -timeout=10 -dict="scripts/fuzz/$t.dict" -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$work" >"$log" 2>&1
  rc=$?
  after=$(ls "$crashes" | wc -l)

  # Merge: the named seeds stay; of everything else only what adds coverage is kept.
  merged=$(mktemp -d)
  cp "$corpus"/seed-* "$merged"/ 2>/dev/null
  "$bin" -set_cover_merge=1 -max_len="$(max_len "$t")" "$merged" "$corpus" "$work" >"$log.merge" 2>&1 \
    && { find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' -delete; cp -n "$merged"/* "$corpus"/; }
  rm -rf "$merged"

  inputs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
  rate=$(grep -h 'stat::average_exec_per_sec' "$log" | awk '{s += $2} END {print s + 0}')
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  summary+=("$t: $inputs inputs, $rate exec/s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files, $((after - before)) new crash(es)")
  if [ "$rc" -ne 0 ] || [ "$after" -ne "$before" ]; then
    status=1
    echo "$t: libFuzzer exited with $rc; reproducers in $crashes (replay: $bin <file>)" >&2
    grep -E 'ERROR|Fatal error|broken invariant|SUMMARY' "$log" | head -5 >&2
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
