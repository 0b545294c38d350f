#!/usr/bin/env bash
# Configures and builds antispoof into ./build (Release). Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ANTISPOOF_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
# ccache (CMakeLists.txt makes it the compiler launcher) caches the LibTorch files only when it may
# hash the precompiled <torch/torch.h>: without these it calls them uncacheable and every rebuild of a
# fresh build folder recompiles them.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}
# A full build folder takes ~1 GB (one shared precompiled <torch/torch.h> of ~570 MB among it); a
# compiler that runs out of disk may fail without saying why, so say it first.
free_kb=$(df -Pk "$(dirname "$BUILD_DIR/.")" | awk 'NR==2{print $4}')
if [ "${free_kb:-0}" -lt 2000000 ]; then
  echo "warning: only $((free_kb / 1024)) MB free for $BUILD_DIR; the build needs about 1.5 GB" >&2
fi
# Compiling a LibTorch file takes ~1 GB: one job per 2 GB of memory, at most the core count.
jobs=$(nproc)
mem_jobs=$(( $(awk '/MemAvailable/{print $2}' /proc/meminfo) / 2000000 ))
[ "$mem_jobs" -lt "$jobs" ] && jobs=$(( mem_jobs > 0 ? mem_jobs : 1 ))
cmake --build "$BUILD_DIR" -j "$jobs" "$@" >&2
