#!/usr/bin/env bash
# Load test of `antispoof serve` on loopback with wrk (Debian's `wrk`, a Lua script posting one audio
# file): 1, 8, 32 and 128 concurrent clients, then (optionally) a memory soak. For each level it
# prints requests/s, p50/p99 latency, the mean batch size (from /metrics before and after) and the
# answers by status; the ratio of each level's throughput to one client's (sequential one-at-a-time
# requests) is the figure the README reports. Bounded: --seconds per level (default 20).
#
# Usage: bench/serve_load.sh [--config C --checkpoint K] [--audio FILE] [--seconds 20]
#          [--levels "1 8 32 128"] [--soak-minutes 0] [--out out/serve_load] [-- serve flags...]
# Without --config/--checkpoint it trains the 2-s demo model (conf/rawnet2.yaml with model.nb_samp
# 32000, model.first_conv 32) for one epoch on the tiny corpus: throughput depends on the architecture,
# not on how well it was trained. Without --audio it posts one 4-s bona fide FLAC of that corpus.
# Prints results on stdout (a table, then JSON in --out/results.json); the server's log is in --out.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANTISPOOF_BIN:-build/apps/antispoof}
config="" checkpoint="" audio="" seconds=20 levels="1 8 32 128" soak_minutes=0 out=out/serve_load serve_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --checkpoint) checkpoint=$2; shift 2 ;;
    --audio) audio=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --levels) levels=$2; shift 2 ;;
    --soak-minutes) soak_minutes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; serve_flags=("$@"); break ;;
    *) echo "serve_load: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in wrk curl jq; do command -v $tool >/dev/null || { echo "serve_load: needs $tool (scripts/setup.sh)" >&2; exit 2; }; done
mkdir -p "$out"

if [ -z "$config" ]; then
  corpus=$out/corpus_tiny
  [ -f "$corpus/LA/corpus_metadata.tsv" ] || "$BIN" --quiet corpus --size tiny --jobs 2 --out "$corpus" >&2
  config=conf/rawnet2.yaml
  if [ ! -f "$out/demo_model/last.pth" ]; then
    rm -rf "$out/demo_model"
    "$BIN" --quiet train -c "$config" --data-root "$corpus" -o "$out/demo_model" --epochs 1 --batch-size 8 \
      --set model.nb_samp=32000 --set model.first_conv=32 >&2
  fi
  config=$out/demo_model/config.yaml
  checkpoint=$out/demo_model/last.pth
  [ -n "$audio" ] || audio=$(ls "$corpus"/LA/ASVspoof2019_LA_eval/flac/*.flac | head -1)
fi
[ -n "$checkpoint" ] && [ -n "$audio" ] || { echo "serve_load: give --checkpoint and --audio with --config" >&2; exit 2; }

log=$out/serve.log
"$BIN" serve --config "$config" --checkpoint "$checkpoint" --port 0 "${serve_flags[@]}" 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=""
for _ in $(seq 600); do
  port=$(grep -o 'ready on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "serve_load: the service did not start" >&2; exit 1; }
url=http://127.0.0.1:$port

lua=$out/post.lua
cat > "$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = assert(io.open("$(realpath "$audio")", "rb"))
wrk.body = f:read("*all")
f:close()
statuses = {}
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function setup(thread) table.insert(threads, thread) end
threads = {}
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%d": %d', k, v)) end
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
LUA

metric() { curl -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
curl -sf -X POST --data-binary @"$audio" "$url/v1/score" >/dev/null  # warm-up
results="[]"
printf '%8s %10s %9s %9s %10s %8s  %s\n' clients "req/s" "p50 ms" "p99 ms" "mean batch" "x seq" statuses
base=""
for c in $levels; do
  b0=$(metric antispoof_batch_size_sum); n0=$(metric antispoof_batch_size_count)
  threads=$(( c < 2 ? 1 : 2 ))
  line=$(wrk -t$threads -c$c -d${seconds}s --timeout 30s -s "$lua" "$url/v1/score" | grep '^RESULT ' | cut -d' ' -f2-)
  b1=$(metric antispoof_batch_size_sum); n1=$(metric antispoof_batch_size_count)
  row=$(jq -c --argjson c "$c" --argjson rows "$(awk -v a="$b1" -v b="$b0" 'BEGIN { print a - b }')" \
    --argjson batches "$(awk -v a="$n1" -v b="$n0" 'BEGIN { print a - b }')" \
    '. + {clients: $c, rps: (.requests / .seconds), mean_batch: (if $batches > 0 then $rows / $batches else 0 end)}' <<<"$line")
  [ -n "$base" ] || base=$(jq '.rps' <<<"$row")
  row=$(jq -c --argjson base "$base" '. + {x_sequential: (.rps / $base)}' <<<"$row")
  results=$(jq -c --argjson r "$row" '. + [$r]' <<<"$results")
  jq -r '[.clients, (.rps * 10 | round / 10), (.p50_ms * 10 | round / 10), (.p99_ms * 10 | round / 10),
          (.mean_batch * 10 | round / 10), (.x_sequential * 100 | round / 100), (.statuses | tostring),
          ("socket errors " + (.socket_errors | tostring))] | @tsv' <<<"$row" |
    awk -F'\t' '{ printf "%8s %10s %9s %9s %10s %8s  %s %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
done

soak="null"
if [ "$soak_minutes" != 0 ]; then
  rss_log=$out/soak_rss.tsv
  echo -e "seconds\trss_kib" > "$rss_log"
  wrk -t2 -c32 -d$(( soak_minutes * 60 ))s --timeout 30s -s "$lua" "$url/v1/score" > "$out/soak_wrk.txt" &
  load=$!
  for t in $(seq 0 10 $(( soak_minutes * 60 ))); do
    echo -e "$t\t$(awk '/^VmRSS/ { print $2 }' /proc/$server/status)" >> "$rss_log"
    sleep 10
  done
  wait $load
  soak=$(awk -F'\t' 'NR > 1 { r[NR] = $2; if (NR == 2) first = $2; if (NR == 3) second = $2; last = $2; if ($2 > max) max = $2 }
    END { printf "{\"minutes\": %s, \"rss_first_mib\": %.1f, \"rss_after_10s_mib\": %.1f, \"rss_last_mib\": %.1f, \"rss_max_mib\": %.1f}", '"$soak_minutes"', first / 1024, second / 1024, last / 1024, max / 1024 }' "$rss_log")
  echo "soak: $soak (every 10 s: $rss_log)"
fi

kill -TERM $server
wait $server
trap - EXIT
tail -1 "$log" >&2
jq -n --argjson levels "$results" --argjson soak "$soak" --arg cpu "$(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }')" \
  --arg audio "$audio" '{cpu: $cpu, audio: $audio, levels: $levels, soak: $soak}' > "$out/results.json"
echo "results: $out/results.json" >&2
