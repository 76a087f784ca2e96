"""How many of a lab's mutants fail a VISIBLE check: the test cells as released, hidden tests removed.

    python benchmarks/visible_kill_rate.py lab07_pretrained_models [--list]

Runs each source notebook with its hidden tests cut out (one kernel per notebook, as the self-test
does) and prints, per notebook and in all, the mutants that lose points on their exercise; --list
also names the mutants only the hidden tests catch. The course's target is at least 90 %.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.course import load_lab  # noqa: E402
from autograder.harness import evaluate_notebook, is_test_cell, read_candidates  # noqa: E402

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)


def visible_only(source: Path, folder: Path) -> Path:
    """A copy of the source notebook whose test cells keep only their visible part."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = HIDDEN.sub("", cell.source)
    path = folder / source.name
    nbformat.write(nb, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab")
    parser.add_argument("--list", action="store_true", help="name the mutants only hidden tests catch")
    args = parser.parse_args()
    lab = load_lab(args.lab, ROOT)
    mutants = read_candidates(lab.folder / "mutants.py")
    caught_all = total_all = 0
    print(f"| notebook | mutants | caught by a visible check | rate |\n| --- | ---: | ---: | ---: |")
    missed = []
    for name in lab.notebooks:
        with tempfile.TemporaryDirectory() as scratch:
            source = ROOT / "source" / lab.id / f"{name}.ipynb"
            for extra in source.parent.iterdir():  # the lab's assets next to the notebook
                if extra.is_dir():
                    shutil.copytree(extra, Path(scratch) / extra.name)
            report = evaluate_notebook(visible_only(source, Path(scratch)), mutants, timeout=lab.timeout)
        results = report.candidates
        caught = [r for r in results if r.points < r.max_points]
        missed += [f"{name}: {r.candidate.exercise}: {r.candidate.why}" for r in results if r.points >= r.max_points]
        caught_all += len(caught)
        total_all += len(results)
        print(f"| {name} | {len(results)} | {len(caught)} | {len(caught) / max(1, len(results)):.0%} |")
    if len(lab.notebooks) > 1:
        print(f"| all | {total_all} | {caught_all} | {caught_all / max(1, total_all):.0%} |")
    if args.list and missed:
        print("\nCaught only by hidden tests:\n" + "\n".join(f"- {line}" for line in missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
