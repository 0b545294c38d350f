#!/usr/bin/env bash
# Fresh Debian 12 machine -> dependencies, build, every test (unit, integration, e2e, faults).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd "${ANTISPOOF_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
