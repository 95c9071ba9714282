#!/usr/bin/env bash
# The side-by-side benchmark: trains the seed model (784-32-10, RMSprop, mse, batch 128) on Fashion-MNIST with
# strata and with PyTorch, same data and hyperparameters, and prints seconds per epoch, one-image inference
# latency, peak memory and test accuracy for each; then a batch-128 step of Keras's small convnet, an epoch of
# a wide MLP and the SGEMM rate, with the ratios and the project's targets. Method and figures: bench/README.md.
#   STRATA_BENCH_PYTHON   the Python with torch and numpy (default /usr/bin/python3, Debian's python3-torch)
#   STRATA_BENCH_ARGS     extra options for both seed halves, e.g. "--threads 1 --timed-epochs 1 --calls 200"
#   STRATA_STEP_BENCH_ARGS  extra options for both halves of the other rows, e.g. "--threads 1 --rows convnet"
#   OMP_WAIT_POLICY       passive unless set (both halves run on the same libgomp and oneDNN)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${STRATA_BENCH_PYTHON:-/usr/bin/python3}
read -r -a args <<<"${STRATA_BENCH_ARGS:-}"
read -r -a step_args <<<"${STRATA_STEP_BENCH_ARGS:-}"

scripts/deps.sh --bench
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target seed_bench step_bench

if ! "$python" -c 'import torch, numpy' 2>/dev/null; then
  echo "bench.sh: $python cannot import torch and numpy (set STRATA_BENCH_PYTHON to a Python that can)" >&2
  exit 1
fi

# Idle OpenMP threads sleep instead of spinning. On a machine whose cores are busy with other work, a spinning
# thread keeps the one it waits for off the core, and every parallel region costs a scheduler time slice:
# two threads then train 20 to 100 times slower than one. Both frameworks get the same policy; on an idle
# machine, OMP_WAIT_POLICY=active scripts/bench.sh measures the spinning default.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# One after the other, never side by side: each half gets the whole machine.
./build/bench/seed_bench "${args[@]}" >"$results/strata.txt"
"$python" bench/seed_bench_torch.py "${args[@]}" >"$results/pytorch.txt"
./build/bench/step_bench "${step_args[@]}" >>"$results/strata.txt"
"$python" bench/step_bench_torch.py "${step_args[@]}" >>"$results/pytorch.txt"

# Timings only mean something on an otherwise idle machine: say how busy it was.
echo "$(date +%F), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
  "load average $(cut -d' ' -f1-3 /proc/loadavg), OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
"$python" bench/report.py "$results/strata.txt" "$results/pytorch.txt"
