"""``autograder mark LAB --export answers.csv`` / ``--import scores.csv``: the same grading in a spreadsheet.

The export has one row per written answer: the question, its points, the submission (its
anonymous id, or the student id with ``--names``), the answer group (identical answers share
it, and sit together), the answer, and the score and comment already in the gradebook. Fill in
the score and comment columns and import the file: every changed row is saved through the
page's own code path (answers.save_marks). The whole file is checked first; a row with an
unknown question or submission, or a score outside [0, max], stops the import with its line
number, and nothing is saved. An empty score leaves the gradebook's as it is.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ..reports.results import format_points
from .answers import UNSET, ClassAnswers, MarkError, check_score, save_marks

COLUMNS = ("notebook", "question", "max_score", "submission", "group", "answer", "score", "comment")


def export_answers(marking: ClassAnswers, path: Path) -> int:
    """Write every readable answer; returns the number of rows."""
    submissions = marking.submissions()
    rows = []
    for question in marking.questions:
        for number, group in enumerate(marking.answers(question, submissions).groups, 1):
            for answer in group.answers:
                grade = answer.grade
                rows.append({"notebook": question.notebook, "question": question.grade_id,
                             "max_score": f"{question.max_score:g}", "submission": answer.label, "group": number,
                             "answer": answer.text, "score": format_points(grade.score if grade else None),
                             "comment": (grade.comment or "") if grade else ""})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def import_scores(marking: ClassAnswers, path: Path, grader: str | None = None) -> tuple[int, int]:
    """Save the rows whose score or comment differs from the gradebook; returns (rows saved, rows unchanged)."""
    submissions = marking.submissions()
    current = {}
    for question in marking.questions:
        for answer in marking.answers(question, submissions).answers:
            current[(question.notebook, question.grade_id, answer.student)] = answer.grade
    changes, errors, unchanged = [], [], 0
    with open(path, newline="", encoding="utf-8-sig") as fh:  # a spreadsheet may add a BOM
        reader = csv.DictReader(fh)
        missing = {"notebook", "question", "submission", "score", "comment"} - set(reader.fieldnames or [])
        if missing:
            raise MarkError(f"{path}: missing columns {sorted(missing)} (export a sheet with --export first)")
        for line, row in enumerate(reader, start=2):
            try:
                question = marking.find(row["notebook"], row["question"])
                student = marking.student_of(row["submission"], submissions)
                score = check_score(row["score"], question.max_score, f"{question.grade_id} of {row['submission']}")
            except MarkError as error:
                errors.append(f"line {line}: {error}")
                continue
            grade = current.get((question.notebook, question.grade_id, student))
            comment = (row.get("comment") or "").strip()
            new_score = score is not None and (grade is None or grade.score != score)
            new_comment = comment != ((grade.comment or "") if grade else "")
            if new_score or new_comment:
                changes.append((question, student, score if new_score else UNSET, comment if new_comment else UNSET))
            else:
                unchanged += 1
    if errors:
        raise MarkError(f"{path}: nothing imported; fix these rows:\n  " + "\n  ".join(errors[:20]))
    for question, student, score, comment in changes:
        save_marks(marking.root, marking.lab, question.notebook, question.grade_id, [student], score=score,
                   comment=comment, grader=grader, db_url=marking.db_url)
    return len(changes), unchanged
