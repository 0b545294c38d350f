#!/usr/bin/env bash
# Fresh Debian 12 machine -> dependencies, build, the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/apps/antispoof --help
