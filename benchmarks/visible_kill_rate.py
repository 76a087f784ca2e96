"""How many of a lab's mutants fail at least one VISIBLE check (the test cells as released).

    python benchmarks/visible_kill_rate.py lab05_cnn_training [--notebooks part1_digits ...]

Runs each notebook of the lab with its test cells cut to their released part (hidden tests removed)
through the self-test's harness, and prints, per notebook, the mutants that the visible checks alone
catch. The course's target is >= 90 % per lab. No timing: a table of counts.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.course import load_lab  # noqa: E402
from autograder.authoring.harness import evaluate_notebook, grade_id, is_test_cell, read_candidates  # noqa: E402


def visible_notebook(lab_id: str, name: str, folder: Path) -> Path:
    """The source notebook with every test cell replaced by its released (visible) version."""
    source = nbformat.read(ROOT / "source" / lab_id / f"{name}.ipynb", as_version=4)
    released = {grade_id(c): c.source for c in nbformat.read(ROOT / "release" / lab_id / f"{name}.ipynb",
                                                              as_version=4).cells if grade_id(c)}
    for cell in source.cells:
        if is_test_cell(cell):
            cell.source = released[grade_id(cell)]
    path = folder / f"{name}.ipynb"
    nbformat.write(source, path)
    assets = ROOT / "source" / lab_id / "assets"
    if assets.is_dir():
        shutil.copytree(assets, folder / "assets", dirs_exist_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab")
    parser.add_argument("--notebooks", nargs="+", default=None)
    args = parser.parse_args(argv)
    lab = load_lab(args.lab, ROOT)
    mutants = read_candidates(lab.folder / "mutants.py")
    rows, survivors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.notebooks or lab.notebooks:
            path = visible_notebook(lab.id, name, Path(tmp))
            report = evaluate_notebook(path, mutants, timeout=lab.timeout)
            failed = [s.grade_id for s in report.scores if s.score < s.max_score]
            if failed:
                print(f"warning: the reference fails visible checks in {name}: {failed}")
            killed = [r for r in report.candidates if r.points < r.max_points]
            rows.append((name, len(report.candidates), len(killed)))
            survivors += [f"{name}: {r.candidate.exercise} ({r.candidate.why})"
                          for r in report.candidates if r.points >= r.max_points]
    total, caught = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"\n| notebook | mutants | caught by visible checks | rate |\n| --- | ---: | ---: | ---: |")
    for name, count, killed in rows + [("all", total, caught)]:
        print(f"| {name} | {count} | {killed} | {killed / max(count, 1):.0%} |")
    if survivors:
        print("\nmutants that only hidden tests catch:")
        print("\n".join(f"- {s}" for s in survivors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
