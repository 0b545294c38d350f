#!/usr/bin/env bash
# The learning curves of an experiment's runs: dev EER (%) and training loss per epoch, the mean over
# seeds, from OUT/runs/RUN/seed_S/epochs.csv (written by `antispoof train` inside `antispoof experiment`).
#   scripts/learning_curve.sh out/demo
set -euo pipefail
out=${1:?usage: scripts/learning_curve.sh EXPERIMENT_OUT (e.g. out/demo)}
[ -d "$out/runs" ] || { echo "learning_curve: $out/runs: not an experiment's output folder" >&2; exit 2; }
for run_dir in "$out"/runs/*/; do
  run=$(basename "$run_dir")
  files=("$run_dir"seed_*/epochs.csv)
  [ -f "${files[0]}" ] || { echo "learning_curve: no $run_dir""seed_*/epochs.csv" >&2; exit 2; }
  awk -F, -v run="$run" -v seeds="${#files[@]}" '
    FNR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
    { eer[$1] += 100 * $col["dev_eer"]; loss[$1] += $col["train_loss"]; n[$1] += 1; if ($1 > last) last = $1 }
    END {
      line = run " (" seeds " seeds) dev EER %:"; lossline = run " train loss:       ";
      for (e = 1; e <= last; ++e) { line = line sprintf(" %5.1f", eer[e] / n[e]); lossline = lossline sprintf(" %5.3f", loss[e] / n[e]) }
      print line; print lossline
    }' "${files[@]}"
done
