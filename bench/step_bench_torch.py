"""The PyTorch half of the benchmark rows beyond the seed model (the strata half is step_bench.cpp;
scripts/bench.sh runs both and prints the table).

  convnet  one batch-128 training step of Keras's small convnet (the network of convnet_torch.py, with
           Keras's initialisers): zero_grad, forward, CrossEntropyLoss (softmax and cross-entropy in one, as
           a PyTorch user writes it), backward, Adam(lr=1e-3, eps=1e-7). A few warm-up steps, then timed ones.
  wide     one epoch of a wide MLP, 784-1024(relu)-1024(relu)-10(softmax), batch 256, RMSprop(lr=1e-3,
           alpha=0.9, eps=1e-7), MSELoss on one-hot targets, shuffled: the seed model's loop
           (seed_bench_torch.train_epoch) at this size. A short warm-up, then timed epochs.
  sgemm    torch.mm of two 2048 x 2048 float32 matrices.

One machine-readable line per row and thread count goes to stdout, as step_bench.cpp's:
  step_bench framework=pytorch row=convnet threads=1 best_s=0.0470 median_s=0.0481 flops=1.23e9
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convnet_torch import build_model as build_convnet  # noqa: E402
from convnet_torch import load as load_images  # noqa: E402
from seed_bench_torch import DATA_DIR, train_epoch  # noqa: E402


def training_flops(layer_forward_flops):
    """As step_bench.cpp: the forward pass, every weight's gradient, and every input's but the first's."""
    return sum(f * (2 if i == 0 else 3) for i, f in enumerate(layer_forward_flops))


def report(row, threads, seconds, flops):
    seconds = sorted(seconds)
    print(f"step_bench framework=pytorch row={row} threads={threads} best_s={seconds[0]:.6f} "
          f"median_s={seconds[len(seconds) // 2]:.6f} flops={flops:.4g}", flush=True)


def convnet(x, y, threads, steps):
    torch.manual_seed(1)
    model = build_convnet("keras")
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xb, yb = x[:128].clone(), y[:128].clone()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(3):
        step()
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        step().item()  # as train_on_batch returns the loss as a number
        seconds.append(time.perf_counter() - start)
    b = 128
    report("convnet", threads, seconds,
           training_flops([2 * b * 26 * 26 * 9 * 1 * 32, 2 * b * 11 * 11 * 9 * 32 * 64, 2 * b * 1600 * 10]))


def wide(x, y, threads, epochs):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10),
                          nn.Softmax(dim=1))
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    loss_fn = nn.MSELoss()
    y_onehot = nn.functional.one_hot(y, 10).to(torch.float32)
    generator = torch.Generator().manual_seed(1)
    train_epoch(model, optimizer, loss_fn, x[:2560], y_onehot[:2560], y[:2560], 256, generator)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        train_epoch(model, optimizer, loss_fn, x, y_onehot, y, 256, generator)
        seconds.append(time.perf_counter() - start)
        print(f"pytorch, {threads} thread(s): wide MLP epoch {seconds[-1]:.3f} s", file=sys.stderr)
    n = x.shape[0]
    report("wide", threads, seconds, training_flops([2 * n * 784 * 1024, 2 * n * 1024 * 1024, 2 * n * 1024 * 10]))


def sgemm(threads):
    torch.manual_seed(1)
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(a, b)
        seconds.append(time.perf_counter() - start)
    report("sgemm", threads, seconds, 2.0 * n ** 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--rows", default="convnet,wide,sgemm", help="which rows (default all)")
    parser.add_argument("--steps", type=int, default=20, help="convnet steps timed after 3 warm-up steps")
    parser.add_argument("--epochs", type=int, default=2, help="wide-MLP epochs timed after a short warm-up")
    parser.add_argument("--data-dir", default=DATA_DIR, help="where the Fashion-MNIST .gz files are")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    rows = args.rows.split(",")
    if any(t < 1 for t in threads) or args.steps < 1 or args.epochs < 1:
        parser.error("--threads, --steps and --epochs must be positive")
    if any(r not in ("convnet", "wide", "sgemm") for r in rows):
        parser.error("--rows takes convnet, wide and sgemm")

    (x_conv, y), _ = load_images(args.data_dir)
    x_flat = x_conv.reshape(-1, 784)
    for t in threads:
        torch.set_num_threads(t)
        for row in rows:
            print(f"pytorch, {t} thread(s): {row}", file=sys.stderr)
            if row == "convnet":
                convnet(x_conv, y, t, args.steps)
            elif row == "wide":
                wide(x_flat, y, t, args.epochs)
            else:
                sgemm(t)


if __name__ == "__main__":
    main()
