#!/usr/bin/env bash
# Is a whole long recording, scored in windows and aggregated (`score --window`), decided at least as
# well as its first nb_samp samples (the reference length rule, `score` without --window)?
#
# Builds long recordings from one split of a corpus in the ASVspoof layout (`antispoof corpus`): the
# utterances of one speaker and one class (bona fide, or one attack), concatenated in protocol order
# (sox, bit-exact) until each recording holds at least --seconds; a remainder shorter than half of
# that is dropped. Each recording is scored by the reference rule and by windows with every aggregate
# (mean, median, min, max, from one pass's timeline); `antispoof metrics` gives the EER of each way. Prints
# a table on stdout and writes the recordings, protocol, score files and results.json under --out.
#
# Usage: scripts/measure_whole_recordings.sh --config C --checkpoint K [--corpus data/corpus]
#          [--split eval] [--seconds 20] [--window S] [--hop S] [--out out/whole_recordings]
# (--window/--hop default to score's defaults: the model's input length and half of it.)
# ANTISPOOF_BIN picks the binary (default build/apps/antispoof). Needs sox and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
corpus=data/corpus split=eval seconds=20 out=out/whole_recordings config="" checkpoint="" window_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --checkpoint) checkpoint=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --split) split=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --window|--hop) window_flags+=("$1" "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "measure_whole_recordings: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$config" ] && [ -n "$checkpoint" ] || { echo "measure_whole_recordings: --config and --checkpoint are required" >&2; exit 2; }
for tool in sox jq; do command -v $tool >/dev/null || { echo "measure_whole_recordings: needs $tool" >&2; exit 2; }; done
la=$corpus/LA
case "$split" in train) suffix=trn ;; *) suffix=trl ;; esac
protocol=$la/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.$split.$suffix.txt
audio=$la/ASVspoof2019_LA_$split/flac
[ -f "$protocol" ] || { echo "measure_whole_recordings: $protocol: no such protocol" >&2; exit 2; }
mkdir -p "$out/audio"
rm -f "$out"/audio/*.flac

# Group the utterances: one line per recording, "SPEAKER NAME ATTACK KEY UTT1 UTT2 ...". Durations come
# from corpus_metadata.tsv when it has them (antispoof's corpus), else from soxi.
durations=$out/durations.tsv
if [ -f "$la/corpus_metadata.tsv" ]; then
  awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "duration") d = i; next } { print $1 "\t" $d }' \
    "$la/corpus_metadata.tsv" > "$durations"
else
  awk '{ print $2 }' "$protocol" | while read -r utt; do printf '%s\t%s\n' "$utt" "$(soxi -D "$audio/$utt.flac")"; done > "$durations"
fi
awk -v target="$seconds" '
  FNR == NR { dur[$1] = $2; next }
  {
    group = $1 " " ($5 == "bonafide" ? "-" : $4) " " $5
    list[group] = list[group] " " $2; total[group] += dur[$2]
    if (!(group in seen)) { seen[group] = 1; order[++n] = group }
    if (total[group] >= target) { emit(group); list[group] = ""; total[group] = 0 }
  }
  function emit(g,   f) { split(g, f, " "); ++count[g]; printf "%s %s_%s_%d %s %s%s\n", f[1], f[1], (f[2] == "-" ? f[3] : f[2]), count[g], f[2], f[3], list[g] }
  END { for (i = 1; i <= n; ++i) if (total[order[i]] >= target / 2) emit(order[i]) }' "$durations" "$protocol" > "$out/groups.txt"

long_protocol=$out/protocol.txt
: > "$long_protocol"
while read -r speaker name attack key utts; do
  files=()
  for utt in $utts; do files+=("$audio/$utt.flac"); done
  sox -D "${files[@]}" "$out/audio/$name.flac"
  echo "$speaker $name - $attack $key" >> "$long_protocol"
done < "$out/groups.txt"
n_bona=$(awk '$5 == "bonafide"' "$long_protocol" | wc -l)
n_spoof=$(awk '$5 == "spoof"' "$long_protocol" | wc -l)
total_s=$(for f in "$out"/audio/*.flac; do soxi -D "$f"; done | awk '{ s += $1 } END { printf "%.0f", s }')
echo "measure_whole_recordings: $n_bona bona fide and $n_spoof spoofed recordings of >= ${seconds} s ($total_s s) from $split" >&2

eer() { "$BIN" --quiet metrics --scores "$1" --protocol "$long_protocol" --json | jq '.eer'; }
"$BIN" --quiet score --config "$config" --checkpoint "$checkpoint" "$out/audio" > "$out/scores_reference.txt"
# One windowed pass writes the timeline; its mean is the binary's, the other aggregates come from the
# same window scores (score --aggregate computes them the same way; tests/e2e/infer_windows_test.cc).
"$BIN" --quiet score --config "$config" --checkpoint "$checkpoint" "${window_flags[@]}" --aggregate mean \
  --segments "$out/segments.txt" "$out/audio" > "$out/scores_mean.txt"
results="{\"recordings_bonafide\": $n_bona, \"recordings_spoof\": $n_spoof, \"audio_seconds\": $total_s, \"seconds\": $seconds, \"reference\": $(eer "$out/scores_reference.txt"), \"mean\": $(eer "$out/scores_mean.txt")"
for aggregate in median min max; do
  jq -r --arg a $aggregate '.files[] | (.segments | map(.score) | sort) as $s | "\(.utt) \(
    if $a == "min" then $s[0] elif $a == "max" then $s[-1]
    elif ($s | length) % 2 == 1 then $s[($s | length - 1) / 2]
    else ($s[($s | length) / 2 - 1] + $s[($s | length) / 2]) / 2 end)"' "$out/segments.txt.json" > "$out/scores_$aggregate.txt"
  results+=", \"$aggregate\": $(eer "$out/scores_$aggregate.txt")"
done
results+=", \"window\": $(jq '.window' "$out/segments.txt.json"), \"hop\": $(jq '.hop' "$out/segments.txt.json")}"
echo "$results" | jq . > "$out/results.json"
jq -r '"way|EER %",
  "first nb_samp samples (reference rule)|\(.reference * 1000 | round / 10)",
  (("mean", "median", "min", "max") as $a | "windows \(.window) s, hop \(.hop) s, \($a)|\(.[$a] * 1000 | round / 10)")' \
  "$out/results.json" | column -t -s '|'
