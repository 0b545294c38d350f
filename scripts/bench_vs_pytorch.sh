#!/usr/bin/env bash
# antispoof's speed against the reference PyTorch code, side by side in one run on this machine:
#
#   scripts/bench_vs_pytorch.sh --model rawnet2 --repo DIR [options]   # DIR: asvspoof-challenge/2021 checkout
#   scripts/bench_vs_pytorch.sh --model aasist  --repo DIR [--conf config/AASIST-L.conf] [options]
#                                                                      # DIR: clovaai/aasist checkout
# Options:
#   --torch2-python PY   also time the reference under PY (a venv with PyPI's torch 2.x), eager and
#                        torch.compile'd (e.g. .venv-torch2/bin/python from scripts/build_libtorch2.sh)
#   --no-compile         skip the torch.compile column
#   --threads T          intra-op threads for everything (default: the core count)
#   --repeats R          timed runs per figure, median kept (default 3; batch 1 runs 3x)
#   --set KEY=VALUE      passed to `antispoof bench` (repeatable), e.g. --set model.sinc_impl=direct
#   --bf16               also run antispoof with precision: bf16 and every reference under
#                        torch.autocast("cpu", dtype=torch.bfloat16), and print two more tables: antispoof
#                        bf16 against the fp32 references, and bf16 against bf16
#   --int8               also run antispoof's inference with precision: int8 and print it against the
#                        fp32 references (the references stay fp32)
#
# The reference code is imported from the checkout by bench/reference/reference_bench.py (never copied);
# Debian's python3-torch 1.13 always runs it; every process gets tcmalloc when it is installed. antispoof
# runs the same architecture: conf/rawnet2.yaml (the 2021 LA baseline) or the AASIST .conf itself. All
# run with one OMP_WAIT_POLICY (the caller's, else passive).
# Prints one table: each figure, antispoof's, each reference's and reference/antispoof.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
model="" repo="" conf="config/AASIST.conf" torch2="" compile=1 threads=$(nproc) repeats=3 sets=() bf16=0 int8=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --repo) repo=$2; shift 2 ;;
    --conf) conf=$2; shift 2 ;;
    --torch2-python) torch2=$2; shift 2 ;;
    --no-compile) compile=0; shift ;;
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    --bf16) bf16=1; shift ;;
    --int8) int8=1; shift ;;
    -h|--help) sed -n 2,25p "$0"; exit 0 ;;
    *) echo "bench_vs_pytorch: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "bench_vs_pytorch: $*" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || fail "--threads '$threads': expected a positive integer"
[[ "$repeats" =~ ^[1-9][0-9]*$ ]] || fail "--repeats '$repeats': expected a positive integer"
[ -d "$repo" ] || fail "--repo '$repo': not a folder (a reference checkout is required)"
case "$model" in
  rawnet2)
    [ -f "$repo/LA/Baseline-RawNet2/model.py" ] || fail "--repo $repo: no LA/Baseline-RawNet2/model.py (an asvspoof-challenge/2021 checkout?)"
    ours_conf=conf/rawnet2.yaml ref_args=(--model rawnet2 --repo "$repo") ;;
  aasist)
    [ -f "$repo/$conf" ] && conf="$repo/$conf"
    [ -f "$conf" ] || fail "--conf '$conf': no such file"
    ours_conf=$conf ref_args=(--model aasist --repo "$repo" --conf "$conf") ;;
  *) fail "--model '$model': expected rawnet2 or aasist" ;;
esac
[ -z "$torch2" ] || [ -x "$torch2" ] || fail "--torch2-python '$torch2': not an executable"

tcmalloc=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1 || true)
# One OpenMP wait policy for every process (the caller's, else passive, antispoof's own default): with
# libgomp's spinning default a reference on a busy machine measures the spinning, not the model.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
common=(--threads "$threads" --repeats "$repeats")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
reference() {  # PYTHON [--compile]
  local py=$1; shift
  echo "bench_vs_pytorch: reference under $py $*" >&2
  local json
  json=$(LD_PRELOAD="$tcmalloc" "$py" bench/reference/reference_bench.py "${ref_args[@]}" "${common[@]}" "$@")
  echo "bench_vs_pytorch: $json" >&2  # the raw figures, kept in the log
  echo "$json"
}
ours_bench() {  # PRECISION
  echo "bench_vs_pytorch: antispoof bench --config $ours_conf --precision $1 ${sets[*]}" >&2
  local json
  json=$("$BIN" bench --json --config "$ours_conf" --precision "$1" "${common[@]}" "${sets[@]}")
  echo "bench_vs_pytorch: $json" >&2
  echo "$json"
}
references() {  # [--autocast-bf16]: one JSON line per reference run
  reference /usr/bin/python3 "$@"
  if [ -n "$torch2" ]; then
    reference "$torch2" "$@"
    [ "$compile" = 1 ] && reference "$torch2" --compile "$@"
  fi
  return 0
}
table() {  # TITLE OURS_JSON REFERENCE_JSON_LINES
  echo "$1"
  printf '%s\n' "$3" | jq -rs --argjson a "$2" '
    def r2: if . == null then "-" else . * 100 | round / 100 end;
    def ratio($x; $y): if $x == null or $y == null then "-" else "\(($x / $y) | r2)x" end;
    def ref_label: "PyTorch \(.torch | split("+")[0])\(if .compiled then " compile" else "" end) \(.precision)";
    def row($name; $k): ([$name, ($a[$k] | r2)] + [.[] | (.[$k] | r2), ratio(.[$k]; $a[$k])]) | join("|");
    (["figure (ms/utt)", "antispoof \($a.precision)"] + [.[] | ref_label, "ratio"] | join("|")),
    row("inference, batch 1"; "infer_ms_per_utt_b1"),
    row("inference, batch 32"; "infer_ms_per_utt_b32"),
    row("training step, batch 32"; "train_ms_per_utt_b32"),
    row("training peak RSS (MB)"; "train_peak_rss_mb")' | column -t -s '|'
}
ours=$(ours_bench fp32)
refs=$(references)
table "fp32:" "$ours" "$refs"
if [ "$int8" = 1 ]; then
  table "antispoof int8 (scoring only: no training row) against the fp32 references:" "$(ours_bench int8)" "$refs"
fi
if [ "$bf16" = 1 ]; then
  ours_bf16=$(ours_bench bf16)
  refs_bf16=$(references --autocast-bf16)
  table "antispoof bf16 against the fp32 references:" "$ours_bf16" "$refs"
  table "bf16 against bf16 (references under torch.autocast):" "$ours_bf16" "$refs_bf16"
fi
echo "load average before and after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg), OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
jq -rn --argjson a "$ours" '"\($a.model), threads \($a.threads), median of \($a.repeats), GEMM \($a.gemm_gflops | round) GFLOP/s; ratio = reference / antispoof (> 1: antispoof faster)"'
printf '%s\n' "$refs" | jq -r 'select(.compiled) | "torch.compile: first training step (compilation) \(.first_train_step_s | round) s"'
