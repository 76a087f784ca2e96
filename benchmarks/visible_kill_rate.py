"""How many of a lab's mutants a student can catch before submitting: the share that fail a VISIBLE check.

The course's target is >= 90 % per lab (docs/writing-a-lab.md). Each test cell of the source notebook is
cut to its released part (hidden tests removed), then every mutant runs against those cells in one
kernel, exactly as tests/test_labs.py runs them against the full cells.

    python benchmarks/visible_kill_rate.py lab06_rnn
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.course import load_lab, repo_root
from autograder.harness import evaluate_notebook, is_test_cell, read_candidates

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab")
    args = parser.parse_args(argv)
    root = repo_root()
    lab = load_lab(args.lab, root)
    mutants = read_candidates(lab.folder / "mutants.py")
    caught, rows = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for name in lab.notebooks:
            path = visible_only(root / "source" / lab.id / f"{name}.ipynb", Path(tmp))
            ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nbformat.read(path, as_version=4).cells}
            report = evaluate_notebook(path, [m for m in mutants if m.exercise in ids], timeout=lab.timeout)
            for result in report.candidates:
                killed = result.points < result.max_points
                caught += killed
                rows.append((name, result.candidate.exercise, result.candidate.why, killed))
    print(f"| notebook | exercise | mutant | caught by a visible check |\n| --- | --- | --- | --- |")
    for name, exercise, why, killed in rows:
        print(f"| {name} | {exercise} | {why} | {'yes' if killed else '**no**'} |")
    print(f"\n{args.lab}: {caught} of {len(rows)} mutants fail a visible check "
          f"({100 * caught / max(len(rows), 1):.0f} %; target >= 90 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
