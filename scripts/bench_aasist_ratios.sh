#!/usr/bin/env bash
# AASIST's speed against the official PyTorch code, side by side in one run on this machine:
#   scripts/bench_aasist_ratios.sh --aasist-repo DIR [--conf config/AASIST-L.conf] [--threads T] [--repeats R]
# DIR is a clovaai/aasist checkout (git clone https://github.com/clovaai/aasist); its models/AASIST.py runs
# under PYTHON (default Debian's /usr/bin/python3 with python3-torch) through
# bench/reference/aasist_reference_bench.py, then `antispoof bench` runs the same .conf; both with
# tcmalloc when it is installed. Prints both figures and reference/antispoof per phase.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
PYTHON=${PYTHON:-/usr/bin/python3}
repo="" conf="config/AASIST.conf" threads=$(nproc) repeats=3
while [ $# -gt 0 ]; do
  case "$1" in
    --aasist-repo) repo=$2; shift 2 ;;
    --conf) conf=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) echo "bench_aasist_ratios: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$repo" ] || { echo "bench_aasist_ratios: --aasist-repo DIR (a clovaai/aasist checkout) is required" >&2; exit 2; }
[ -f "$repo/$conf" ] && conf="$repo/$conf"
[ -f "$conf" ] || { echo "bench_aasist_ratios: no config '$conf'" >&2; exit 2; }
tcmalloc=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1 || true)
ref=$(LD_PRELOAD="$tcmalloc" "$PYTHON" bench/reference/aasist_reference_bench.py --aasist-repo "$repo" \
        --conf "$conf" --threads "$threads" --repeats "$repeats")
ours=$("$BIN" bench --json --config "$conf" --threads "$threads" --repeats "$repeats")
jq -rn --argjson r "$ref" --argjson a "$ours" '
  def row($name; $k; $ak): "\($name)|\($a[$ak] * 100 | round / 100)|\($r[$k] * 100 | round / 100)|\(($r[$k] / $a[$ak]) * 100 | round / 100)x";
  "figure (ms/utt)|antispoof|PyTorch \($r.torch)|reference/antispoof",
  row("inference, batch 1"; "infer_ms_per_utt_b1"; "infer_ms_per_utt_b1"),
  row("inference, batch \($r.batch)"; "infer_ms_per_utt_b32"; "infer_ms_per_utt_b32"),
  row("training step, batch \($r.batch)"; "train_ms_per_utt_b32"; "train_ms_per_utt_b32"),
  row("training peak RSS (MB; not ms)"; "train_peak_rss_mb"; "train_peak_rss_mb")' | column -t -s '|'
jq -rn --argjson r "$ref" --argjson a "$ours" \
  '"\($a.model) (\($r.parameters) parameters), inputs of \($r.nb_samp) samples, threads \($a.threads), median of \($r.repeats) (batch 1: \(3 * $r.repeats)), GEMM \($a.gemm_gflops | round) GFLOP/s"' 
