"""``autograder export [--format csv|canvas] [--allow-ungraded] [LAB…]``: grades for a spreadsheet or for Canvas.

Scores are the gradebook's final scores (autograded and written, a grader's override of an
autograded cell included; see results.py), out of the lab's full points (lab.toml's).

csv (``exports/grades.csv``): one row per student, lab and item (each exercise, then each
written question), plus a ``total`` row per student and lab. A written answer nobody has
graded yet has an empty score and the status "not graded yet"; a submission that could not be
graded has empty scores and a status such as ``failed: invalid JSON`` — never 0, which would
read as an honest zero.

canvas (``exports/canvas.csv``): Canvas's gradebook import format: the columns Student, ID,
SIS User ID, SIS Login ID, Section, then one column per lab (a new column creates the
assignment in Canvas), and a "Points Possible" row as Canvas's own export writes it. The
student ids collected from Canvas downloads are Canvas user ids, so they fill the ID column;
names come from nbgrader's gradebook when it has them. A failed submission is left blank
(Canvas leaves blank cells untouched).

Either way, the total of a submission with written answers not graded yet is left empty, and
the command says so, unless ``--allow-ungraded`` counts them as 0.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from ..course import CoursePaths, db_url_or_default
from ..grader.outcomes import OUTCOME_FILE
from .results import (NOT_GRADED, LabGrades, Submission, format_points, gradebook_exists, lab_grades,
                      status_label)

CSV_COLUMNS = ("student", "lab", "exercise", "score", "max_score", "status")
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def graded_labs(root: Path) -> list[str]:
    """Labs with at least one outcome, in course order (lab ids sort in course order)."""
    return sorted({p.parent.name for p in CoursePaths(Path(root)).autograded_root.glob(f"*/*/{OUTCOME_FILE}")})


def total_status(grades: LabGrades, submission: Submission, allow_ungraded: bool) -> str:
    status = status_label(submission.outcome)
    pending = submission.ungraded(grades.questions)
    if pending and submission.status != "failed":
        counted = " (counted as 0)" if allow_ungraded else ""
        return f"{NOT_GRADED}: {len(pending)} written answer{'s' * (len(pending) > 1)}{counted}"
    return status


def csv_rows(grades: LabGrades, allow_ungraded: bool = False) -> list[dict[str, str]]:
    rows = []
    for submission in grades.submissions:
        status = status_label(submission.outcome)

        def row(item: str, score: float | None, max_score: float, why: str = status) -> dict[str, str]:
            return {"student": submission.student, "lab": grades.lab, "exercise": item,
                    "score": format_points(score), "max_score": f"{max_score:g}", "status": why}

        for exercise in grades.exercises:
            rows.append(row(exercise.name, submission.exercise_score(exercise), exercise.max_score))
        for question in grades.questions:
            score = submission.question_score(question)
            why = NOT_GRADED if score is None and submission.status != "failed" else status
            rows.append(row(question.grade_id, score, question.max_score, why))
        rows.append(row("total", grades.total(submission, allow_ungraded), grades.max_score,
                        total_status(grades, submission, allow_ungraded)))
    return rows


def write_csv(labs: list[LabGrades], path: Path, allow_ungraded: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for grades in labs:
            writer.writerows(csv_rows(grades, allow_ungraded))
    return path


def student_names(db_url: str) -> dict[str, str]:
    """"Last, First" for the students nbgrader's gradebook knows (Canvas's Student column)."""
    from nbgrader.api import Gradebook

    from ..course import COURSE_ID

    if not gradebook_exists(db_url):
        return {}  # opening a missing SQLite gradebook would create it
    try:
        with Gradebook(db_url, COURSE_ID) as gradebook:
            return {s.id: ", ".join(n for n in (s.last_name, s.first_name) if n) for s in gradebook.students}
    except Exception:  # no gradebook yet, or one nbgrader cannot open: names are optional
        return {}


def write_canvas(labs: list[LabGrades], path: Path, db_url: str, allow_ungraded: bool = False) -> Path:
    names = student_names(db_url)
    by_lab = {grades.lab: {s.student: s for s in grades.submissions} for grades in labs}
    students = sorted({s for submissions in by_lab.values() for s in submissions})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CANVAS_FIXED, *(grades.lab for grades in labs)])
        writer.writerow(["    Points Possible", "", "", "", "", *(f"{grades.max_score:g}" for grades in labs)])
        for student in students:
            scores = [format_points(grades.total(by_lab[grades.lab][student], allow_ungraded))
                      if student in by_lab[grades.lab] else "" for grades in labs]
            writer.writerow([names.get(student, ""), student, "", "", "", *scores])
    return path


def ungraded_warning(labs: list[LabGrades], allow_ungraded: bool) -> str | None:
    """Which submissions have written answers not graded yet, and what the export did with them."""
    waiting = [(grades.lab, s.student, len(s.ungraded(grades.questions))) for grades in labs
               for s in grades.submissions if s.status != "failed" and s.ungraded(grades.questions)]
    if not waiting:
        return None
    answers = sum(n for _, _, n in waiting)
    done = ("counted as 0 (--allow-ungraded)" if allow_ungraded else
            "their totals are left empty; --allow-ungraded counts them as 0")
    who = ", ".join(f"{lab}/{student} ({n})" for lab, student, n in waiting[:8]) + ", ..." * (len(waiting) > 8)
    commands = " and ".join(f"`autograder mark {lab}`" for lab in sorted({lab for lab, _, _ in waiting}))
    return (f"warning: {answers} written answers in {len(waiting)} submissions are not graded yet: {done}.\n"
            f"  {who}\n  grade them with {commands} (or nbgrader's formgrader)")


def export(root: Path, labs: list[str] | None = None, fmt: str = "csv", db_url: str | None = None,
           allow_ungraded: bool = False) -> Path:
    db_url = db_url_or_default(db_url, Path(root))
    chosen = [lab_grades(root, lab, db_url) for lab in (labs or graded_labs(root))]
    warning = ungraded_warning(chosen, allow_ungraded)
    if warning:
        print(warning, file=sys.stderr)
    if fmt == "canvas":
        return write_canvas(chosen, Path(root) / "exports" / "canvas.csv", db_url, allow_ungraded)
    return write_csv(chosen, Path(root) / "exports" / "grades.csv", allow_ungraded)


def cmd_export(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    path = export(root, args.labs, args.format, args.db, args.allow_ungraded)
    print(f"wrote {path.relative_to(root)}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("labs", nargs="*", help="lab ids (default: every graded lab)")
    p.add_argument("--format", choices=("csv", "canvas"), default="csv")
    p.add_argument("--allow-ungraded", action="store_true",
                   help="count written answers not graded yet as 0 (default: leave such totals empty)")
    p.set_defaults(func=cmd_export)
