#!/usr/bin/env bash
# Does a reduced precision change what a trained RawNet2 decides, and what does it buy? Trains the
# demo's RawNet2 recipe (conf/experiments/demo.yaml's keys, one seed) in fp32 on a corpus in the
# ASVspoof layout (`antispoof corpus`), scores its eval split in fp32 and in each --precision, and
# compares each with fp32 by `antispoof metrics --bootstrap 1000 --compare` (the fp32 EER's 95 %
# trial-bootstrap interval and the paired interval of the difference). Then `antispoof bench` times
# the full 2021 LA model (conf/rawnet2.yaml, 4-s inputs) at batch 1 and 32 in fp32 and in each
# precision, alternating, --rounds times (fresh processes; medians). Prints both on stdout; logs on stderr.
#
# Usage: scripts/measure_precision.sh [--corpus data/corpus] [--out out/precision_check] [--seed 1]
#          [--precision int8]... [--rounds 3]
# ANTISPOOF_BIN picks the binary (default build/apps/antispoof). Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
corpus=data/corpus out=out/precision_check seed=1 rounds=3 precisions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --precision) precisions+=("$2"); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "measure_precision: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ ${#precisions[@]} -gt 0 ] || precisions=(int8)
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "measure_precision: --rounds '$rounds': expected a positive integer" >&2; exit 2; }
[ -d "$corpus" ] || { echo "measure_precision: --corpus '$corpus': no such folder (antispoof corpus --out $corpus)" >&2; exit 2; }
mkdir -p "$out"
run="$out/run_seed$seed"
if [ ! -f "$run/best.pth" ]; then
  "$BIN" train -c conf/rawnet2.yaml --data-root "$corpus" -o "$run" --seed "$seed" --epochs 7 --batch-size 16 \
    --lr 0.0005 --set model.nb_samp=32000 --set lr_schedule=cosine --set warmup_steps=40 \
    --set cache_front_end=true --set model.first_conv=32 >&2
fi
for p in fp32 "${precisions[@]}"; do
  "$BIN" eval --run "$run" --split eval --precision "$p" --json > "$out/metrics_$p.json"
  cp "$run/scores_eval.txt" "$out/scores_$p.txt"
done
echo "## EER on $corpus's eval (seed $seed), fp32 against each precision"
for p in "${precisions[@]}"; do
  "$BIN" metrics --scores "$out/scores_fp32.txt" --bootstrap 1000 --compare "$out/scores_$p.txt" | tail -2
  paste "$out/scores_fp32.txt" "$out/scores_$p.txt" |
    awk -v p="$p" '{d = $4 - $8; d = d < 0 ? -d : d; if (d > m) m = d; s += d} END {printf "%s: scores differ from fp32 by at most %.4g (mean %.4g) over %d trials\n", p, m, s / NR, NR}'
done
rm -f "$out/bench.jsonl"
echo "## ms/utt, conf/rawnet2.yaml (4-s inputs), median of $rounds fresh processes each"
for r in $(seq "$rounds"); do
  for p in fp32 "${precisions[@]}"; do
    "$BIN" bench --json --config conf/rawnet2.yaml --no-train --precision "$p" 2>/dev/null |
      jq -c '{precision, b1: .infer_ms_per_utt_b1, b32: .infer_ms_per_utt_b32}' >> "$out/bench.jsonl"
  done
done
for p in fp32 "${precisions[@]}"; do
  jq -rs --arg p "$p" 'map(select(.precision == $p)) | [(map(.b1) | sort | .[length / 2 | floor]), (map(.b32) | sort | .[length / 2 | floor])] |
    "\($p): batch 1 \(.[0] * 10 | round / 10), batch 32 \(.[1] * 100 | round / 100)"' "$out/bench.jsonl"
done
