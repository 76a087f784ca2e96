"""``autograder report LAB``: what the class got right and wrong, and what happened to each submission.

Printed to stdout and written to ``reports/<lab>/report.md`` (markdown tables), with a
histogram of the autograded scores in ``reports/<lab>/histogram.png``. Submissions that
could not be graded are counted apart, never as zeros.
"""
from __future__ import annotations

import argparse
import statistics
from collections import Counter
from pathlib import Path

from ..grading.outcomes import Outcome, load_outcomes
from .results import Exercise, exercise_scores, lab_exercises

TOP_MESSAGES = 3  # failure messages shown per test cell
MESSAGE_WIDTH = 160


def cell_text(value: object) -> str:
    """A value made safe for one markdown table cell."""
    return str(value).replace("\n", " ").replace("|", "\\|")


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell_text(v) for v in row) + " |" for row in rows]


def graded(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status != "failed"]


def distribution_section(outcomes: list[Outcome], max_score: float) -> list[str]:
    totals = [o.score for o in graded(outcomes)]
    statuses = Counter(o.status for o in outcomes)
    lines = ["## Score distribution", "",
             f"{len(outcomes)} submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())), ""]
    if not totals:
        return lines + ["No submission could be graded.", ""]
    lines += table(["graded", "mean", "median", "min", "max", "out of", "full marks", "zero"],
                   [[len(totals), f"{statistics.mean(totals):.2f}", f"{statistics.median(totals):g}",
                     f"{min(totals):g}", f"{max(totals):g}", f"{max_score:g}",
                     sum(t >= max_score for t in totals), sum(t == 0 for t in totals)]])
    return lines + [""]


def exercise_section(outcomes: list[Outcome], exercises: list[Exercise]) -> list[str]:
    scored = [exercise_scores(o, exercises) for o in graded(outcomes)]
    rows = []
    for e in exercises:
        values = [s[e.name] or 0.0 for s in scored]
        mean = f"{statistics.mean(values):.2f}" if values else "-"
        rows.append([e.name, mean, f"{e.max_score:g}", sum(v >= e.max_score for v in values)])
    return ["## Per exercise", "", *table(["exercise", "mean", "out of", "full marks"], rows), ""]


def failure_section(outcomes: list[Outcome]) -> list[str]:
    """The most frequent failure messages, grouped by test cell, most failed cell first."""
    by_cell: dict[str, Counter] = {}
    for outcome in graded(outcomes):
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


def submissions_section(outcomes: list[Outcome]) -> list[str]:
    rows = [[o.student, o.status, "" if o.status == "failed" else f"{o.score:g}", o.reason,
             "; ".join(o.events), ", ".join(o.tampered)] for o in outcomes]
    return ["## Submissions", "", *table(["student", "status", "score", "reason", "events", "tampered"], rows), ""]


def histogram(outcomes: list[Outcome], max_score: float, lab: str, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    totals = [o.score for o in graded(outcomes)]
    failed = len(outcomes) - len(totals)
    # one bar per whole score while that stays readable, else 20 equal bins
    bins = np.arange(-0.5, max_score + 1.5) if 0 < max_score <= 40 else np.linspace(0, max(max_score, 1), 21)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(totals, bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"autograded score (out of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of submissions are whole numbers
    note = f", {failed} not gradable" if failed else ""
    ax.set_title(f"{lab}: score distribution ({len(totals)} graded{note})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def build_report(lab: str, root: Path) -> str:
    outcomes = load_outcomes(root, lab)
    exercises = lab_exercises(root, lab)
    max_score = sum(e.max_score for e in exercises)
    lines = [f"# {lab}: class report", "",
             *distribution_section(outcomes, max_score), *exercise_section(outcomes, exercises),
             *failure_section(outcomes), *submissions_section(outcomes),
             "![score distribution](histogram.png)", ""]
    histogram(outcomes, max_score, lab, Path(root) / "reports" / lab / "histogram.png")
    return "\n".join(lines)


def write_report(lab: str, root: Path) -> Path:
    text = build_report(lab, root)
    path = Path(root) / "reports" / lab / "report.md"
    path.write_text(text)
    return path


def cmd_report(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    path = write_report(args.lab, root)
    print(path.read_text())
    print(f"wrote {path.relative_to(root)} and {path.with_name('histogram.png').relative_to(root)}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id")
    p.set_defaults(func=cmd_report)
