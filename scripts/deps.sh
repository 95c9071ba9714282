#!/usr/bin/env bash
# The one place that names strata's dependencies: Debian packages, installed with apt-get.
# Every setup path (scripts/seed.sh, scripts/test.sh, .ci/run) runs this first.
#   scripts/deps.sh           what building, the tests and the examples need
#   scripts/deps.sh --bench   also PyTorch, for the side-by-side benchmark
set -euo pipefail

packages=(
  cmake g++ make pkg-config       # toolchain (C++20)
  libdnnl-dev                     # oneDNN: matmul primitives of the CPU backend
  ocl-icd-opencl-dev              # oneDNN's CMake package looks for OpenCL (only recommended by libdnnl-dev)
  zlib1g-dev                      # gzip-compressed IDX datasets
  libhdf5-dev                     # Keras's .weights.h5 and legacy .h5 files
  libzip-dev                      # Keras 3 .keras archives (zip)
  graphviz                        # utils::plot_model renders through dot
  nlohmann-json3-dev              # layer and model configs
  libgtest-dev                    # the test suite
  libbenchmark-dev                # kernel micro-benchmarks
  clang libclang-rt-14-dev        # the sanitizer build and the loaders' libFuzzer targets
  libomp-dev                      # OpenMP for clang (LLVM's runtime, which also serves oneDNN's GOMP calls)
  dataset-fashion-mnist           # the seed model's data, in /usr/share/datasets/fashion-mnist
)
if [[ "${1:-}" == "--bench" ]]; then
  # PyTorch recommends an optimised BLAS; without one its Linear layers run on the reference BLAS.
  packages+=(python3-torch python3-numpy libopenblas0-openmp)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
