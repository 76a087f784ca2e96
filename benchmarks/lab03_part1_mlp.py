"""Lab 3, part 1: time per epoch and test error of the reference NumPy MLP on the bundled MNIST split.

The reference solution is read from the assignment itself (its imports and solution cells), so the
figures are those of the code students are graded against. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/lab03_part1_mlp.py [--epochs 20] [--hidden 128] [--batch-size 16] [--lr 2]
                                                   [--threads 1 2]

Each configuration runs once per BLAS thread count (threadpoolctl): with batches of 16 the matrix products
are small, and on a busy 2-core machine a second BLAS thread mostly waits for the first.
"""
from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import jupytext
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "assignments" / "lab03_mlp_backprop" / "part1_numpy_mlp.py"


def reference_namespace() -> dict:
    """Run the notebook's imports and solution cells (not its data or training cells)."""
    namespace: dict = {}
    for cell in jupytext.read(NOTEBOOK).cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("solution" in tags or cell.metadata.get("id") == "imports"):
            exec(compile(cell.source, f"{NOTEBOOK.name}:{cell.metadata.get('id')}", "exec"), namespace)
    return namespace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2.0)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="BLAS thread counts to try")
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    from autograder.data import bundled_mnist

    ns = reference_namespace()
    split = bundled_mnist()
    X_train = split.x_train.reshape(len(split.x_train), -1) / 255.0
    X_test = split.x_test.reshape(len(split.x_test), -1) / 255.0
    Y_train, Y_test = ns["one_hot"](split.y_train), ns["one_hot"](split.y_test)

    print(f"Lab 3 part 1 — NumPy MLP on the bundled MNIST split ({len(X_train):,} train / {len(X_test):,} test), "
          f"batch {args.batch_size}, lr {args.lr}, {args.epochs} epochs")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, numpy {np.__version__}\n")
    print("| layers | BLAS threads | s / epoch (median) | s / epoch (fastest) | training time (s) | train error "
          "| test error |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for hidden, threads in ((h, t) for h in args.hidden for t in args.threads):
        sizes = [784, hidden, 10]
        model = ns["MLP"](sizes, X_train, Y_train, X_test, Y_test, seed=0)
        per_epoch: list[float] = []  # train() times the SGD of each epoch and passes it to record()
        model.record = lambda epoch, seconds, verbose=False: per_epoch.append(seconds)
        with threadpool_limits(limits=threads, user_api="blas"):
            model.train(batch_size=args.batch_size, epochs=args.epochs, lr=args.lr)
        seconds = sum(per_epoch)
        train_error = 1 - model.evaluate(X_train, Y_train)[1]
        test_error = 1 - model.evaluate(X_test, Y_test)[1]
        print(f"| {sizes} | {threads} | {np.median(per_epoch):.3f} | {min(per_epoch):.3f} | {seconds:.1f} "
              f"| {100 * train_error:.2f}% | {100 * test_error:.2f}% |")


if __name__ == "__main__":
    main()
