#!/usr/bin/env bash
# Installs what strata needs, builds it, and trains the seed model (784-32-10, RMSprop, mse, batch 128,
# 10 epochs) on Fashion-MNIST, built with Sequential and again with the functional API.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target seed_mlp
./build/examples/seed_mlp
