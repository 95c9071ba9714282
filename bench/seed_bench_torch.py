"""The PyTorch half of the side-by-side benchmark (the strata half is seed_bench.cpp; scripts/bench.sh runs
both and prints the table).

The same model, data and hyperparameters as the strata seed model: 784 -> 32 (relu) -> 10 (softmax), the
mean squared error on one-hot targets, RMSprop(lr=0.001, rho=0.9, epsilon=1e-7), batch 128, shuffled each
epoch, Fashion-MNIST from the same gzip IDX files scaled by 1/255. For each thread count: a fresh model from
the same seed, one warm-up epoch, timed epochs, the test accuracy, and the latency of one image. A thread
count whose warm-up epoch is already twice as slow as the best epoch so far cannot win, so its timed
epochs are skipped (on a loaded machine, more threads than free cores crawl); its line then says timed=0 and
gives the warm-up epoch.

One machine-readable line per thread count goes to stdout (progress goes to stderr):
  seed_bench framework=pytorch threads=1 timed=3 epoch_s=1.21,1.19,1.20 infer_best_us=20.1
      infer_median_us=22.3 test_accuracy=0.8410 epochs=4 blas=openblas-openmp peak_rss_mb=512.0

blas= names the BLAS that torch's Linear ran on. Debian's torch calls whatever libblas.so.3 the system
provides; without an optimised one (libopenblas0-openmp) that is the reference BLAS, several times slower.
"""
import argparse
import gzip
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def load_idx(path):
    """An IDX file (as MNIST's): a big-endian header, magic 0x0000 <type> <rank>, the sizes, then the data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: expected an IDX file of unsigned bytes, got magic {raw[:4].hex()}")
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(data_dir):
    def part(images, labels):
        x = load_idx(os.path.join(data_dir, images)).reshape(-1, 784).astype(np.float32) / 255.0
        y = load_idx(os.path.join(data_dir, labels)).astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)

    x_train, y_train = part("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    x_test, y_test = part("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return x_train, y_train, x_test, y_test


def build_model():
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10), nn.Softmax(dim=1))
    # Keras's Dense starts from glorot_uniform kernels and zero biases (PyTorch's Linear default is
    # kaiming_uniform(a=sqrt(5)) for both); start the same way so the accuracies compare.
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def train_epoch(model, optimizer, loss_fn, x, y_onehot, y, batch_size, generator):
    """One epoch as Keras's fit runs it: a fresh shuffle, batches of batch_size (the last one smaller), and
    the running loss and accuracy that fit reports (kept as tensors: no per-batch item())."""
    n = x.shape[0]
    order = torch.randperm(n, generator=generator)
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.int64)
    for begin in range(0, n, batch_size):
        index = order[begin:begin + batch_size]
        xb, tb = x[index], y_onehot[index]
        optimizer.zero_grad(set_to_none=True)
        out = model(xb)
        loss = loss_fn(out, tb)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach() * index.shape[0]
            correct += (out.argmax(dim=1) == y[index]).sum()
    return loss_sum.item() / n, correct.item() / n


def blas_in_use():
    """The BLAS library mapped into this process, from /proc/self/maps (Linux; "unknown" elsewhere)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line or "mkl" in line}
    except OSError:
        return "unknown"
    for path in sorted(paths):
        for name in ("openblas-openmp", "openblas-pthread", "openblas-serial", "openblas", "blis", "mkl",
                     "atlas"):
            if name in path:
                return name
    if any("/blas/libblas.so" in path for path in paths):
        return "reference"
    return "unknown"


def fresh_training(threads):
    """A fresh model from seed 42 on `threads` threads, its optimizer, its loss and its shuffling generator."""
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    generator = torch.Generator().manual_seed(42)
    model = build_model()
    # Keras's RMSprop(learning_rate=0.001) has rho=0.9 and epsilon=1e-7 (PyTorch's defaults are alpha=0.99
    # and eps=1e-8), so both are given. One difference remains: Keras divides by sqrt(velocity + epsilon),
    # PyTorch by sqrt(velocity) + eps, i.e. PyTorch adds eps outside the square root.
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    # Keras's "mse" averages over the last axis, then over the batch: the mean over every element.
    loss_fn = nn.MSELoss()
    return model, optimizer, loss_fn, generator


def run(data, threads, timed_epochs, calls, best_so_far):
    """Trains and times one fresh model with `threads` threads; returns its best epoch in seconds."""
    x_train, y_train, x_test, y_test = data
    y_train_onehot = nn.functional.one_hot(y_train, 10).to(torch.float32)
    model, optimizer, loss_fn, generator = fresh_training(threads)

    start = time.perf_counter()
    train_epoch(model, optimizer, loss_fn, x_train, y_train_onehot, y_train, 128, generator)
    warm_up = time.perf_counter() - start
    print(f"pytorch, {threads} thread(s): warm-up epoch {warm_up:.3f} s", file=sys.stderr)
    epoch_seconds = []
    if warm_up > 2 * best_so_far:
        print(f"pytorch, {threads} thread(s): slower than {best_so_far:.3f} s already, timed epochs skipped",
              file=sys.stderr)
        timed_epochs = 0
        epoch_seconds.append(warm_up)
    for _ in range(timed_epochs):
        start = time.perf_counter()
        train_epoch(model, optimizer, loss_fn, x_train, y_train_onehot, y_train, 128, generator)
        epoch_seconds.append(time.perf_counter() - start)
        print(f"pytorch, {threads} thread(s): epoch {epoch_seconds[-1]:.3f} s", file=sys.stderr)

    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).to(torch.float64).mean().item()

    # Real-time classification: one image, shape (1, 784), through the trained model.
    image = x_test[0:1].clone()
    call_us = []
    with torch.no_grad():
        for _ in range(50):
            model(image)
        for _ in range(calls):
            call_start = time.perf_counter_ns()
            model(image)
            call_us.append((time.perf_counter_ns() - call_start) / 1e3)
    call_us.sort()

    epochs_list = ",".join(f"{s:.4f}" for s in epoch_seconds)
    print(f"seed_bench framework=pytorch threads={threads} timed={timed_epochs} epoch_s={epochs_list} "
          f"infer_best_us={call_us[0]:.2f} infer_median_us={call_us[len(call_us) // 2]:.2f} "
          f"test_accuracy={accuracy:.4f} epochs={timed_epochs + 1} blas={blas_in_use()} "
          f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}", flush=True)
    return min(epoch_seconds) if timed_epochs else best_so_far


def sweep(data, threads, batch_size):
    """One timed epoch at batch_size with `threads` threads, after a warm-up epoch at that size."""
    x_train, y_train, _, _ = data
    y_train_onehot = nn.functional.one_hot(y_train, 10).to(torch.float32)
    model, optimizer, loss_fn, generator = fresh_training(threads)
    train_epoch(model, optimizer, loss_fn, x_train, y_train_onehot, y_train, batch_size, generator)
    start = time.perf_counter()
    train_epoch(model, optimizer, loss_fn, x_train, y_train_onehot, y_train, batch_size, generator)
    seconds = time.perf_counter() - start
    print(f"pytorch, {threads} thread(s), batch {batch_size}: epoch {seconds:.3f} s", file=sys.stderr)
    print(f"seed_sweep framework=pytorch threads={threads} batch_size={batch_size} epoch_s={seconds:.4f}",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--timed-epochs", type=int, default=3, help="epochs timed after the warm-up one")
    parser.add_argument("--calls", type=int, default=2000, help="one-image inference calls timed")
    parser.add_argument("--batch-sizes", default="32,64,128,256,512,1024",
                        help="batch sizes of the one-epoch sweep, comma-separated, or none")
    parser.add_argument("--data-dir", default=DATA_DIR, help="where the Fashion-MNIST .gz files are")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    batch_sizes = [] if args.batch_sizes == "none" else [int(b) for b in args.batch_sizes.split(",")]
    if any(b < 1 for b in batch_sizes):
        parser.error("--batch-sizes must be positive")
    if any(t < 1 for t in threads) or args.timed_epochs < 1 or args.calls < 1:
        parser.error("--threads, --timed-epochs and --calls must be positive")

    data = load(args.data_dir)
    best = float("inf")
    for t in threads:
        best = min(best, run(data, t, args.timed_epochs, args.calls, best))
    for t in threads:
        for b in batch_sizes:
            sweep(data, t, b)


if __name__ == "__main__":
    main()
