"""Grades as the reports see them: a lab's exercises and written questions, and each submission's
final scores from nbgrader's gradebook.

nbgrader's gradebook is the one source of grades: `autograder grade` writes the autograded
scores into it (nbgrader's SaveAutoGrades), graders write manual scores and comments into it
(nbgrader's formgrader, or `autograder mark`). A cell's final score is nbgrader's own
``Grade.score``: the manual score when a grader gave one (which overrides an autograded
test cell too), else the autograded one, plus any extra credit. A cell with neither is *not
graded yet* (a written answer nobody has graded, or every cell of a submission that could not
be graded), never a silent 0.

What happened while grading (status, reason, events, failed checks' messages) comes from
``autograded/<student>/<lab>/outcome.json`` (grading/outcomes.py). Test cells are grouped into
*exercises* as in the released notebook (autograder/cells.py, as the lab's self-tests do);
manual cells are *questions*.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import nbformat

from ..cells import Exercise, Question, exercises, questions
from ..grader.outcomes import Outcome, load_outcomes

NOT_GRADED = "not graded yet"


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


def lab_questions(root: Path, lab: str) -> list[Question]:
    """Every written question of the lab, in order (``answer``: the model answer where source/ has it)."""
    found = []
    for notebook in lab_notebooks(root, lab):
        source = Path(root) / "source" / lab / f"{notebook}.ipynb"
        nb = nbformat.read(source, as_version=4) if source.exists() else release_notebook(root, lab, notebook)
        found += questions(nb, notebook)
    return found


# ----------------------------------------------------------------------------- the gradebook


@dataclass
class CellGrade:
    """One graded cell of one submission, as nbgrader's gradebook holds it."""

    notebook: str
    grade_id: str
    max_score: float
    auto_score: float | None = None
    manual_score: float | None = None
    extra_credit: float | None = None
    needs_manual_grade: bool = True
    comment: str | None = None  # the grader's comment (else nbgrader's automatic one, e.g. "No response.")

    @property
    def graded(self) -> bool:
        return self.manual_score is not None or self.auto_score is not None

    @property
    def score(self) -> float | None:
        """nbgrader's Grade.score (manual over auto, plus extra credit); None when not graded yet."""
        if not self.graded:
            return None
        base = self.manual_score if self.manual_score is not None else self.auto_score
        return base + (self.extra_credit or 0.0)


@dataclass
class Submission:
    """A student's submission of a lab: what happened while grading, and the gradebook's scores."""

    student: str
    lab: str
    outcome: Outcome
    grades: dict[tuple[str, str], CellGrade] = field(default_factory=dict)  # (notebook, grade id) -> grade

    @property
    def status(self) -> str:
        return self.outcome.status

    def grade(self, notebook: str, grade_id: str) -> CellGrade | None:
        return self.grades.get((notebook, grade_id))

    def _score(self, notebook: str, grade_id: str) -> float | None:
        grade = self.grade(notebook, grade_id)
        return grade.score if grade else None

    def exercise_score(self, exercise: Exercise) -> float | None:
        """The exercise's test cells' final scores; None if any is not graded (a failed submission)."""
        scores = [self._score(exercise.notebook, test) for test in exercise.test_ids]
        return None if any(s is None for s in scores) else sum(scores)

    def question_score(self, question: Question) -> float | None:
        return self._score(question.notebook, question.grade_id)

    def question_comment(self, question: Question) -> str | None:
        grade = self.grade(question.notebook, question.grade_id)
        return grade.comment if grade else None

    def autograded_score(self, exercises: list[Exercise]) -> float | None:
        scores = [self.exercise_score(e) for e in exercises]
        return None if any(s is None for s in scores) else sum(scores)

    def ungraded(self, questions: list[Question]) -> list[Question]:
        """The written questions nobody has graded yet."""
        return [q for q in questions if self.question_score(q) is None]

    def total(self, exercises: list[Exercise], questions: list[Question], allow_ungraded: bool = False
              ) -> float | None:
        """Autograded plus written points; None while a written answer waits for a grade (unless
        ``allow_ungraded``: counted as 0), and always None when the autograded part has no score."""
        auto = self.autograded_score(exercises)
        if auto is None or (self.ungraded(questions) and not allow_ungraded):
            return None
        return auto + sum(self.question_score(q) or 0.0 for q in questions)


_OPEN: dict[str, Any] = {}  # db url -> nbgrader Gradebook, kept open (opening one costs a few hundred ms)
KEEP_OPEN = 4


@contextlib.contextmanager
def open_gradebook(db_url: str) -> Iterator[Any]:
    """nbgrader's Gradebook for ``db_url``, reused across calls in this process.

    Each use starts and ends with a rollback, which also expires every object the session holds:
    what formgrader, another page or another process wrote meanwhile is read afresh.
    """
    from nbgrader.api import Gradebook

    from ..course import COURSE_ID

    gradebook = _OPEN.pop(db_url, None) or Gradebook(db_url, COURSE_ID)
    _OPEN[db_url] = gradebook  # most recently used last
    while len(_OPEN) > KEEP_OPEN:
        _OPEN.pop(next(iter(_OPEN))).close()
    gradebook.db.rollback()
    try:
        yield gradebook
    finally:
        gradebook.db.rollback()


def gradebook_exists(db_url: str) -> bool:
    """False for a SQLite gradebook file that is not there (opening it would create an empty one)."""
    return not db_url.startswith("sqlite:///") or Path(db_url[len("sqlite:///"):]).exists()


def read_grades(db_url: str, lab: str) -> dict[str, dict[tuple[str, str], CellGrade]]:
    """student -> (notebook, grade id) -> grade, for every submission of ``lab`` in the gradebook.

    Two queries on nbgrader's own tables (its ORM classes), whatever the class size.
    """
    from nbgrader.api import (Assignment, Comment, Grade, GradeCell, Notebook, SolutionCell, Student,
                              SubmittedAssignment, SubmittedNotebook)

    if not gradebook_exists(db_url):
        return {}

    def of_lab(query, cell, cell_id, notebook_id):  # noqa: ANN001, ANN202 — SQLAlchemy query
        return (query.join(cell, cell.id == cell_id)
                .join(SubmittedNotebook, SubmittedNotebook.id == notebook_id)
                .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)
                .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
                .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                .join(Student, Student.id == SubmittedAssignment.student_id)
                .filter(Assignment.name == lab))

    grades: dict[str, dict[tuple[str, str], CellGrade]] = {}
    with open_gradebook(db_url) as gradebook:
        query = gradebook.db.query(Student.id, Notebook.name, GradeCell.name, GradeCell.max_score, Grade.auto_score,
                                   Grade.manual_score, Grade.extra_credit, Grade.needs_manual_grade)
        for student, notebook, name, max_score, auto, manual, extra, needs in of_lab(
                query, GradeCell, Grade.cell_id, Grade.notebook_id):
            grades.setdefault(student, {})[(notebook, name)] = CellGrade(
                notebook, name, float(max_score or 0), auto, manual, extra, bool(needs))
        query = gradebook.db.query(Student.id, Notebook.name, SolutionCell.name, Comment.manual_comment,
                                   Comment.auto_comment)
        for student, notebook, name, manual, auto in of_lab(query, SolutionCell, Comment.cell_id,
                                                            Comment.notebook_id):
            grade = grades.get(student, {}).get((notebook, name))
            if grade is not None:
                grade.comment = manual if manual is not None else auto
    return grades


def lab_submissions(root: Path, lab: str, db_url: str | None = None) -> list[Submission]:
    """Every submission of ``lab``, by student: in the gradebook, or with an outcome.json (or both).

    A submission graded by plain ``nbgrader autograde`` has no outcome.json: its status is "graded".
    """
    from ..course import db_url_or_default

    outcomes = {o.student: o for o in load_outcomes(root, lab)}
    grades = read_grades(db_url_or_default(db_url, Path(root)), lab)
    return [Submission(student, lab, outcomes.get(student) or Outcome(student, lab, "graded"),
                       grades.get(student, {}))
            for student in sorted(set(outcomes) | set(grades))]


@dataclass
class LabGrades:
    """A lab's exercises and questions, and every submission's grades: what export, report and feedback show."""

    lab: str
    exercises: list[Exercise]
    questions: list[Question]
    submissions: list[Submission]

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises) + sum(q.max_score for q in self.questions)

    @property
    def autograded_max(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def total(self, submission: Submission, allow_ungraded: bool = False) -> float | None:
        return submission.total(self.exercises, self.questions, allow_ungraded)


def lab_grades(root: Path, lab: str, db_url: str | None = None) -> LabGrades:
    return LabGrades(lab, lab_exercises(root, lab), lab_questions(root, lab), lab_submissions(root, lab, db_url))


# ----------------------------------------------------------------------------- labels


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
