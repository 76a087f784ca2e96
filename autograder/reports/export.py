"""``autograder export [--format csv|canvas] [LAB…]``: grades for a spreadsheet or for Canvas.

csv (``exports/grades.csv``): one row per student, lab and exercise, plus a ``total`` row per
student and lab; a submission that could not be graded has an *empty* score and a status
such as ``failed: invalid JSON`` — never 0, which would read as an honest zero.

canvas (``exports/canvas.csv``): Canvas's gradebook import format: the columns Student, ID,
SIS User ID, SIS Login ID, Section, then one column per lab (a new column creates the
assignment in Canvas), and a "Points Possible" row as Canvas's own export writes it. The
student ids collected from Canvas downloads are Canvas user ids, so they fill the ID column;
names come from nbgrader's gradebook when it has them. A failed submission is left blank
(Canvas leaves blank cells untouched).
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from ..course import CoursePaths, db_url_or_default
from ..grading.outcomes import OUTCOME_FILE, Outcome, load_outcomes
from .results import exercise_scores, format_points, lab_exercises, status_label

CSV_COLUMNS = ("student", "lab", "exercise", "score", "max_score", "status")
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def graded_labs(root: Path) -> list[str]:
    """Labs with at least one outcome, in course order (lab ids sort in course order)."""
    return sorted({p.parent.name for p in CoursePaths(Path(root)).autograded_root.glob(f"*/*/{OUTCOME_FILE}")})


def csv_rows(root: Path, lab: str) -> list[dict[str, str]]:
    exercises = lab_exercises(root, lab)
    rows = []
    for outcome in load_outcomes(root, lab):
        scores = exercise_scores(outcome, exercises)
        status = status_label(outcome)
        for exercise in exercises:
            rows.append({"student": outcome.student, "lab": lab, "exercise": exercise.name,
                         "score": format_points(scores[exercise.name]),
                         "max_score": f"{exercise.max_score:g}", "status": status})
        total = None if outcome.status == "failed" else sum(v or 0 for v in scores.values())
        rows.append({"student": outcome.student, "lab": lab, "exercise": "total", "score": format_points(total),
                     "max_score": f"{sum(e.max_score for e in exercises):g}", "status": status})
    return rows


def write_csv(root: Path, labs: list[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for lab in labs:
            writer.writerows(csv_rows(root, lab))
    return path


def student_names(db_url: str) -> dict[str, str]:
    """"Last, First" for the students nbgrader's gradebook knows (Canvas's Student column)."""
    from nbgrader.api import Gradebook

    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).exists():
        return {}  # opening a missing SQLite gradebook would create it
    try:
        with Gradebook(db_url) as gradebook:
            return {s.id: ", ".join(n for n in (s.last_name, s.first_name) if n) for s in gradebook.students}
    except Exception:  # no gradebook yet, or one nbgrader cannot open: names are optional
        return {}


def canvas_total(outcome: Outcome) -> str:
    return "" if outcome.status == "failed" else format_points(outcome.score)


def write_canvas(root: Path, labs: list[str], path: Path, db_url: str | None = None) -> Path:
    names = student_names(db_url_or_default(db_url, Path(root)))
    by_lab = {lab: {o.student: o for o in load_outcomes(root, lab)} for lab in labs}
    students = sorted({s for outcomes in by_lab.values() for s in outcomes})
    possible = {lab: sum(e.max_score for e in lab_exercises(root, lab)) for lab in labs}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CANVAS_FIXED, *labs])
        writer.writerow(["    Points Possible", "", "", "", "", *(f"{possible[lab]:g}" for lab in labs)])
        for student in students:
            scores = [canvas_total(by_lab[lab][student]) if student in by_lab[lab] else "" for lab in labs]
            writer.writerow([names.get(student, ""), student, "", "", "", *scores])
    return path


def export(root: Path, labs: list[str] | None = None, fmt: str = "csv", db_url: str | None = None) -> Path:
    labs = labs or graded_labs(root)
    if fmt == "canvas":
        return write_canvas(root, labs, Path(root) / "exports" / "canvas.csv", db_url)
    return write_csv(root, labs, Path(root) / "exports" / "grades.csv")


def cmd_export(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    path = export(root, args.labs, args.format, args.db)
    print(f"wrote {path.relative_to(root)}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("labs", nargs="*", help="lab ids (default: every graded lab)")
    p.add_argument("--format", choices=("csv", "canvas"), default="csv")
    p.set_defaults(func=cmd_export)
