"""``autograder report LAB``: what the class got right and wrong, how far grading has got, and what
happened to each submission.

Printed to stdout and written to ``reports/<lab>/report.md`` (markdown tables), with a
histogram of the scores in ``reports/<lab>/histogram.png``. Scores are the gradebook's final
scores (results.py). Submissions that could not be graded are counted apart, never as zeros;
written answers not graded yet are counted as such (grading progress per question), never as 0.
"""
from __future__ import annotations

import argparse
import statistics
from collections import Counter
from pathlib import Path

from ..grader.outcomes import Outcome
from .results import LabGrades, Submission, format_points, lab_grades

TOP_MESSAGES = 3  # failure messages shown per test cell
MESSAGE_WIDTH = 160


def cell_text(value: object) -> str:
    """A value made safe for one markdown table cell."""
    return str(value).replace("\n", " ").replace("|", "\\|")


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell_text(v) for v in row) + " |" for row in rows]


def graded(submissions: list[Submission]) -> list[Submission]:
    return [s for s in submissions if s.status != "failed"]


def _stats(label: str, values: list[float], max_score: float) -> list[object]:
    return [label, len(values), f"{statistics.mean(values):.2f}", f"{statistics.median(values):g}", f"{min(values):g}",
            f"{max(values):g}", f"{max_score:g}", sum(v >= max_score for v in values), sum(v == 0 for v in values)]


def distribution_section(grades: LabGrades) -> list[str]:
    submissions = grades.submissions
    statuses = Counter(s.status for s in submissions)
    lines = ["## Score distribution", "",
             f"{len(submissions)} submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())), ""]
    auto = [v for s in submissions if (v := s.autograded_score(grades.exercises)) is not None]
    totals = [v for s in submissions if (v := grades.total(s)) is not None]
    if not auto:
        return lines + ["No submission could be graded.", ""]
    rows = [_stats("autograded", auto, grades.autograded_max)]
    if grades.questions and totals:
        rows.append(_stats("total (autograded + written)", totals, grades.max_score))
    lines += table(["score", "submissions", "mean", "median", "min", "max", "out of", "full marks", "zero"], rows)
    waiting = len(auto) - len(totals)
    if grades.questions and waiting:
        lines += ["", f"{waiting} of {len(auto)} graded submissions wait for written answers to be graded: "
                      f"their totals are not counted yet."]
    return lines + [""]


def exercise_section(grades: LabGrades) -> list[str]:
    rows = []
    for e in grades.exercises:
        values = [v for s in graded(grades.submissions) if (v := s.exercise_score(e)) is not None]
        mean = f"{statistics.mean(values):.2f}" if values else "-"
        rows.append([e.name, mean, f"{e.max_score:g}", sum(v >= e.max_score for v in values)])
    return ["## Per exercise", "", *table(["exercise", "mean", "out of", "full marks"], rows), ""]


def question_section(grades: LabGrades, root: Path, db_url: str | None) -> list[str]:
    """Each written question's mean over the answers graded so far, and the grading progress
    (counted as `autograder mark` counts it: the answers that can be read)."""
    from ..marking.answers import ClassAnswers

    if not grades.questions:
        return []
    marking = ClassAnswers(root, grades.lab, db_url)
    submissions = marking.submissions()
    rows, done, todo = [], 0, 0
    for q in marking.questions:
        answers = marking.answers(q, submissions)
        values = [a.grade.score for a in answers.answers if a.graded]
        graded, total = answers.progress
        done, todo = done + graded, todo + total
        rows.append([q.grade_id, f"{graded} / {total}", f"{statistics.mean(values):.2f}" if values else "-",
                     f"{q.max_score:g}", sum(v >= q.max_score for v in values), len(answers.unreadable)])
    progress = f"{done} / {todo} written answers graded ({done / todo:.0%})" if todo else "no written answer yet"
    return ["## Written answers (graded by hand)", "", f"Grading progress: {progress}. "
            f"`autograder mark {grades.lab}` grades one question across the class.", "",
            *table(["question", "graded", "mean", "out of", "full marks", "cannot be read"], rows), ""]


def failure_section(outcomes: list[Outcome]) -> list[str]:
    """The most frequent failure messages, grouped by test cell, most failed cell first."""
    by_cell: dict[str, Counter] = {}
    for outcome in (o for o in outcomes if o.status != "failed"):
        for cell in outcome.cells:
            if cell.score < cell.max_score:
                message = cell.message or "(no message)"
                by_cell.setdefault(cell.grade_id, Counter())[message[:MESSAGE_WIDTH]] += 1
    rows = []
    for grade_id, messages in sorted(by_cell.items(), key=lambda item: (-sum(item[1].values()), item[0])):
        for rank, (message, count) in enumerate(messages.most_common(TOP_MESSAGES)):
            rows.append([grade_id if rank == 0 else "", sum(messages.values()) if rank == 0 else "", count, message])
    body = table(["test cell", "failed", "times", "message"], rows) if rows else ["No test failed."]
    return ["## What the class got wrong", "", *body, ""]


def submissions_section(grades: LabGrades) -> list[str]:
    rows = []
    for s in grades.submissions:
        o = s.outcome
        written = f"{len(grades.questions) - len(s.ungraded(grades.questions))} / {len(grades.questions)}"
        rows.append([s.student, s.status, format_points(s.autograded_score(grades.exercises)), written,
                     format_points(grades.total(s)), o.reason, "; ".join(o.events), ", ".join(o.tampered)])
    header = ["student", "status", "autograded", "written graded", "total", "reason", "events", "tampered"]
    return ["## Submissions", "", *table(header, rows), ""]


def histogram(grades: LabGrades, path: Path) -> Path:
    """The totals (autograded + written) once every answer is graded; the autograded scores until then."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    graded_ones = graded(grades.submissions)
    totals = [v for s in graded_ones if (v := grades.total(s)) is not None]
    if totals and len(totals) == len(graded_ones):
        values, max_score, what = totals, grades.max_score, "score"
    else:
        values = [v for s in graded_ones if (v := s.autograded_score(grades.exercises)) is not None]
        max_score, what = grades.autograded_max, "autograded score"
    failed = len(grades.submissions) - len(graded_ones)
    # one bar per whole score while that stays readable, else 20 equal bins
    bins = np.arange(-0.5, max_score + 1.5) if 0 < max_score <= 40 else np.linspace(0, max(max_score, 1), 21)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(values, bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"{what} (out of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of submissions are whole numbers
    note = f", {failed} not gradable" if failed else ""
    ax.set_title(f"{grades.lab}: score distribution ({len(values)} graded{note})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def build_report(lab: str, root: Path, db_url: str | None = None) -> str:
    grades = lab_grades(root, lab, db_url)
    lines = [f"# {lab}: class report", "",
             *distribution_section(grades), *exercise_section(grades), *question_section(grades, root, db_url),
             *failure_section([s.outcome for s in grades.submissions]), *submissions_section(grades),
             "![score distribution](histogram.png)", ""]
    histogram(grades, Path(root) / "reports" / lab / "histogram.png")
    return "\n".join(lines)


def write_report(lab: str, root: Path, db_url: str | None = None) -> Path:
    text = build_report(lab, root, db_url)
    path = Path(root) / "reports" / lab / "report.md"
    path.write_text(text)
    return path


def cmd_report(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    path = write_report(args.lab, root, args.db)
    print(path.read_text())
    print(f"wrote {path.relative_to(root)} and {path.with_name('histogram.png').relative_to(root)}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id")
    p.set_defaults(func=cmd_report)
