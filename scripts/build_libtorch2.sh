#!/usr/bin/env bash
# Builds antispoof against a current LibTorch, the CMake package inside PyPI's `torch` wheel (a CUDA
# build), and runs the unit tests on the CPU. Proves the code still compiles and links on LibTorch 2.x
# with CUDA enabled; Debian's LibTorch 1.13 stays the one the other scripts use. CI does not run it.
#
#   scripts/build_libtorch2.sh [--torch VERSION] [--venv DIR] [--build DIR] [--no-tests]
#
# The wheel (and its nvidia-* dependencies, ~5 GB) goes into a project-local virtual environment
# (default .venv-torch2/, ignored by git), never into the system Python. The CUDA toolkit (nvcc) must be
# installed for the CUDA parts of LibTorch's CMake package; nothing runs on a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
TORCH_VERSION=2.15.0
VENV=.venv-torch2
BUILD_DIR=build-torch2
RUN_TESTS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) TORCH_VERSION=$2; shift 2 ;;
    --venv) VENV=$2; shift 2 ;;
    --build) BUILD_DIR=$2; shift 2 ;;
    --no-tests) RUN_TESTS=0; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "build_libtorch2: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$TORCH_VERSION" in
  [0-9]*.[0-9]*) ;;
  *) echo "build_libtorch2: --torch '$TORCH_VERSION': expected a version such as 2.15.0" >&2; exit 2 ;;
esac

if [ ! -x "$VENV/bin/python" ]; then /usr/bin/python3 -m venv "$VENV"; fi
installed=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null || true)
if [ "${installed%%+*}" != "$TORCH_VERSION" ]; then
  echo "build_libtorch2: installing torch==$TORCH_VERSION into $VENV" >&2
  "$VENV/bin/pip" install -q "torch==$TORCH_VERSION" >&2
fi
TORCH_DIR=$("$VENV/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)
echo "build_libtorch2: LibTorch $("$VENV/bin/python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null) from $TORCH_DIR" >&2

NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
if [ ! -x "$NVCC" ]; then
  echo "build_libtorch2: nvcc not found: LibTorch's CUDA CMake package needs the CUDA toolkit" >&2; exit 1
fi
echo "build_libtorch2: CUDA toolkit $("$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')" >&2

# Both the wheel's root (lib/libtorch.so) and its share/cmake: with share/cmake alone CMake's
# find_library would pick Debian's /usr/lib libtorch.so beside the wheel's headers. The linker must find
# libtorch_cuda's own dependencies (NCCL, cuDNN, ...) in the wheel's nvidia-* packages, not an older copy
# that came with the CUDA toolkit (at run time libtorch_cuda's RUNPATH finds them there).
nvidia_libs=$(ls -d "$TORCH_DIR"/../nvidia/*/lib 2>/dev/null | paste -sd: -)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_PREFIX_PATH=$TORCH_DIR;$TORCH_DIR/share/cmake" -DCMAKE_CUDA_COMPILER="$NVCC" \
  "-DCMAKE_EXE_LINKER_FLAGS=${nvidia_libs:+-Wl,-rpath-link,$nvidia_libs}" >&2
if ! grep -q "^TORCH_LIBRARY:FILEPATH=$TORCH_DIR/lib/libtorch.so" "$BUILD_DIR/CMakeCache.txt"; then
  echo "build_libtorch2: $BUILD_DIR is not configured against $TORCH_DIR (remove it and rerun)" >&2; exit 1
fi
grep -q "libtorch_cuda.so" "$BUILD_DIR/build.ninja" && echo "build_libtorch2: linking libtorch_cuda" >&2
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}
jobs=$(nproc)
mem_jobs=$(( $(awk '/MemAvailable/{print $2}' /proc/meminfo) / 2500000 ))
[ "$mem_jobs" -lt "$jobs" ] && jobs=$(( mem_jobs > 0 ? mem_jobs : 1 ))
# The binary and the unit tests (the benchmarks and other test labels only add compile time here).
targets=(antispoof)
if [ "$RUN_TESTS" = 1 ]; then
  mapfile -t unit_targets < <(ninja -C "$BUILD_DIR" -t targets all | sed -n 's/^\(unit_[a-z0-9_]*_test\): phony$/\1/p')
  targets+=("${unit_targets[@]}")
fi
ninja -C "$BUILD_DIR" -j "${ANTISPOOF_JOBS:-$jobs}" "${targets[@]}" >&2
ldd "$BUILD_DIR/apps/antispoof" | grep -q "$TORCH_DIR/lib/libtorch_cuda.so" ||
  { echo "build_libtorch2: the binary does not link the wheel's libtorch_cuda.so" >&2; exit 1; }
"$BUILD_DIR/apps/antispoof" --version >&2

if [ "$RUN_TESTS" = 1 ]; then
  # The unit tests, on the CPU (nothing here has a GPU).
  (cd "$BUILD_DIR" && ctest -L unit -j "$(nproc)" --timeout 900 --output-on-failure)
  echo "build_libtorch2: unit tests passed against LibTorch $TORCH_VERSION" >&2
fi
