#!/usr/bin/env bash
# Data-parallel scaling on this machine (docs/distributed.md): one epoch of `train` with 1 rank x T
# threads, then N ranks x T/N threads (antispoof launch), alternated REPEATS times; prints each run's
# training rate (utterances/s, the epoch's training part, from the progress line), the epoch's
# seconds (training + sharded dev scoring) and the speed-up.
# Usage: scripts/bench_distributed.sh DATA_ROOT [N=2] [THREADS=2] [REPEATS=2] [extra train args...]
# ANTISPOOF_BIN picks the binary (default build/apps/antispoof); the config defaults to
# conf/rawnet2.yaml with 256 training utterances (8 steps of 32): --config/--set in the extra args.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
DATA=${1:?usage: scripts/bench_distributed.sh DATA_ROOT [N] [THREADS] [REPEATS] [train args...]}
N=${2:-2}
THREADS=${3:-2}
REPEATS=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export OMP_WAIT_POLICY=passive
ARGS=(train --config conf/rawnet2.yaml --data-root "$DATA" --epochs 1 --set max_train_items=256 "$@")

# Training utterances per second of all ranks: the last progress line of the epoch, times ranks.
rate() { grep -a "epoch 1/1: 100%" "$1" | tail -1 | sed -E 's/.*\| ([0-9.]+) utt\/s.*/\1/'; }
seconds() { tail -1 "$1/epochs.csv" | awk -F, '{print $NF}'; }

for i in $(seq 1 "$REPEATS"); do
  "$BIN" --quiet "${ARGS[@]}" --out "$OUT/one_$i" --threads "$THREADS" >/dev/null 2>"$OUT/one_$i.err"
  one_rate=$(rate "$OUT/one_$i.err")
  "$BIN" launch -n "$N" -- "${ARGS[@]}" --out "$OUT/dist_$i" --threads $(( THREADS / N > 0 ? THREADS / N : 1 )) \
    >/dev/null 2>"$OUT/dist_$i.err"
  dist_rate=$(grep -a "^\[rank 0\]" "$OUT/dist_$i.err" > "$OUT/dist_$i.r0"; rate "$OUT/dist_$i.r0")
  awk -v i="$i" -v n="$N" -v t="$THREADS" -v r1="$one_rate" -v rn="$dist_rate" -v s1="$(seconds "$OUT/one_$i")" \
      -v sn="$(seconds "$OUT/dist_$i")" 'BEGIN {
    printf "repeat %d: 1 rank x %d threads: %.2f utt/s (epoch %.1f s) | %d ranks x %d threads: %.2f utt/s (epoch %.1f s) | speed-up %.2fx (epoch %.2fx)\n",
      i, t, r1, s1, n, (t / n > 0 ? int(t / n) : 1), rn * n, sn, rn * n / r1, s1 / sn }'
done
uptime
