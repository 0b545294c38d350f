#!/usr/bin/env bash
# Fresh Debian 12 machine -> dependencies, the antispoof binary, the main job: `antispoof demo` builds (or reuses)
# the default real-speech corpus in data/corpus and compares RawNet2 with channel-wise attention,
# 2 seeds each, writing out/demo/{results.json,report.md,*.png}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --target antispoof   # the one binary the demo runs (the tests build in scripts/test.sh)
exec ./build/apps/antispoof demo "$@"
