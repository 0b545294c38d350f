#!/usr/bin/env bash
# The sanitizer and fuzzing step of CI (docs/faults.md): a clang tree (build-asan) with
# AddressSanitizer + UndefinedBehaviorSanitizer of the parser modules' unit tests and the libFuzzer
# targets (and, with ANTISPOOF_SANITIZE_FAULTS=1, of the antispoof binary and the fault catalogue);
# then runs ctest on those labels there. Extra args go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${ANTISPOOF_ASAN_DIR:-build-asan}
CXX_BIN=${ANTISPOOF_ASAN_CXX:-clang++-14}
CC_BIN=${ANTISPOOF_ASAN_CC:-clang-14}
if [ ! -f "$DIR/build.ninja" ]; then
  CC=$CC_BIN CXX=$CXX_BIN cmake -S . -B "$DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DANTISPOOF_SANITIZE=ON -DANTISPOOF_FUZZ=ON \
    -DANTISPOOF_BUILD_BENCH=OFF >&2
fi
jobs=$(nproc)
mem_jobs=$(( $(awk '/MemAvailable/{print $2}' /proc/meminfo) / 2000000 ))
[ "$mem_jobs" -lt "$jobs" ] && jobs=$(( mem_jobs > 0 ? mem_jobs : 1 ))
# What is sanitized by default: the torch-free parser modules, pth/data and the augmentation DSP, through their unit
# tests and the fuzz targets. ANTISPOOF_SANITIZE_FAULTS=1 also builds the sanitized antispoof binary
# (every module) and runs the fault catalogue against it: about 6 more minutes on 2 cores.
targets=(unit_common_test unit_metrics_test unit_audio_test unit_pth_test unit_data_test unit_augment_test
  protocol_fuzzer score_file_fuzzer config_fuzzer checkpoint_fuzzer audio_fuzzer)
labels='unit|fuzz'
if [ "${ANTISPOOF_SANITIZE_FAULTS:-0}" = 1 ]; then
  targets+=(antispoof faults_fixture faults_audio_test faults_config_test faults_data_test
    faults_metrics_test faults_pth_test faults_train_test)
  labels='unit|faults|fuzz'
fi
cmake --build "$DIR" -j "$jobs" --target "${targets[@]}" >&2
cd "$DIR"
# LibTorch is not instrumented: its one-time allocations at exit are not ours to report. A report
# exits with 86/87, never with the 1 of an ordinary error that the fault catalogue expects.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
ctest --output-on-failure -j "$(nproc)" --timeout 900 -L "$labels" "$@"
