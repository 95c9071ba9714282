"""The PyTorch twin of examples/convnet.cpp (Keras's "simple MNIST convnet" on Fashion-MNIST), used to compare
accuracy and step time with strata's side by side.

Same network and hyperparameters as the Keras example: Conv2D(32, 3, relu) -> MaxPool(2) -> Conv2D(64, 3,
relu) -> MaxPool(2) -> Flatten -> Dropout(0.5) -> Dense(10, softmax); Adam(lr=1e-3, epsilon=1e-7); sparse
categorical cross-entropy; batch 128; validation_split=0.1 (Keras holds out the *last* 10% of the arrays,
unshuffled, and shuffles the rest each epoch). Kernels start from glorot_uniform and biases from zeros, as
Keras's Conv2D and Dense do (PyTorch's own default is kaiming_uniform(a=sqrt(5))).

The optimizer is PyTorch's own Adam, as a PyTorch user would train; it adds epsilon after the bias correction,
so its epsilon is Keras's times sqrt(1 - beta_2^t), a difference too small to move the accuracy
(bench/convnet_step_check.py runs Keras's exact update and matches strata's step to rounding).

Flatten order: Keras flattens NHWC, PyTorch NCHW; the order only permutes the Dense kernel's rows, which
glorot_uniform draws i.i.d., so the two start from the same distribution.

One machine-readable line per seed goes to stdout:
  convnet framework=pytorch seed=1 epochs=1 test_accuracy=0.8470 step_ms=47.1 threads=2
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_bench_torch import DATA_DIR, load_idx  # noqa: E402


def load(data_dir):
    def part(images, labels):
        x = load_idx(os.path.join(data_dir, images)).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
        y = load_idx(os.path.join(data_dir, labels)).astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)

    return (part("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
            part("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))


def build_model(init):
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    if init == "torch":
        return model
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def accuracy(model, x, y, batch_size=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for begin in range(0, x.shape[0], batch_size):
            correct += (model(x[begin:begin + batch_size]).argmax(1) == y[begin:begin + batch_size]).sum().item()
    return correct / x.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--data", default=DATA_DIR)
    parser.add_argument("--init", choices=["keras", "torch"], default="keras",
                        help="keras: glorot_uniform kernels and zero biases (strata's and Keras's defaults); "
                             "torch: PyTorch's own defaults, for comparison")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    (x_train, y_train), (x_test, y_test) = load(args.data)
    split = int(x_train.shape[0] * 0.9)  # Keras: the last 10% is the validation set
    x_fit, y_fit = x_train[:split], y_train[:split]
    # softmax + cross-entropy as one log-softmax, exactly what Keras computes from the softmax's logits.
    loss_fn = nn.CrossEntropyLoss()
    for seed in args.seeds:
        torch.manual_seed(seed)
        model = build_model(args.init)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        steps, elapsed = 0, 0.0
        for epoch in range(args.epochs):
            model.train()
            order = torch.randperm(split)
            for begin in range(0, split, 128):
                index = order[begin:begin + 128]
                start = time.perf_counter()
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(x_fit[index]), y_fit[index])
                loss.backward()
                optimizer.step()
                elapsed += time.perf_counter() - start
                steps += 1
            print(f"seed {seed} epoch {epoch + 1}: val_accuracy {accuracy(model, x_train[split:], y_train[split:]):.4f}",
                  file=sys.stderr)
        print(f"convnet framework=pytorch seed={seed} epochs={args.epochs} "
              f"test_accuracy={accuracy(model, x_test, y_test):.4f} step_ms={1000 * elapsed / steps:.1f} "
              f"threads={args.threads} init={args.init}", flush=True)


if __name__ == "__main__":
    main()
