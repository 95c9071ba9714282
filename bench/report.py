"""Prints the side-by-side table from the lines seed_bench and step_bench (strata) and seed_bench_torch.py and
step_bench_torch.py (PyTorch) write:
  seed_bench framework=<name> threads=<n> timed=<n> epoch_s=<s,s,...> infer_best_us=<us>
      infer_median_us=<us> test_accuracy=<a> epochs=<n> peak_rss_mb=<MB>
  step_bench framework=<name> row=<convnet|wide|sgemm> threads=<n> best_s=<s> median_s=<s> flops=<n>
  seed_sweep framework=<name> threads=<n> batch_size=<n> epoch_s=<s>
Each framework gets its best thread count: the fastest epoch for training, the lowest median for inference.
A run with timed=0 was too slow in its warm-up epoch to be timed further (epoch_s holds that warm-up).
The targets are the project's: strata's time (or memory) over PyTorch's, at most the figure given. The
"of peak" column is strata's FLOP rate on that row over its own SGEMM rate (2048^3) on this machine.

Usage: report.py STRATA_OUTPUT PYTORCH_OUTPUT
"""
import sys


# The seed model's training FLOPs per epoch: forward, every weight's gradient, every input's but the first's.
SEED_EPOCH_FLOPS = 2 * 60000 * 784 * 32 * 2 + 2 * 60000 * 32 * 10 * 3
TARGETS = {"seed_epoch": 0.25, "seed_infer": 0.15, "convnet": 0.35, "wide": 0.8, "rss": 1.0}


def result_lines(path, tag):
    """The key=value fields of each line of `path` that begins with `tag`, as dicts of strings."""
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] == tag:
                yield dict(field.split("=", 1) for field in fields[1:])


def parse_steps(path):
    """The best step_bench figure per row, over thread counts: {row: (best_s, threads, flops)}."""
    rows = {}
    for run in result_lines(path, "step_bench"):
        entry = (float(run["best_s"]), int(run["threads"]), float(run["flops"]))
        if run["row"] not in rows or entry[0] < rows[run["row"]][0]:
            rows[run["row"]] = entry
    return rows


def parse(path):
    runs = []
    for run in result_lines(path, "seed_bench"):
        run["threads"] = int(run["threads"])
        run["epoch_s"] = [float(s) for s in run["epoch_s"].split(",")]
        run["epoch_best_s"] = min(run["epoch_s"])
        for key in ("infer_best_us", "infer_median_us", "test_accuracy"):
            run[key] = float(run[key])
        run["epochs"] = int(run["epochs"])
        run["timed"] = int(run["timed"])
        run["peak_rss_mb"] = float(run.get("peak_rss_mb", "nan"))
        runs.append(run)
    if not runs:
        sys.exit(f"report.py: no 'seed_bench ...' result lines in {path}")
    return runs


def parse_sweep(path):
    """The seed epoch at each batch size and thread count: {(batch_size, threads): seconds}."""
    return {(int(r["batch_size"]), int(r["threads"])): float(r["epoch_s"]) for r in result_lines(path, "seed_sweep")}


def print_sweep(strata, torch):
    """How the seed epoch grows with the batch size and the thread count, both frameworks side by side."""
    if not strata or not torch:
        return
    sizes = sorted({b for b, _ in strata} | {b for b, _ in torch})
    threads = sorted({t for _, t in strata} | {t for _, t in torch})
    cell = lambda table, b, t: f"{table[(b, t)]:.3f}" if (b, t) in table else ""
    head = "".join(f" strata {t}t |" for t in threads) + "".join(f" PyTorch {t}t |" for t in threads)
    print("seed MLP, one epoch (s) by batch size and thread count; the ratio is of each side's best:")
    print(f"| batch |{head} strata/PyTorch |")
    print("|---:|" + "---:|" * (2 * len(threads)) + "---:|")
    for b in sizes:
        cells = "".join(f" {cell(strata, b, t)} |" for t in threads) + "".join(f" {cell(torch, b, t)} |" for t in threads)
        s_best = min((strata[(b, t)] for t in threads if (b, t) in strata), default=None)
        t_best = min((torch[(b, t)] for t in threads if (b, t) in torch), default=None)
        ratio = f"{s_best / t_best:.2f}" if s_best and t_best else ""
        print(f"| {b} |{cells} {ratio} |")
    print()


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

    s_steps, t_steps = parse_steps(sys.argv[1]), parse_steps(sys.argv[2])
    s_peak = s_steps["sgemm"][2] / s_steps["sgemm"][0] if "sgemm" in s_steps else None

    def row(label, s, t, target=None, flops=None, ratio=True):
        r = f"{s[0] / t[0]:.2f}" if ratio and t[0] > 0 else ""
        goal = ""
        if target is not None and r:
            goal = f"<= {target:.2f} {'met' if s[0] / t[0] <= target else 'NOT met'}"
        peak = f"{flops / s[0] / s_peak:.0%}" if flops and s_peak else ""
        return f"| {label:<50} | {s[1]:>14} | {t[1]:>14} | {r:>14} | {goal:>12} | {peak:>7} |"

    print()
    print("Fashion-MNIST; the seed model is 784-32(relu)-10(softmax), mse, RMSprop(0.001), batch 128")
    print(f"| {'':<50} | {'strata':>14} | {'PyTorch':>14} | {'strata/PyTorch':>14} | {'target':>12} | "
          f"{'of peak':>7} |")
    print(f"|{'-' * 52}|{'-' * 15}:|{'-' * 15}:|{'-' * 15}:|{'-' * 13}:|{'-' * 8}:|")
    print(row(f"seed MLP, seconds per epoch (best of {timed})",
              (s_train["epoch_best_s"], f"{s_train['epoch_best_s']:.3f} ({s_train['threads']}t)"),
              (t_train["epoch_best_s"], f"{t_train['epoch_best_s']:.3f} ({t_train['threads']}t)"),
              TARGETS["seed_epoch"], SEED_EPOCH_FLOPS))
    print(row("seed MLP, one-image inference, best (us)",
              (s_infer["infer_best_us"], f"{s_infer['infer_best_us']:.1f} ({s_infer['threads']}t)"),
              (t_infer["infer_best_us"], f"{t_infer['infer_best_us']:.1f} ({t_infer['threads']}t)")))
    print(row("seed MLP, one-image inference, median (us)",
              (s_infer["infer_median_us"], f"{s_infer['infer_median_us']:.1f} ({s_infer['threads']}t)"),
              (t_infer["infer_median_us"], f"{t_infer['infer_median_us']:.1f} ({t_infer['threads']}t)"),
              TARGETS["seed_infer"]))
    s_rss = max(r["peak_rss_mb"] for r in strata_runs)
    t_rss = max(r["peak_rss_mb"] for r in torch_runs)
    if s_rss == s_rss and t_rss == t_rss:  # both present (not NaN)
        print(row("seed MLP, peak resident memory of the process (MB)", (s_rss, f"{s_rss:.0f}"),
                  (t_rss, f"{t_rss:.0f}"), TARGETS["rss"]))
    labels = {"convnet": ("Keras's small convnet, one batch-128 step (ms)", 1e3, "convnet"),
              "wide": ("wide MLP 784-1024-1024-10, batch 256, epoch (s)", 1, "wide")}
    for key, (label, scale, target) in labels.items():
        if key in s_steps and key in t_steps:
            (s_s, s_t, flops), (t_s, t_t, _) = s_steps[key], t_steps[key]
            print(row(label, (s_s, f"{s_s * scale:.3f} ({s_t}t)"), (t_s, f"{t_s * scale:.3f} ({t_t}t)"),
                      TARGETS[target], flops))
    if "sgemm" in s_steps and "sgemm" in t_steps:
        (s_s, s_t, flops), (t_s, t_t, _) = s_steps["sgemm"], t_steps["sgemm"]
        print(row("SGEMM 2048^3, GFLOP/s (the peak)", (s_s, f"{flops / s_s / 1e9:.0f} ({s_t}t)"),
                  (t_s, f"{flops / t_s / 1e9:.0f} ({t_t}t)")))
    print(row(f"seed MLP, test accuracy after {s_train['epochs']} epochs",
              (s_train["test_accuracy"], f"{s_train['test_accuracy']:.4f}"),
              (t_train["test_accuracy"], f"{t_train['test_accuracy']:.4f}"), ratio=False))
    print("(Nt): the thread count that gave the figure; the accuracy is that of the fastest-training run.\n"
          "SGEMM's strata/PyTorch is of times: under 1, strata's matmul is the faster.")
    blas = t_train.get("blas", "unknown")
    print(f"PyTorch's BLAS: {blas}")
    if blas == "reference":
        print("WARNING: PyTorch ran on the reference BLAS, several times slower than an optimised one; install\n"
              "libopenblas0-openmp (Debian's libtorch recommends an optimised BLAS) for a fair comparison.")
    print()
    print_sweep(parse_sweep(sys.argv[1]), parse_sweep(sys.argv[2]))
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
