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


def written(folder: Path, how, lab: str = LAB) -> nbformat.NotebookNode:
    """Correct code; each written answer is ``how(model answer)``."""
    from autograder.cells import is_manual_cell

    nb = correct(folder, lab)
    for cell in nb.cells:
        if is_manual_cell(cell):
            cell.source = how(cell.source)
    return nb


def record(folder: Path, outcome, written_scores: dict[str, float] | None = None, lab: str = LAB,
           db_url: str | None = None) -> None:
    """An outcome written by hand, and its scores in the gradebook as `autograder grade` leaves them:
    the test cells' auto scores (none for a failed submission); written answers not graded, except
    ``written_scores`` (grade id -> manual score)."""
    import warnings

    import sqlalchemy
    from nbgrader.api import Gradebook

    outcome.save(folder)
    cells = {c.grade_id: c.score for c in outcome.cells}
    with warnings.catch_warnings(), Gradebook(db_url or f"sqlite:///{folder / 'gradebook.db'}", "nn-course") as gb:
        warnings.simplefilter("ignore", sqlalchemy.exc.SAWarning)
        gb.update_or_create_student(outcome.student)
        submission = gb.update_or_create_submission(lab, outcome.student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell.cell_type == "code":
                    grade.auto_score = None if outcome.status == "failed" else cells.get(grade.name, 0.0)
                    grade.needs_manual_grade = grade.auto_score is None
                elif grade.name in (written_scores or {}):
                    grade.manual_score, grade.needs_manual_grade = written_scores[grade.name], False
        gb.db.commit()


def released_copy(template: Path, folder: Path, lab: str = LAB) -> Path:
    """A course folder holding the released lab and its gradebook (no submissions), copied from ``template``."""
    for part in ("source", "release"):
        shutil.copytree(template / part / lab, folder / part / lab)
    shutil.copy(template / "gradebook.db", folder / "gradebook.db")
    return folder


BLANK = "YOUR ANSWER HERE"  # the released text of a written answer


def build_graded_class(folder: Path, db_url: str | None = None) -> Path:
    """Lab 1 released, five submissions graded by `autograder grade`, one failure whose notebook is readable:

    10001 correct, model written answers; 10002 and 10003 correct code, identical written answers cut
    short; 10004 a mistake, written answers left blank; 10005 correct, but its grading failed (the
    worker crashed); 10006 invalid JSON. No written answer graded by hand yet.
    """
    from nbgrader.api import Gradebook

    from autograder.authoring.examples import first_sentence
    from autograder.course import nbgrader_config
    from autograder.grader.engine import GradebookWriter, failed_result, grade_lab, make_task
    from autograder.grader.sanitize import read_snapshot

    make_course(folder, db_url=db_url)
    submit(folder, "10001", correct(folder))
    submit(folder, "10002", written(folder, first_sentence))
    submit(folder, "10003", written(folder, first_sentence))
    blank = mutant(folder, 0)
    for cell in blank.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell.cell_type == "markdown":
            cell.source = BLANK
    submit(folder, "10004", blank)
    submit(folder, "10005", correct(folder))
    submit(folder, "10006", b"{ not json")
    db_url = db_url or f"sqlite:///{folder / 'gradebook.db'}"
    grade_lab(LAB, folder, workers=2, db_url=db_url, progress=False)
    with Gradebook(db_url, "nn-course") as gradebook:
        snapshot = read_snapshot(gradebook, LAB)
    task = make_task(folder, LAB, "10005", folder / "submitted" / "10005" / LAB, snapshot, 60, None, [])
    writer = GradebookWriter(folder, LAB, db_url, nbgrader_config(folder, db_url), snapshot)
    writer.record(failed_result(task, "the grading worker process crashed twice"))
    return folder


def copy_course(template: Path, folder: Path) -> Path:
    """A copy of a course folder (its SQLite gradebook too), its nbgrader_config.py pointing at the copy."""
    shutil.copytree(template, folder, dirs_exist_ok=True)
    config = folder / "nbgrader_config.py"
    config.write_text(config.read_text().replace(repr(str(template)), repr(str(folder))))
    return folder


def formgrader_view(folder: Path, db_url: str | None = None, lab: str = LAB) -> tuple[dict, dict]:
    """What nbgrader's formgrader lists, from the object its handlers ask (nbgrader.apps.api.NbGraderAPI):
    (student -> submission, student -> notebook submission) for the lab's notebook."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder.course import nbgrader_config

    config = nbgrader_config(folder, db_url or f"sqlite:///{folder / 'gradebook.db'}")
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    submissions = {s["student"]: s for s in api.get_submissions(lab)}
    notebooks = {n["student"]: n for n in api.get_notebook_submissions(lab, lab)}
    return submissions, notebooks


QUESTIONS = {"residual_networks": 1, "count_weights_equation": 1, "conv_by_hand_calculation": 2,
             "kernel_features": 2, "autoencoders": 1, "gradient_accumulation": 2}  # Lab 1's written questions


def assert_formgrader_ready(folder: Path, db_url: str) -> None:
    """The gradebook and files formgrader relies on, after `autograder grade` (SQLite and PostgreSQL)."""
    from nbgrader.api import Gradebook

    from autograder.cells import is_manual_cell
    from autograder.course import load_lab
    from autograder.reports.results import lab_grades

    with Gradebook(db_url, "nn-course") as gb:
        manual = {c.name: c.max_score for c in gb.find_notebook(LAB, LAB).grade_cells if c.cell_type == "markdown"}
    assert manual == QUESTIONS, "every written question is a manual grade cell with its points"
    submissions, notebooks = formgrader_view(folder, db_url)
    for student, submission in submissions.items():
        assert submission["autograded"] and submission["max_score"] == load_lab(LAB).points
        assert submission["max_written_score"] == 9
    listed = {s for s, n in notebooks.items()}
    graded = {o.student for o in lab_grades(folder, LAB, db_url).submissions if o.status != "failed"}
    assert graded <= listed, "formgrader lists every graded notebook (it needs the autograded file)"
    for student in graded:
        answered = student not in ("empty", "10004")  # left blank: nbgrader scores it 0, nothing to grade
        assert notebooks[student]["needs_manual_grade"] is answered, student
        path = folder / "autograded" / student / LAB / f"{LAB}.ipynb"  # where formgrader's page opens it
        cells = [c for c in nbformat.read(path, as_version=4).cells if is_manual_cell(c)]
        assert len(cells) == len(QUESTIONS) and all(c.source for c in cells)
