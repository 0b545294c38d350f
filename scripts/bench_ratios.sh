#!/usr/bin/env bash
# Runs `antispoof bench --json` once and prints antispoof's figures against the first speed round's reference
# (the PyTorch RawNet2 on this 2-core machine) and targets. Extra args go to antispoof bench
# (e.g. --config conf/rawnet2_se.yaml, --set model.sinc_impl=fft, --threads 2, --repeats 5).
# ANTISPOOF_BIN picks the binary (default build/apps/antispoof).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
json=$("$BIN" bench --json "$@")
echo "$json" | jq -r '
  def row($name; $v; $ref; $target; $unit):
    if $v == null then "\($name)|-|\($ref)|\($target)|-|-"
    else "\($name)|\($v * 10 | round / 10) \($unit)|\($ref)|\($target)|\(($ref / $v) * 100 | round / 100)x|\(if $v <= $target then "met" else "\(($v / $target) * 100 | round / 100)x over" end)" end;
  "figure|antispoof|reference|target|reference/antispoof|vs target",
  row("inference, batch 32 (ms/utt)"; .infer_ms_per_utt_b32; 47.1; 12; "ms"),
  row("inference, batch 1 (ms/utt)"; .infer_ms_per_utt_b1; 151; 38; "ms"),
  row("training step, batch 32 (ms/utt)"; .train_ms_per_utt_b32; 101.1; 34; "ms"),
  row("  from the cached front end (ms/utt)"; .train_cached_front_end_ms_per_utt_b32; 101.1; 34; "ms"),
  row("training peak RSS (MB)"; .train_peak_rss_mb; 1800; 2500; "MB")' | column -t -s '|'
echo
echo "$json" | jq -r '
  "real-time factor (batch 1): \(.real_time_factor_b1)",
  "GEMM: \(.gemm_gflops | round) GFLOP/s (issue: ~200); fraction of it reached: batch 1 \(.peak_fraction_b1 * 1000 | round / 10)%, batch 32 \(.peak_fraction_b32 * 1000 | round / 10)%, training \(.peak_fraction_train * 1000 | round / 10)%",
  "threads \(.threads) (inter-op \(.interop_threads)), sinc \(.sinc_impl), median of \(.repeats), \(.wall_s | round) s"'
