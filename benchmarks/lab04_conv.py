"""Lab 4 benchmark: the reference NumPy `conv2d` against torch.nn.functional.conv2d on the CPU.

The reference is taken from the lab itself: the code of the solution cells `conv_output_size` and
`conv2d` in assignments/lab04_convolution/lab04_convolution.py (read with jupytext), run after the
lab's imports cell. Both sides get the same float32 inputs (torch's default dtype); each time is the
median of several repeats, timeit-style. The table goes into the README; nothing is asserted.

Both sides run single-threaded by default (NumPy's BLAS through threadpoolctl, torch through
set_num_threads): the ratio then compares the algorithms rather than the core count, and it stays
meaningful on a shared machine, where several busy threads per core make multi-threaded timings erratic.

Usage: .venv/bin/python benchmarks/lab04_conv.py [--threads N]
"""
from __future__ import annotations

import argparse
import statistics
import timeit
from pathlib import Path

import jupytext
import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "assignments" / "lab04_convolution" / "lab04_convolution.py"
CELLS = ("imports", "conv_output_size", "conv2d")  # what the reference conv2d needs, in notebook order
CASES = (((5, 3, 24, 24), (16, 3, 5, 5)),     # the lab's case (exercise 2)
         ((64, 16, 32, 32), (32, 16, 3, 3)))  # a batch of a small CNN's middle layer
WITHIN = 10  # the lab's goal: the vectorised reference within 10x of torch


def reference_conv2d():
    """The lab's solution `conv2d`, executed from its source cells."""
    cells = {cell.metadata.get("id"): cell.source for cell in jupytext.read(NOTEBOOK).cells}
    namespace: dict = {}
    for cell_id in CELLS:
        exec(compile(cells[cell_id], f"{NOTEBOOK.name}:{cell_id}", "exec"), namespace)
    return namespace["conv2d"]


def median_seconds(fn, min_time: float = 0.2, repeat: int = 7) -> float:
    """Median over `repeat` runs of the time per call, each run long enough to time reliably."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for NumPy's BLAS and for torch")
    threads = parser.parse_args().threads
    torch.set_num_threads(threads)
    with threadpool_limits(limits=threads):
        table(reference_conv2d(), threads)


def table(conv2d, threads: int) -> None:
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, torch {torch.__version__}, CPU, float32, {threads} thread(s) each")
    print()
    header = f"| {'case (input x kernels)':<34} | {'reference ms':>12} | {'torch ms':>9} | {'ratio':>6} | within {WITHIN}x |"
    print(header)
    print("|" + "|".join("-" * (len(part) + 0) for part in header.split("|")[1:-1]) + "|")
    for x_shape, w_shape in CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        x_t, w_t = torch.from_numpy(x), torch.from_numpy(w)
        with torch.no_grad():
            expected = F.conv2d(x_t, w_t).numpy()
            np.testing.assert_allclose(conv2d(x, w), expected, rtol=1e-3, atol=1e-3)  # same computation
            ours = median_seconds(lambda: conv2d(x, w))
            theirs = median_seconds(lambda: F.conv2d(x_t, w_t))
        ratio = ours / theirs
        case = f"{x_shape} x {w_shape}"
        print(f"| {case:<34} | {ours * 1e3:>12.3f} | {theirs * 1e3:>9.3f} | {ratio:>6.1f} | "
              f"{'yes' if ratio <= WITHIN else 'no':>{len(f'within {WITHIN}x')}} |")


if __name__ == "__main__":
    main()
