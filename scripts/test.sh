#!/usr/bin/env bash
# Fresh Debian 12 machine -> dependencies, build, every test (unit, integration, e2e, faults), then
# the sanitizer and fuzzing step (scripts/sanitize.sh; ANTISPOOF_SKIP_SANITIZE=1 leaves it out).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
(cd "${ANTISPOOF_BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@")
if [ "${ANTISPOOF_SKIP_SANITIZE:-0}" != 1 ]; then
  bash scripts/sanitize.sh
fi
