"""Checks that strata's training step of Keras's "simple MNIST convnet" is PyTorch's, number for number.

The network of examples/convnet.cpp without its Dropout (so the step is deterministic): Conv2D(32, 3, relu) ->
MaxPool(2) -> Conv2D(64, 3, relu) -> MaxPool(2) -> Flatten -> Dense(10, softmax), sparse categorical
cross-entropy, Adam(lr=1e-3, epsilon=1e-7), on the first 128 Fashion-MNIST training images.

torch draws the initial weights (xavier_uniform kernels as Keras's glorot_uniform, and small random biases
so that the bias gradients are tested too), converts them to Keras's layouts and writes them with the batch
into a temporary directory; bench/convnet_step_check.cpp (built with -DSTRATA_BUILD_BENCH=ON) reads them,
writes the softmax output and the gradients at the initial weights, runs train_on_batch `steps` times and
writes the final weights. The same steps then run here in float32 and in float64, and every number is
compared. strata runs in float32 (the example's dtype) or, with --dtype float64, in float64: float64 takes
rounding out of the comparison, so any difference left is a difference in the computation.

The torch side computes the loss as Keras does (softmax, clip to [1e-7, 1 - 1e-7], log; see
keras_sparse_categorical_crossentropy), not with nn.CrossEntropyLoss, which differs once a label's
probability passes 1 - 1e-7. Two Adams run on the torch side. "keras-adam" is Keras's update written out
(keras/src/optimizers/adam.py):
  alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t);  w -= alpha * m / (sqrt(v) + epsilon)
which strata implements, so it must agree to rounding. torch.optim.Adam adds epsilon after dividing sqrt(v)
by sqrt(1 - beta_2^t): its epsilon is Keras's times sqrt(1 - beta_2^t) (3% of it at step 1, 80% at step
1000), a real difference between the two frameworks' Adams, shown for information.

Differences are relative to the reference array's norm (||a - b|| / ||b||) and its largest entry. In
float32 a long run cannot agree to a fixed tolerance: while Adam's v is small, a gradient entry near zero
whose sign rounding flips moves its weight by about a learning rate either way, and these flips compound.
So strata in float32 passes when each of its arrays is as close to the float64 keras-adam run as torch's
float32 run is (within a factor of 3), or within the tolerances below.

Usage: /usr/bin/python3 bench/convnet_step_check.py [--binary build/bench/convnet_step_check]
           [--steps 5] [--seed 0] [--dtype float32|float64] [--keep]
Exit status 0 when strata agrees, 1 when it does not.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_bench_torch import DATA_DIR, load_idx  # noqa: E402

BATCH = 128
NAMES = ["conv2d.kernel", "conv2d.bias", "conv2d_1.kernel", "conv2d_1.bias", "dense.kernel", "dense.bias"]
# Relative (to the norm) agreement expected of two computations of the same thing in each dtype: the loss,
# the softmax output and the gradients of step 1, and the weights after the steps.
TOLERANCES = {"float32": {"loss": 1e-5, "output": 1e-5, "gradients": 1e-5, "weights": 1e-4},
              "float64": {"loss": 1e-12, "output": 1e-12, "gradients": 1e-11, "weights": 1e-9}}
FLOAT32_NOISE_FACTOR = 3


def build_model():
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 10))
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.uniform_(layer.bias, -0.05, 0.05)
    return model


def parameters(model):
    """The torch parameters in Keras's weight order: conv kernel, bias, conv kernel, bias, dense kernel, bias."""
    return [p for layer in model if isinstance(layer, (nn.Conv2d, nn.Linear)) for p in (layer.weight, layer.bias)]


def to_keras(index, value):
    """A torch weight (or its gradient) in Keras's layout, as a float64 numpy array."""
    value = value.detach().to(torch.float64)
    if index in (0, 2):  # conv kernel: torch (out, in, kh, kw) -> Keras (kh, kw, in, out)
        value = value.permute(2, 3, 1, 0)
    elif index == 4:
        # Keras flattens NHWC (row (h*5+w)*64+c), torch NCHW (column c*25+h*5+w); torch's Linear weight is
        # (out, in), Keras's kernel (in, out).
        value = value.reshape(10, 64, 5, 5).permute(2, 3, 1, 0).reshape(1600, 10)
    return value.contiguous().numpy()


def load_batch(data_dir):
    x = load_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))[:BATCH].astype(np.float32) / 255.0
    y = load_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))[:BATCH].astype(np.int64)
    return x, y


class KerasAdam:
    """Keras's Adam update (keras/src/optimizers/adam.py), with beta_1=0.9, beta_2=0.999, amsgrad off."""

    def __init__(self, params, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params, self.lr, self.beta_1, self.beta_2, self.epsilon = params, lr, beta_1, beta_2, epsilon
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.iterations = 0

    @torch.no_grad()
    def step(self):
        t = self.iterations + 1
        alpha = self.lr * (1 - self.beta_2 ** t) ** 0.5 / (1 - self.beta_1 ** t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.add_((g - m) * (1 - self.beta_1))
            v.add_((g * g - v) * (1 - self.beta_2))
            p.sub_(alpha * m / (v.sqrt() + self.epsilon))
        self.iterations = t


def keras_sparse_categorical_crossentropy(logits, labels):
    """Keras's softmax + sparse_categorical_crossentropy (from_logits=False) as its numpy, torch and jax
    backends compute it: the probabilities renormalised, clipped to [1e-7, 1 - 1e-7] and logged, averaged
    over the batch. It is nn.CrossEntropyLoss up to rounding until a probability of a label passes
    1 - 1e-7 (after ~50 steps on one batch): the clip then zeroes that sample's gradient, which
    CrossEntropyLoss keeps. (Keras's TensorFlow backend takes the softmax's logits instead and never clips.)"""
    p = torch.softmax(logits, dim=1)
    p = p / p.sum(dim=1, keepdim=True)
    return -torch.log(p.clamp(1e-7, 1 - 1e-7)).gather(1, labels[:, None]).mean()


def train(initial, x, y, dtype, optimizer_name, steps):
    """`steps` steps from `initial` (a state_dict) in `dtype`; returns a dict of the losses, the softmax
    output and gradients of step 1, and the final weights, in Keras's layouts as float64 arrays."""
    model = build_model().to(dtype)
    model.load_state_dict({k: v.to(dtype) for k, v in initial.items()})
    params = parameters(model)
    if optimizer_name == "keras-adam":
        optimizer = KerasAdam(params)
    else:
        optimizer = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
    xb = torch.from_numpy(x).to(dtype).reshape(BATCH, 1, 28, 28)
    yb = torch.from_numpy(y)
    result = {"loss": []}
    for step in range(steps):
        for p in params:
            p.grad = None
        logits = model(xb)
        loss = keras_sparse_categorical_crossentropy(logits, yb)
        loss.backward()
        if step == 0:
            result["gradients"] = [to_keras(i, p.grad) for i, p in enumerate(params)]
            result["output"] = [torch.softmax(logits.detach(), dim=1).to(torch.float64).numpy()]
        result["loss"].append(loss.item())
        optimizer.step()
    result["loss"] = [np.array(result["loss"])]
    result["weights"] = [to_keras(i, p) for i, p in enumerate(params)]
    return result


def difference(a, b):
    """(||a - b|| / ||b||, max |a - b| / max |b|)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm(a - b) / np.linalg.norm(b), np.abs(a - b).max() / np.abs(b).max()


def compare(title, key, strata, runs, strata_dtype, check=True):
    """Prints strata against torch float32 and float64 and torch float32 against float64 for each array of
    `key`; returns whether strata agrees (see the module's docstring)."""
    torch32, torch64 = runs[torch.float32][key], runs[torch.float64][key]
    names = NAMES if len(strata[key]) == len(NAMES) else [key]
    print(f"\n{title}   (relative to the norm / to the largest entry)")
    agree = True
    for name, s, t32, t64 in zip(names, strata[key], torch32, torch64):
        vs32, vs64, noise = difference(s, t32), difference(s, t64), difference(t32, t64)
        tolerance = TOLERANCES[strata_dtype][key]
        allowed = max(tolerance, FLOAT32_NOISE_FACTOR * noise[0]) if strata_dtype == "float32" else tolerance
        ok = not check or vs64[0] <= allowed
        agree = agree and ok
        print(f"  {name:16s} strata-torch32 {vs32[0]:.1e} / {vs32[1]:.1e}   strata-torch64 {vs64[0]:.1e} / "
              f"{vs64[1]:.1e}   torch32-torch64 {noise[0]:.1e} / {noise[1]:.1e}{'' if ok else '   <-- DIFFERS'}")
    return agree


def run_strata(binary, x, y, initial_keras, steps, strata_dtype, keep):
    """Writes the batch and weights, runs the strata program, reads back what it wrote."""
    element = "<f8" if strata_dtype == "float64" else "<f4"
    directory = tempfile.mkdtemp(prefix="convnet_step_check_")
    try:
        x.reshape(BATCH, 28, 28, 1).astype(element).tofile(os.path.join(directory, "x.bin"))  # NHWC, C = 1
        y.astype("<i4").tofile(os.path.join(directory, "y.bin"))
        for i, w in enumerate(initial_keras):
            w.astype(element).tofile(os.path.join(directory, f"w{i}.bin"))
        run = subprocess.run([binary, directory, str(steps), strata_dtype], capture_output=True, text=True)
        sys.stdout.write(run.stdout)
        if run.returncode != 0:
            sys.stderr.write(run.stderr)
            sys.exit(f"{binary} failed with status {run.returncode}")

        def read(name, dtype, shape):
            return np.fromfile(os.path.join(directory, name), dtype=dtype).reshape(shape).astype(np.float64)

        return {"loss": [read("losses.bin", "<f8", (steps,))], "reported": read("reported.bin", "<f8", (steps,)),
                "output": [read("probs.bin", element, (BATCH, 10))],
                "gradients": [read(f"grad{i}.bin", element, w.shape) for i, w in enumerate(initial_keras)],
                "weights": [read(f"final{i}.bin", element, w.shape) for i, w in enumerate(initial_keras)]}
    finally:
        if keep:
            print(f"exchange directory: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(root, "build", "bench", "convnet_step_check"),
                        help="the strata program (bench/convnet_step_check.cpp)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="torch seed of the initial weights")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="strata's dtype")
    parser.add_argument("--data", default=DATA_DIR, help="where the Fashion-MNIST .gz files are")
    parser.add_argument("--keep", action="store_true", help="keep the exchange directory and print its path")
    args = parser.parse_args()
    if args.steps < 1:
        parser.error("--steps must be positive")

    torch.manual_seed(args.seed)
    model = build_model()
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    initial_keras = [to_keras(i, p) for i, p in enumerate(parameters(model))]
    x, y = load_batch(args.data)
    strata = run_strata(args.binary, x, y, initial_keras, args.steps, args.dtype, args.keep)

    keras_adam = {dtype: train(initial, x, y, dtype, "keras-adam", args.steps)
                  for dtype in (torch.float32, torch.float64)}
    torch_adam = {dtype: train(initial, x, y, dtype, "torch.optim.Adam", args.steps)
                  for dtype in (torch.float32, torch.float64)}

    # train_on_batch reports the loss through Keras's loss tracker, a float32 Mean: the step's loss rounded
    # to float32 (exactly it in a float32 run).
    reported_rel = np.abs(strata["reported"] - strata["loss"][0]) / np.abs(strata["loss"][0])
    reported_ok = reported_rel.max() <= 2.0 ** -23
    print(f"\ntrain_on_batch's reported losses against the losses in {args.dtype}: max relative difference "
          f"{reported_rel.max():.1e} ({'within' if reported_ok else 'NOT within'} float32 rounding)")
    print(f"\nloss per step   strata {args.dtype:7s}   torch f32 keras-adam   torch f64 keras-adam   "
          f"torch f32 torch.optim.Adam")
    for step in range(args.steps):
        row = [strata, keras_adam[torch.float32], keras_adam[torch.float64], torch_adam[torch.float32]]
        print(f"  step {step + 1:3d} {row[0]['loss'][0][step]:18.12f}"
              + "".join(f" {run['loss'][0][step]:22.12f}" for run in row[1:]))

    parts = {"loss": "losses of every step", "output": "softmax output at the initial weights",
             "gradients": "gradients of step 1", "weights": f"weights after {args.steps} steps"}
    agree = {key: compare(title + " (keras-adam)", key, strata, keras_adam, args.dtype)
             for key, title in parts.items()}
    compare(f"weights after {args.steps} steps against torch.optim.Adam (information only: epsilon differs)",
            "weights", strata, torch_adam, args.dtype, check=False)

    agree["reported loss"] = reported_ok
    verdict = all(agree.values())
    print(f"\nverdict ({args.dtype}): {'AGREE' if verdict else 'DISAGREE'}: "
          + ", ".join(f"{key} {'agree' if ok else 'DIFFER'}" for key, ok in agree.items()))
    sys.exit(0 if verdict else 1)


if __name__ == "__main__":
    main()
