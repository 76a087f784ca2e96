"""Lab 5 benchmark: the reference CNNs of Parts 1 and 2 trained in full on this machine's CPU.

The models and loops are the lab's own reference solutions: the solution cells of
assignments/lab05_cnn_training/part1_digits.py and part2_mnist.py (read with jupytext), run after
their imports and data cells, with the notebooks' settings:

- Part 1: MySimpleCNN on the scikit-learn digits (500 training, 1,297 test images), Adam (lr 1e-3),
  batches of 100, 40 epochs, with train_epoch and evaluate; one row per seed.
- Part 2: mnist_convnet (15 epochs) and bn_convnet (5 epochs, then on to 15) with fit, Adam (lr 1e-3),
  batches of 128, on the MNIST that load_mnist gives (here the bundled 8,000 / 2,000 split; the last
  10 % of the training images validate); seconds and accuracies per epoch.

Times are wall-clock seconds of training (and fit's validation), without the test evaluation. The
tables go into the README; nothing is asserted.

Usage: .venv/bin/python benchmarks/lab05_cnn.py [--threads N] [--seeds 0 1 2] [--part 1 2]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import jupytext
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's autograder package, which the notebooks import
LAB = ROOT / "assignments" / "lab05_cnn_training"
PART1 = ("imports", "data", "Digits", "loaders", "MySimpleCNN", "train_epoch", "evaluate")
PART2 = ("imports", "mnist_tensors", "count_parameters", "mnist_convnet", "bn_convnet", "fit")


def reference(notebook: str, cells: tuple[str, ...]) -> dict:
    """The namespace after running the given cells of one of the lab's notebooks (reference solutions)."""
    path = LAB / f"{notebook}.py"
    sources = {cell.metadata.get("id"): cell.source for cell in jupytext.read(path).cells}
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell_id in cells:
            exec(compile(sources[cell_id], f"{path.name}:{cell_id}", "exec"), namespace)
    return namespace


def digits_table(seeds: list[int], epochs: int = 40) -> None:
    lab = reference("part1_digits", PART1)
    device = torch.device("cpu")
    print(f"Part 1: MySimpleCNN on the digits ({len(lab['train_loader'].dataset)} training, "
          f"{len(lab['test_loader'].dataset)} test images), Adam lr 1e-3, batches of 100, {epochs} epochs\n")
    print("| seed | training time s | s / epoch | final training loss | test accuracy |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for seed in seeds:
        torch.manual_seed(seed)
        model = lab["MySimpleCNN"]()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        start = time.perf_counter()
        for _ in range(epochs):
            loss = lab["train_epoch"](model, lab["train_loader"], loss_fn, optimizer, device)
        seconds = time.perf_counter() - start
        accuracy = lab["evaluate"](model, lab["test_loader"], device)
        print(f"| {seed} | {seconds:.2f} | {seconds / epochs:.3f} | {loss:.4f} | {accuracy:.2%} |", flush=True)
    print()


def mnist_tables(seed: int) -> None:
    lab = reference("part2_mnist", PART2)
    from autograder.data import load_mnist
    from torch.utils.data import DataLoader, TensorDataset

    split = load_mnist(verbose=False)
    x_all, y_all = lab["mnist_tensors"](split.x_train, split.y_train)
    x_test, y_test = lab["mnist_tensors"](split.x_test, split.y_test)
    n_val = len(x_all) // 10
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(TensorDataset(x_all[:-n_val], y_all[:-n_val]), batch_size=128, shuffle=True,
                              generator=generator)
    val_loader = DataLoader(TensorDataset(x_all[-n_val:], y_all[-n_val:]), batch_size=1000)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
    device = torch.device("cpu")

    def test_accuracy(model) -> float:
        model.eval()
        with torch.no_grad():
            return sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader) / len(x_test)

    for name, epochs in (("mnist_convnet", 15), ("bn_convnet", 15)):
        torch.manual_seed(seed)
        model = lab[name]()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        print(f"Part 2: {name} ({lab['count_parameters'](model):,} parameters) on {split.source} MNIST "
              f"({len(x_all) - n_val:,} training, {n_val:,} validation, {len(x_test):,} test images), "
              f"Adam lr 1e-3, batches of 128, seed {seed}\n")
        print("| epoch | s / epoch | training loss | training accuracy | validation accuracy | test accuracy | "
              "training time so far s |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        total, per_epoch = 0.0, []
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                history = lab["fit"](model, train_loader, val_loader, 1, optimizer, torch.nn.CrossEntropyLoss(),
                                     device)
            seconds = time.perf_counter() - start
            total += seconds
            per_epoch.append(seconds)
            print(f"| {epoch} | {seconds:.2f} | {history['loss'][0]:.4f} | {history['accuracy'][0]:.2%} | "
                  f"{history['val_accuracy'][0]:.2%} | {test_accuracy(model):.2%} | {total:.1f} |", flush=True)
        print(f"\nmedian {statistics.median(per_epoch):.2f} s per epoch\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch's CPU threads")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds of the digits runs")
    parser.add_argument("--part", type=int, nargs="+", default=[1, 2], choices=(1, 2))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, CPU, {args.threads} thread(s); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    if 1 in args.part:
        digits_table(args.seeds)
    if 2 in args.part:
        mnist_tables(args.seeds[0])


if __name__ == "__main__":
    main()
