"""The class's written answers, one question at a time, and the one way a manual grade is saved.

Read: each manual cell (a *question*) of the lab with the model answer from source/, and every
student's answer to it, from the autograded notebook (what nbgrader's formgrader shows) or, for a
submission that could not be graded, from the submitted notebook when it can be read. Identical
answers (up to white space) form one group, graded at once. Students are anonymised by default:
a short stable id derived from the lab and the student id.

Write: ``save_marks`` sets nbgrader's ``Grade.manual_score`` and ``Comment.manual_comment``
exactly as formgrader's API handlers do (``needs_manual_grade`` cleared once a score is set),
one commit per save, so formgrader, `autograder mark` pages and the CSV import can be used side
by side. A score outside [0, max] is refused with a message. When two graders save the same
cell, the last write wins; every write is recorded in ``marking/<lab>.log`` (JSON lines: who,
when, before, after, and whether it overwrote a value the grader had not seen).
The page, the CSV import and ``make demo`` all save through this function.
"""
from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import nbformat

from ..cells import Question, grade_id
from ..course import COURSE_ID, CoursePaths
from ..reports.results import CellGrade, Submission, lab_questions, lab_submissions

NO_RESPONSE = "YOUR ANSWER HERE"  # nbgrader's text stub (course.configure sets ClearSolutions.text_stub)
UNSET: Any = object()  # a field a save leaves as it is


class MarkError(ValueError):
    """A grade that cannot be saved (a score outside [0, max], an unknown question or student...)."""


def anonymous_id(lab: str, student: str) -> str:
    """A short id that stays the same for a student and lab, and does not show who it is."""
    return "S" + hashlib.sha256(f"{COURSE_ID}/{lab}/{student}".encode()).hexdigest()[:6]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ----------------------------------------------------------------------------- reading


@dataclass
class Answer:
    student: str
    label: str  # anonymous id, or the student id when names are shown
    text: str | None  # None: the notebook could not be read, or the cell is not in it
    grade: CellGrade | None
    why_missing: str = ""

    @property
    def graded(self) -> bool:
        return bool(self.grade and self.grade.graded)


@dataclass
class AnswerGroup:
    """Identical answers to one question (graded at once)."""

    text: str
    answers: list[Answer]

    @property
    def students(self) -> list[str]:
        return [a.student for a in self.answers]

    @property
    def no_response(self) -> bool:
        return normalised(self.text) in ("", NO_RESPONSE)

    @property
    def graded(self) -> bool:
        return all(a.graded for a in self.answers)

    @property
    def scores(self) -> list[float | None]:
        return sorted({a.grade.score if a.grade else None for a in self.answers}, key=lambda s: (s is None, s))

    @property
    def comments(self) -> list[str]:
        return sorted({a.grade.comment or "" for a in self.answers if a.grade})

    @property
    def key(self) -> str:
        """Stable id of the group on the page."""
        return hashlib.sha256(normalised(self.text).encode()).hexdigest()[:10]


@dataclass
class QuestionAnswers:
    question: Question
    groups: list[AnswerGroup]
    unreadable: list[Answer] = field(default_factory=list)  # submissions whose answer cannot be read

    @property
    def answers(self) -> list[Answer]:
        return [a for g in self.groups for a in g.answers]

    @property
    def progress(self) -> tuple[int, int]:
        """(answers graded, answers to grade)."""
        return sum(a.graded for a in self.answers), len(self.answers)


class NotebookCache:
    """Students' notebooks by path, read again only when the file changes."""

    def __init__(self) -> None:
        self._cells: dict[Path, tuple[int, dict[str, str] | None]] = {}

    def cells(self, path: Path) -> dict[str, str] | None:
        """grade id -> source of every nbgrader cell, or None when the file is not a readable notebook."""
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        cached = self._cells.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            nb = nbformat.reads(path.read_text(errors="replace"), as_version=4)
            cells = {grade_id(c): c.get("source", "") for c in nb.get("cells", []) if grade_id(c)}
        except Exception:  # invalid JSON, not a notebook, an unknown version: nothing to show
            cells = None
        self._cells[path] = (mtime, cells)
        return cells


class ClassAnswers:
    """A lab's questions and the class's answers, read afresh from the gradebook on every call."""

    def __init__(self, root: Path, lab: str, db_url: str | None = None, names: bool = False):
        self.root, self.lab, self.db_url, self.names = Path(root), lab, db_url, names
        self.questions = lab_questions(self.root, lab)
        self.cache = NotebookCache()
        if not self.questions:
            raise MarkError(f"{lab} has no written questions (manual cells) to grade")

    def question(self, number: int) -> Question:
        if not 1 <= number <= len(self.questions):
            raise MarkError(f"{self.lab} has questions 1 to {len(self.questions)}, not {number}")
        return self.questions[number - 1]

    def find(self, notebook: str, question_id: str) -> Question:
        for q in self.questions:
            if (q.notebook, q.grade_id) == (notebook, question_id):
                return q
        raise MarkError(f"{self.lab} has no written question {notebook}/{question_id}")

    def submissions(self) -> list[Submission]:
        return [s for s in lab_submissions(self.root, self.lab, self.db_url) if s.grades]

    def label(self, student: str) -> str:
        return student if self.names else anonymous_id(self.lab, student)

    def student_of(self, label: str, submissions: list[Submission]) -> str:
        """The student a label (anonymous id or student id) stands for."""
        for s in submissions:
            if label in (s.student, anonymous_id(self.lab, s.student)):
                return s.student
        raise MarkError(f"no submission {label!r} in {self.lab}")

    def _answer(self, submission: Submission, question: Question) -> Answer:
        paths = CoursePaths(self.root)
        name = f"{question.notebook}.ipynb"
        grade = submission.grade(question.notebook, question.grade_id)
        answer = Answer(submission.student, self.label(submission.student), None, grade)
        for folder in (paths.autograded(submission.student, self.lab), paths.submitted(submission.student, self.lab)):
            cells = self.cache.cells(folder / name)
            if cells is not None:
                answer.text = cells.get(question.grade_id)
                answer.why_missing = "" if answer.text is not None else "this cell is not in the notebook"
                return answer
        answer.why_missing = submission.outcome.reason or "the notebook could not be read"
        return answer

    def answers(self, question: Question, submissions: list[Submission] | None = None) -> QuestionAnswers:
        submissions = self.submissions() if submissions is None else submissions
        groups: dict[str, AnswerGroup] = {}
        unreadable = []
        for submission in submissions:
            answer = self._answer(submission, question)
            if answer.text is None:
                unreadable.append(answer)
                continue
            key = NO_RESPONSE if normalised(answer.text) in ("", NO_RESPONSE) else normalised(answer.text)
            groups.setdefault(key, AnswerGroup(answer.text, [])).answers.append(answer)
        for group in groups.values():
            group.answers.sort(key=lambda a: a.label)
        # most common answers first, "no response" last: a stable order for keyboard navigation
        ordered = sorted(groups.values(), key=lambda g: (g.no_response, -len(g.answers), g.answers[0].label))
        return QuestionAnswers(question, ordered, unreadable)

    def overview(self) -> list[tuple[Question, tuple[int, int]]]:
        """Every question with its grading progress."""
        submissions = self.submissions()
        return [(q, self.answers(q, submissions).progress) for q in self.questions]


# ----------------------------------------------------------------------------- writing


@dataclass
class SavedMark:
    student: str
    score: float | None
    comment: str | None
    overwrote: str = ""  # what another grader had saved meanwhile, when this save replaced it


def check_score(score: Any, max_score: float, what: str) -> float | None:
    """A score as a float in [0, max_score] (None clears it); MarkError saying why otherwise."""
    if score is None or (isinstance(score, str) and not score.strip()):
        return None
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise MarkError(f"{what}: {score!r} is not a number") from None
    if math.isnan(value) or not 0 <= value <= max_score:
        raise MarkError(f"{what}: {value:g} is outside [0, {max_score:g}]")
    return value


def save_marks(root: Path, lab: str, notebook: str, question_id: str, students: list[str], score: Any = UNSET,
               comment: Any = UNSET, grader: str | None = None, seen: dict[str, Any] | None = None,
               db_url: str | None = None) -> list[SavedMark]:
    """Save a manual score and/or comment for one question of several students' submissions.

    As formgrader's GradeHandler/CommentHandler do: ``manual_score`` (``needs_manual_grade`` is
    cleared when a score is set), ``manual_comment``; one transaction. ``seen`` holds what the
    grader's page showed ({"score": ..., "comment": ...}): a different value in the gradebook
    means another grader saved meanwhile; this save still wins, and says (and records) so.
    """
    from nbgrader.api import MissingEntry

    from ..course import db_url_or_default
    from ..reports.results import open_gradebook

    grader = grader or getpass.getuser()
    saved: list[SavedMark] = []
    records = []
    path = log_path(root, lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One save at a time on this machine, from reading the values to recording them, so that the
    # log's order is the gradebook's (the database orders saves from other machines).
    with open(path, "a", encoding="utf-8") as log, _locked(log), \
            open_gradebook(db_url_or_default(db_url, Path(root))) as gradebook:
        try:
            for student in students:
                try:
                    grade = gradebook.find_grade(question_id, notebook, lab, student)
                    note = gradebook.find_comment(question_id, notebook, lab, student)
                except MissingEntry:
                    raise MarkError(f"no written answer {notebook}/{question_id} of {student} in {lab}") from None
                before = {"score": grade.manual_score, "comment": note.manual_comment}
                if score is not UNSET:
                    grade.manual_score = check_score(score, grade.max_score, f"{question_id} of {student}")
                    grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
                if comment is not UNSET:
                    note.manual_comment = comment if comment and comment.strip() else None
                after = {"score": grade.manual_score, "comment": note.manual_comment}
                overwrote = _overwritten(before, seen, score is not UNSET, comment is not UNSET)
                saved.append(SavedMark(student, grade.manual_score, note.manual_comment, overwrote))
                records.append({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "grader": grader, "lab": lab,
                                "notebook": notebook, "question": question_id, "student": student,
                                "before": before, "after": after, **({"overwrote": overwrote} if overwrote else {})})
            gradebook.db.commit()
        except BaseException:
            gradebook.db.rollback()
            raise
        # one write call: each line stays whole
        log.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return saved


@contextlib.contextmanager
def _locked(fh: Any) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: the database still orders the saves
        yield
        return
    fcntl.flock(fh, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)


def _overwritten(before: dict, seen: dict | None, scoring: bool, commenting: bool) -> str:
    if seen is None:
        return ""
    changed = []
    if scoring and "score" in seen and _as_float(seen["score"]) != before["score"]:
        changed.append(f"score {before['score']}")
    if commenting and "comment" in seen and (seen["comment"] or None) != before["comment"]:
        changed.append(f"comment {before['comment']!r}")
    return ", ".join(changed)


def _as_float(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def log_path(root: Path, lab: str) -> Path:
    return Path(root) / "marking" / f"{lab}.log"
