#!/usr/bin/env bash
# Installs what strata needs, builds it, and runs the whole test suite: once in Release (g++), then once more
# built by clang with AddressSanitizer and UndefinedBehaviorSanitizer, where the loaders' libFuzzer targets
# also run, for a bounded time; then the tests of concurrent use once more under ThreadSanitizer. The
# contract programs of ../shared/api are built against the installed library and run as part of the suite.
#   scripts/test.sh              both runs
#   scripts/test.sh --no-sanitize   the Release run only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ "${1:-}" != "--no-sanitize" ]]; then
  # clang, so that the same build also makes the loaders' libFuzzer targets, which run as tests.
  CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=ON -DSTRATA_FUZZ=ON \
        -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_BUILD_BENCH=OFF >/dev/null
  cmake --build build-sanitize -j"$jobs"
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j"$jobs")

  # ThreadSanitizer cannot share a process with AddressSanitizer: a third build, of the library and the
  # concurrency tests only.
  CXX=clang++ cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TSAN=ON \
        -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_BUILD_BENCH=OFF -DSTRATA_BUILD_TOOLS=OFF >/dev/null
  cmake --build build-tsan -j"$jobs"
  # Without address-space randomisation: clang 14's ThreadSanitizer cannot map its shadow memory on kernels
  # that randomise mmap with more than 28 bits.
  (cd build-tsan && setarch "$(uname -m)" -R ctest --output-on-failure -j"$jobs")
fi
