"""Time and peak memory of a lab's source notebooks, run whole: in grading mode and in the full setting.

    python benchmarks/notebook_cost.py lab07_pretrained_models [--modes grading full] [--slowest 5]

Each notebook runs in a fresh kernel with nbclient (kernel start included in the time), in a scratch
folder; grading mode sets NBGRADER_EXECUTION as nbgrader does. The peak memory is the kernel's own
maximum resident set size (getrusage), read by a cell appended at the end. Prints a table, then the
slowest cells of each run. The kernel's CPU time (user + system) hardly depends on the other
programs of a shared machine, unlike the wall-clock time.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.course import load_lab  # noqa: E402

PEAK = ("import resource; _usage = resource.getrusage(resource.RUSAGE_SELF); "
        "print('PEAK_RSS_KB', _usage.ru_maxrss, 'CPU_S', _usage.ru_utime + _usage.ru_stime)")


def run(source: Path, grading: bool) -> tuple[float, float, float, list[tuple[float, str]], list[str]]:
    """(seconds, CPU seconds of the kernel, peak MB, [(seconds, cell id)], errors) of one whole run."""
    from nbclient import NotebookClient

    nb = nbformat.read(source, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    old = os.environ.pop("NBGRADER_EXECUTION", None)
    if grading:
        os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for extra in source.parent.iterdir():
                if extra.is_dir():
                    shutil.copytree(extra, Path(scratch) / extra.name)
            client = NotebookClient(nb, timeout=1800, kernel_name="python3", allow_errors=True,
                                    resources={"metadata": {"path": scratch}})
            cells = []
            start = time.perf_counter()
            with client.setup_kernel():
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type == "code":
                        began = time.perf_counter()
                        client.execute_cell(cell, index)
                        cells.append((time.perf_counter() - began, cell.get("id", str(index))))
            seconds = time.perf_counter() - start
    finally:
        os.environ.pop("NBGRADER_EXECUTION", None)
        if old is not None:
            os.environ["NBGRADER_EXECUTION"] = old
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    peak_mb = int(text.split("PEAK_RSS_KB")[1].split()[0]) / 1024 if "PEAK_RSS_KB" in text else float("nan")
    cpu = float(text.split("CPU_S")[1].split()[0]) if "CPU_S" in text else float("nan")
    errors = [f"{c.get('id')}: {o.ename}: {o.evalue[:120]}" for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error" and not c.metadata.get("nbgrader", {}).get("grade")]
    return seconds, cpu, peak_mb, sorted(cells, reverse=True), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab")
    parser.add_argument("--modes", nargs="+", choices=("grading", "full"), default=["grading", "full"])
    parser.add_argument("--slowest", type=int, default=5, help="how many of the slowest cells to list")
    args = parser.parse_args()
    lab = load_lab(args.lab, ROOT)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start\n")
    print("| notebook | mode | time (s) | CPU time of the kernel (s) | peak memory of the kernel (MB) |\n"
          "| --- | --- | ---: | ---: | ---: |")
    details = []
    for name in lab.notebooks:
        for mode in args.modes:
            seconds, cpu, peak, cells, errors = run(ROOT / "source" / lab.id / f"{name}.ipynb", mode == "grading")
            print(f"| {name} | {mode} | {seconds:.1f} | {cpu:.1f} | {peak:.0f} |", flush=True)
            slow = ", ".join(f"{cell} {s:.1f} s" for s, cell in cells[:args.slowest])
            details.append(f"{name} ({mode}): slowest cells {slow}" + (f"; ERRORS {errors}" if errors else ""))
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    print("\n".join(details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
