#!/usr/bin/env bash
# Runs `antispoof bench --json` once and prints antispoof's figures against the PyTorch reference RawNet2
# and the targets. With --reference, the reference (bench/reference/rawnet2_reference_bench.py under PYTHON,
# default Debian's /usr/bin/python3 with python3-torch, with tcmalloc when installed) runs in the same call,
# right before antispoof, with the same threads and repeats: the ratios are then side by side on this
# machine. Without it, the reference figures are the first speed round's (the 2-core development VM).
# Other args go to antispoof bench (e.g. --config conf/rawnet2_se.yaml, --set model.gru_impl=torch,
# --threads 2, --repeats 5). ANTISPOOF_BIN picks the binary (default build/apps/antispoof).
# Both sides run with the same OpenMP wait policy: the caller's OMP_WAIT_POLICY, else passive (the binary's own
# default for bench): under load a spinning reference slows several times over (README, Performance).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
PYTHON=${PYTHON:-/usr/bin/python3}
reference=0 threads=$(nproc) repeats=3 args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reference) reference=1; shift ;;
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; args+=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
ref='{"infer_ms_per_utt_b32": 47.1, "infer_ms_per_utt_b1": 151, "train_ms_per_utt_b32": 101.1, "train_peak_rss_mb": 1800, "torch": "1.13 (first round, stored)"}'
if [ "$reference" = 1 ]; then
  tcmalloc=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1 || true)
  ref=$(LD_PRELOAD="$tcmalloc" "$PYTHON" bench/reference/rawnet2_reference_bench.py --threads "$threads" \
          --repeats "$repeats")
fi
json=$("$BIN" bench --json --threads "$threads" "${args[@]}")
echo "$json" | jq -r --argjson r "$ref" '
  def row($name; $v; $ref; $target; $unit):
    if $v == null then "\($name)|-|\($ref)|\($target)|-|-"
    else "\($name)|\($v * 10 | round / 10) \($unit)|\($ref * 10 | round / 10)|\($target)|\(($ref / $v) * 100 | round / 100)x|\(if $v <= $target then "met" else "\(($v / $target) * 100 | round / 100)x over" end)" end;
  "figure|antispoof|PyTorch \($r.torch)|target|reference/antispoof|vs target",
  row("inference, batch 32 (ms/utt)"; .infer_ms_per_utt_b32; $r.infer_ms_per_utt_b32; 12; "ms"),
  row("inference, batch 1 (ms/utt)"; .infer_ms_per_utt_b1; $r.infer_ms_per_utt_b1; 38; "ms"),
  row("training step, batch 32 (ms/utt)"; .train_ms_per_utt_b32; $r.train_ms_per_utt_b32; 34; "ms"),
  row("  from the cached front end (ms/utt)"; .train_cached_front_end_ms_per_utt_b32; $r.train_ms_per_utt_b32; 34; "ms"),
  row("training peak RSS (MB)"; .train_peak_rss_mb; $r.train_peak_rss_mb; 2500; "MB")' | column -t -s '|'
echo
echo "$json" | jq -r '
  "real-time factor (batch 1): \(.real_time_factor_b1)",
  "GEMM: \(.gemm_gflops | round) GFLOP/s (issue: ~200); fraction of it reached: batch 1 \(.peak_fraction_b1 * 1000 | round / 10)%, batch 32 \(.peak_fraction_b32 * 1000 | round / 10)%, training \(.peak_fraction_train * 1000 | round / 10)%",
  "threads \(.threads) (inter-op \(.interop_threads)), sinc \(.sinc_impl), median of \(.repeats), \(.wall_s | round) s"'
