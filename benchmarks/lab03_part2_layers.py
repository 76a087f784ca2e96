"""Lab 3, part 2: model selection, training time and test error of the reference layer-framework network on the bundled MNIST split.

The reference solution and the training runs are read from the assignment itself: its imports, given
and solution cells, then its data cell, its selection cell (`select_mnist`: two hidden-layer sizes,
every number of epochs up to 20, on a validation split of the training digits) and its training cell
(`train_mnist`: the chosen network retrained on all training digits, tested once), exactly as a
student's notebook runs them outside grading, except that the data is always the bundled split.
Prints a table; asserts nothing.

    .venv/bin/python benchmarks/lab03_part2_layers.py [--runs 1] [--threads 1 2]

BLAS threads matter: on a busy machine, threads that wait for a core can make a run many times
slower; --threads runs each setting in turn (default: the library's own choice).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # the notebook's plots are drawn and discarded
os.environ.pop("NBGRADER_EXECUTION", None)  # the full training run, not the grading fast path

import jupytext  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "assignments" / "lab03_mlp_backprop" / "part2_layers.py"
CELLS = ("imports", "base_layers", "mnist_data", "select_mnist", "train_mnist")  # besides the solution cells


def run_notebook(seed: int) -> dict:
    """Run the notebook's code up to its training cell (tests and plots after it are skipped)."""
    from autograder.data import bundled_mnist

    namespace: dict = {}
    for cell in jupytext.read(NOTEBOOK).cells:
        tags, cell_id = cell.metadata.get("tags", []), cell.metadata.get("id")
        if cell.cell_type != "code" or not ("solution" in tags or cell_id in CELLS):
            continue
        source = cell.source
        if cell_id in ("select_mnist", "train_mnist"):  # other seeds for repeated runs
            source = source.replace("np.random.seed(0)", f"np.random.seed({seed})")
            source = source.replace("np.random.default_rng(0)", f"np.random.default_rng({seed})")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"{NOTEBOOK.name}:{cell_id}", "exec"), namespace)
        if cell_id == "imports":
            namespace["load_mnist"] = lambda: bundled_mnist()
    return namespace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="training runs, with seeds 0, 1, ...")
    parser.add_argument("--threads", type=int, nargs="+", default=[None], help="BLAS thread limits to compare")
    args = parser.parse_args()

    print("Lab 3 part 2 — layer framework, 784-H(ReLU)-10 softmax network, SGD (lr 0.1, batch 32), random 1-pixel "
          "shifts; H in (64, 256) and the epochs (<= 20) chosen on 1,000 validation digits, then retrained on all "
          "8,000 training digits and tested once on the 2,000 test digits (bundled MNIST split)")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| BLAS threads | seed | chosen H | chosen epochs | selection time (s) | training time (s) | CPU time (s) | "
          "s / epoch | train error | test error |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for threads, seed in ((t, s) for t in args.threads for s in range(args.runs)):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        with threadpool_limits(limits=threads):
            ns = run_notebook(seed)
        cpu = time.process_time() - cpu_start  # includes loading the data (well under a second)
        epochs, seconds = ns["epochs"], ns["training_seconds"]
        selection = time.perf_counter() - wall_start - seconds
        print(f"| {threads or 'default'} | {seed} | {ns['best_hidden']} | {epochs} | {selection:.1f} | {seconds:.1f} | "
              f"{cpu:.1f} | {seconds / epochs:.2f} | {100 * ns['history']['train_error'][-1]:.2f}% | "
              f"{100 * ns['test_error']:.2f}% |", flush=True)


if __name__ == "__main__":
    main()
