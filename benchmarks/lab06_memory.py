"""Lab 6, part 2: test accuracy against sequence length for the RNN and the LSTM on the memory task.

The reference solution and the lab's own experiment function are read from the assignment (imports,
given cells and solution cells), so the figures are those of the plot students see. Prints a table;
asserts nothing.

    .venv/bin/python benchmarks/lab06_memory.py [--lengths 5 10 20 30 50] [--epochs 10] [--n-train 2000]
                                               [--lr 0.003] [--hidden 32] [--repeats 1]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import time
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "assignments" / "lab06_rnn" / "part2_lstm_memory.py"


def reference_namespace() -> dict:
    """Run the notebook's locked cells (imports, task, experiment) and its solution cells."""
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):  # the cells' demo prints
        for cell in jupytext.read(NOTEBOOK).cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and ("solution" in tags or "readonly" in tags):
                exec(compile(cell.source, f"{NOTEBOOK.name}:{cell.metadata.get('id')}", "exec"), namespace)
    return namespace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 20, 30, 50])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm"])
    parser.add_argument("--repeats", type=int, default=1, help="runs of the whole experiment; times are medians")
    args = parser.parse_args()

    import torch

    ns = reference_namespace()
    times, results = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            results = ns["accuracy_against_length"](args.lengths, cells=tuple(args.cells), n_train=args.n_train,
                                                    epochs=args.epochs, hidden_size=args.hidden, lr=args.lr)
        times.append(time.perf_counter() - start)

    print(f"Lab 6 part 2 — memory task ({ns['NUM_DIGITS']} digits, label = the first), {args.n_train} training / "
          f"500 test sequences, hidden {args.hidden}, Adam lr {args.lr:g}, batch 32, {args.epochs} epochs, clip 1")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, torch {torch.__version__} "
          f"({torch.get_num_threads()} thread), load average {os.getloadavg()[0]:.1f}\n")
    print("| T | " + " | ".join(f"{cell.upper()} test accuracy" for cell in args.cells) + " |")
    print("| ---: |" + " ---: |" * len(args.cells))
    for k, T in enumerate(args.lengths):
        print(f"| {T} | " + " | ".join(f"{results[cell][k]:.3f}" for cell in args.cells) + " |")
    print(f"\nwhole experiment ({len(args.lengths)} lengths x {len(args.cells)} cells): "
          f"{statistics.median(times):.1f} s (median of {len(times)})")


if __name__ == "__main__":
    main()
