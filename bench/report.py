"""Prints the side-by-side table from the lines seed_bench (strata) and seed_bench_torch.py (PyTorch) write:
  seed_bench framework=<name> threads=<n> timed=<n> epoch_s=<s,s,...> infer_best_us=<us>
      infer_median_us=<us> test_accuracy=<a> epochs=<n>
Each framework gets its best thread count: the fastest epoch for training, the lowest median for inference.
A run with timed=0 was too slow in its warm-up epoch to be timed further (epoch_s holds that warm-up).

Usage: report.py STRATA_OUTPUT PYTORCH_OUTPUT
"""
import sys


def parse(path):
    runs = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0] != "seed_bench":
                continue
            run = dict(field.split("=", 1) for field in fields[1:])
            run["threads"] = int(run["threads"])
            run["epoch_s"] = [float(s) for s in run["epoch_s"].split(",")]
            run["epoch_best_s"] = min(run["epoch_s"])
            for key in ("infer_best_us", "infer_median_us", "test_accuracy"):
                run[key] = float(run[key])
            run["epochs"] = int(run["epochs"])
            run["timed"] = int(run["timed"])
            runs.append(run)
    if not runs:
        sys.exit(f"report.py: no 'seed_bench ...' result lines in {path}")
    return runs


def best(runs):
    timed = [r for r in runs if r["timed"] > 0] or runs
    train = min(timed, key=lambda r: r["epoch_best_s"])
    infer = min(runs, key=lambda r: r["infer_median_us"])
    return train, infer


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    strata_runs, torch_runs = parse(sys.argv[1]), parse(sys.argv[2])
    (s_train, s_infer), (t_train, t_infer) = best(strata_runs), best(torch_runs)
    timed = s_train["timed"]

    def row(label, s, t, ratio=True):
        r = f"{s[0] / t[0]:.2f}" if ratio and t[0] > 0 else ""
        return f"| {label:<44} | {s[1]:>16} | {t[1]:>16} | {r:>14} |"

    print()
    print("seed model 784-32(relu)-10(softmax), Fashion-MNIST 60000/10000, mse, RMSprop(0.001), batch 128")
    print(f"| {'':<44} | {'strata':>16} | {'PyTorch':>16} | {'strata/PyTorch':>14} |")
    print(f"|{'-' * 46}|{'-' * 17}:|{'-' * 17}:|{'-' * 15}:|")
    print(row(f"seconds per epoch (best of {timed} after warm-up)",
              (s_train["epoch_best_s"], f"{s_train['epoch_best_s']:.3f} ({s_train['threads']}t)"),
              (t_train["epoch_best_s"], f"{t_train['epoch_best_s']:.3f} ({t_train['threads']}t)")))
    print(row("one-image inference, best (us)",
              (s_infer["infer_best_us"], f"{s_infer['infer_best_us']:.1f} ({s_infer['threads']}t)"),
              (t_infer["infer_best_us"], f"{t_infer['infer_best_us']:.1f} ({t_infer['threads']}t)")))
    print(row("one-image inference, median (us)",
              (s_infer["infer_median_us"], f"{s_infer['infer_median_us']:.1f} ({s_infer['threads']}t)"),
              (t_infer["infer_median_us"], f"{t_infer['infer_median_us']:.1f} ({t_infer['threads']}t)")))
    print(row(f"test accuracy after {s_train['epochs']} epochs",
              (s_train["test_accuracy"], f"{s_train['test_accuracy']:.4f}"),
              (t_train["test_accuracy"], f"{t_train['test_accuracy']:.4f}"), ratio=False))
    print("(Nt): the thread count that gave the figure; the accuracy is that of the fastest-training run.")
    blas = t_train.get("blas", "unknown")
    print(f"PyTorch's BLAS: {blas}")
    if blas == "reference":
        print("WARNING: PyTorch ran on the reference BLAS, several times slower than an optimised one; install\n"
              "libopenblas0-openmp (Debian's libtorch recommends an optimised BLAS) for a fair comparison.")
    print()
    print("every run:")
    for run in strata_runs + torch_runs:
        epochs = "epochs " + ", ".join(f"{s:.3f}" for s in run["epoch_s"]) + " s"
        if run["timed"] == 0:
            epochs = f"warm-up epoch {run['epoch_s'][0]:.3f} s, too slow to win: not timed further"
        print(f"  {run['framework']:<8} {run['threads']} thread(s): {epochs}; inference best "
              f"{run['infer_best_us']:.1f} us, median {run['infer_median_us']:.1f} us; "
              f"test accuracy {run['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
