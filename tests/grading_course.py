"""A throwaway course folder for the grading tests: Lab 1 released into a fresh gradebook, and submissions."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.authoring.build import generate_release
from autograder.course import interpreter_env
from autograder.authoring.harness import fill_submission, read_candidates
from autograder.cells import grade_id as cell_grade_id

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab01_fundamentals"


def make_course(folder: Path, lab: str = LAB, db_url: str | None = None) -> Path:
    """source/<lab> copied from the repository and released (generate_assignment) into ``folder``."""
    shutil.copytree(ROOT / "source" / lab, folder / "source" / lab)
    (folder / "nbgrader_config.py").write_text(
        "from autograder.course import configure\n"
        f"configure(get_config(), root={str(folder)!r}, db_url={db_url!r})\n")
    generate_release(lab, folder, db_url)
    return folder


def release(folder: Path, lab: str = LAB) -> Path:
    return folder / "release" / lab / f"{lab}.ipynb"


def source(folder: Path, lab: str = LAB) -> Path:
    return folder / "source" / lab / f"{lab}.ipynb"


def correct(folder: Path, lab: str = LAB, answers: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The reference answers (``answers`` replaces some solution cells)."""
    return fill_submission(release(folder, lab), source(folder, lab), answers)


def empty(folder: Path, lab: str = LAB) -> nbformat.NotebookNode:
    return nbformat.read(release(folder, lab), as_version=4)


def mutant(folder: Path, index: int, lab: str = LAB) -> nbformat.NotebookNode:
    candidate = read_candidates(ROOT / "assignments" / lab / "mutants.py")[index]
    return correct(folder, lab, {candidate.exercise: candidate.code})


def submit(folder: Path, student: str, nb: nbformat.NotebookNode | bytes, lab: str = LAB) -> Path:
    path = folder / "submitted" / student / lab / f"{lab}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        path.write_bytes(nb)
    else:
        nbformat.write(nb, path)
    return path


def cell_index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if cell_grade_id(c) == grade_id)


def gradebook_scores(folder: Path, lab: str = LAB, db_url: str | None = None) -> dict[str, dict[str, float]]:
    """student -> autograded test cell -> auto score, as nbgrader's gradebook has them."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float]] = {}
    with Gradebook(db_url or f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(lab):
            scores[submission.student.id] = {
                grade.name: grade.auto_score for notebook in submission.notebooks for grade in notebook.grades
                if grade.cell.cell_type == "code"}
    return scores


def nbgrader_command(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder, capture_output=True, text=True,
                          env=interpreter_env())  # nbgrader runs `alembic` by name


def nbgrader_autograde(folder: Path, lab: str = LAB) -> subprocess.CompletedProcess:
    """One sequential `nbgrader autograde` process for the whole batch, as instructors run it."""
    return nbgrader_command(folder, "autograde", lab, "--force")


def autograded_points(lab: str = LAB) -> float:
    """The lab's autograded points, from its source notebook (manual cells are graded by hand)."""
    from autograder.cells import is_test_cell, points

    nb = nbformat.read(ROOT / "source" / lab / f"{lab}.ipynb", as_version=4)
    return sum(points(c) for c in nb.cells if is_test_cell(c))
