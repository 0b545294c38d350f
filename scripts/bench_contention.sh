#!/usr/bin/env bash
# Training throughput (utterances/s of `antispoof bench`'s batch-32 training step) with and without one
# competing busy process (a `python3 -c 'while 1: pass'` loop started by this script), for intra-op
# threads = all cores and 1, and OMP_WAIT_POLICY active, passive and unset (the binary's own choice):
#   scripts/bench_contention.sh [--repeats R] [other antispoof bench args]
# Prints one row per setting: quiet and contended throughput and their ratio (1.0 = no loss; with one
# competitor on a 2-core machine, "in proportion to the cores lost" is about 0.5-0.67).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
cores=$(nproc)
run() {  # POLICY THREADS [bench args...] -> utt/s
  local policy=$1 threads=$2
  shift 2
  if [ "$policy" = unset ]; then
    env -u OMP_WAIT_POLICY "$BIN" bench --json --no-infer --no-cached --threads "$threads" "$@" 2>/dev/null
  else
    OMP_WAIT_POLICY=$policy "$BIN" bench --json --no-infer --no-cached --threads "$threads" "$@" 2>/dev/null
  fi | jq -r '.train_utt_per_s_b32 * 100 | round / 100'
}
competitor=""
stop() { [ -n "$competitor" ] && kill "$competitor" 2>/dev/null || true; }
trap stop EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-8s %10s %12s %7s\n' threads policy quiet contended ratio
for threads in "$cores" 1; do
  for policy in active passive unset; do
    quiet=$(run "$policy" "$threads" "$@")
    python3 -c 'while 1: pass' &
    competitor=$!
    contended=$(run "$policy" "$threads" "$@")
    kill "$competitor"
    wait "$competitor" 2>/dev/null || true
    competitor=""
    printf '%-8s %-8s %10s %12s %7s\n' "$threads" "$policy" "$quiet" "$contended" \
      "$(echo "$quiet $contended" | awk '{printf "%.2f", $2 / $1}')"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
