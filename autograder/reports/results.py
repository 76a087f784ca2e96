"""Outcomes as the reports see them: a lab's exercises (from its release) and each submission's scores.

feedback, export, report and demo read ``autograded/<student>/<lab>/outcome.json`` (see
outcomes.py) and group test cells into *exercises*: the solution cells and the test cells
that follow them in the released notebook (autograder/cells.py, as the lab's self-tests do).
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from ..cells import Exercise, exercises
from ..grading.outcomes import Outcome


def lab_notebooks(root: Path, lab: str) -> list[str]:
    """The lab's released notebooks, in the order lab.toml declares them (else by name)."""
    from ..course import CourseError, load_lab

    released = {p.stem for p in (Path(root) / "release" / lab).glob("*.ipynb")}
    try:
        declared = list(load_lab(lab, Path(root)).notebooks)
    except CourseError:  # a course folder holding only release/ (e.g. a copy for grading)
        declared = []
    return [n for n in declared if n in released] + sorted(released - set(declared))


def release_notebook(root: Path, lab: str, notebook: str) -> nbformat.NotebookNode:
    return nbformat.read(Path(root) / "release" / lab / f"{notebook}.ipynb", as_version=4)


def lab_exercises(root: Path, lab: str) -> list[Exercise]:
    """Every autograded exercise of the released lab, in order."""
    return [exercise for notebook in lab_notebooks(root, lab)
            for exercise in exercises(release_notebook(root, lab, notebook), notebook) if exercise.tests]


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
