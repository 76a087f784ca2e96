"""Outcomes as the reports see them: a lab's exercises (from its release) and each submission's scores.

feedback, export, report and demo read ``autograded/<student>/<lab>/outcome.json`` (see
outcomes.py) and group test cells into *exercises*: the solution cells and the test cells
that follow them in the released notebook (the same grouping as the lab's self-tests).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from .harness import exercise_groups, grade_id, is_test_cell
from .outcomes import Outcome


@dataclass(frozen=True)
class Exercise:
    name: str  # the grade id of its (first) solution cell
    notebook: str
    tests: tuple[tuple[str, float], ...]  # (test grade id, points), in notebook order

    @property
    def max_score(self) -> float:
        return sum(points for _, points in self.tests)


def lab_notebooks(root: Path, lab: str) -> list[str]:
    """The lab's released notebooks, in the order lab.toml declares them (else by name)."""
    from .course import load_lab

    released = {p.stem for p in (Path(root) / "release" / lab).glob("*.ipynb")}
    try:
        declared = list(load_lab(lab, Path(root)).notebooks)
    except FileNotFoundError:  # a course folder holding only release/ (e.g. a copy for grading)
        declared = []
    return [n for n in declared if n in released] + sorted(released - set(declared))


def release_notebook(root: Path, lab: str, notebook: str) -> nbformat.NotebookNode:
    return nbformat.read(Path(root) / "release" / lab / f"{notebook}.ipynb", as_version=4)


def lab_exercises(root: Path, lab: str) -> list[Exercise]:
    """Every autograded exercise of the released lab, in order."""
    exercises = []
    for notebook in lab_notebooks(root, lab):
        nb = release_notebook(root, lab, notebook)
        grouped: set[str] = set()
        points = {grade_id(c): float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells if is_test_cell(c)}
        for group in exercise_groups(nb):
            if group.test_ids:
                exercises.append(Exercise(group.solution_ids[0], notebook,
                                          tuple((t, points[t]) for t in group.test_ids)))
                grouped.update(group.test_ids)
        for cell in nb.cells:  # a test cell before any solution cell is an exercise of its own
            if is_test_cell(cell) and grade_id(cell) not in grouped:
                exercises.append(Exercise(grade_id(cell), notebook, ((grade_id(cell), points[grade_id(cell)]),)))
    return exercises


def exercise_scores(outcome: Outcome, exercises: list[Exercise]) -> dict[str, float | None]:
    """Score per exercise; None for every exercise of a submission that could not be graded."""
    if outcome.status == "failed":
        return {e.name: None for e in exercises}
    cells = {(c.notebook, c.grade_id): c.score for c in outcome.cells}
    return {e.name: sum(cells.get((e.notebook, t), 0.0) for t, _ in e.tests) for e in exercises}


def status_label(outcome: Outcome) -> str:
    """'graded', 'partial: <why>' or 'failed: <reason>' — never confused with a score."""
    if outcome.status == "graded":
        return "graded"
    detail = outcome.reason or "; ".join(outcome.events)
    return f"{outcome.status}: {detail}" if detail else outcome.status


def format_points(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"
