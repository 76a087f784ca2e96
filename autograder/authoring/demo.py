"""``autograder demo`` (``make demo``): the instructor's day on the bundled example class, end to end.

In a throw-away course folder (``build/demo/`` by default, gitignored; the repository is
not touched): release the lab, collect ``examples/<lab>/`` (correct, empty, typical-mistake
and broken submissions), grade them in parallel, grade the written answers (a scripted
grader, saving through the same code path as the `autograder mark` page), write feedback,
the exports and the class report, then print a per-student, per-exercise score table, the
totals out of the lab's full points and the summary.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from ..reports.results import LabGrades, format_points, lab_grades

MARKER = ".autograder-demo"  # only a folder holding it may be emptied by the next run
NBGRADER_CONFIG = "from autograder.course import configure\nconfigure(get_config(), root={root!r})\n"


def prepare_workdir(repo: Path, workdir: Path, lab: str) -> None:
    """A fresh course folder holding only the lab's assignment (everything else is generated)."""
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).exists():
            raise SystemExit(f"{workdir} is not empty and was not made by the demo: choose another --workdir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by `autograder demo`; emptied by its next run\n")
    shutil.copytree(repo / "assignments" / lab, workdir / "assignments" / lab)
    if (repo / "course.toml").exists():
        shutil.copy(repo / "course.toml", workdir / "course.toml")
    (workdir / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(workdir)))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)]


def score_table(grades: LabGrades, cases: dict[str, str]) -> list[str]:
    """A markdown table: one row per student, one column per exercise, the autograded total and the status.

    A submission that could not be graded reads "failed" in every column, never 0.
    """
    exercises = grades.exercises
    header = ["student", "case", *(e.name for e in exercises), "total", "status"]
    rows = [["(out of)", "", *(f"{e.max_score:g}" for e in exercises), f"{grades.autograded_max:g}", ""]]
    for s in grades.submissions:
        if s.status == "failed":
            cells = ["failed"] * (len(exercises) + 1)
        else:
            cells = [format_points(s.exercise_score(e)) for e in exercises]
            cells.append(format_points(s.autograded_score(exercises)))
        rows.append([s.student, cases.get(s.student, ""), *cells, s.status])
    return _table(header, rows)


def totals_table(grades: LabGrades, cases: dict[str, str]) -> list[str]:
    """Autograded, written and total points per student, out of the lab's full points."""
    header = ["student", "case", "autograded", "written", "total", "status"]
    written_max = grades.max_score - grades.autograded_max
    rows = [["(out of)", "", f"{grades.autograded_max:g}", f"{written_max:g}", f"{grades.max_score:g}", ""]]
    for s in grades.submissions:
        auto = s.autograded_score(grades.exercises)
        pending = s.ungraded(grades.questions)
        written = sum(s.question_score(q) or 0 for q in grades.questions)
        total = grades.total(s)
        rows.append([s.student, cases.get(s.student, ""), "failed" if auto is None else f"{auto:g}",
                     f"{written:g}" if not pending else f"{len(pending)} not graded",
                     format_points(total) or ("failed" if s.status == "failed" else "not graded yet"), s.status])
    return _table(header, rows)


def mark_written_answers(root: Path, lab: str) -> tuple[int, int]:
    """A scripted grader for the example class, saving through the `autograder mark` page's code path.

    Full marks for the model answer, half for an answer that is the start of it (cut short), 0 for
    anything else; answers nbgrader already scored (left blank: 0) are left alone. Returns
    (groups saved, answers graded).
    """
    from ..marking.answers import ClassAnswers, normalised, save_marks

    marking = ClassAnswers(root, lab)
    saved = answers = 0
    for question in marking.questions:
        model = normalised(question.answer)
        for group in marking.answers(question).groups:
            if group.graded:
                continue
            text = normalised(group.text)
            if text == model:
                score, comment = question.max_score, "Matches the model answer."
            elif model.startswith(text):
                score, comment = question.max_score / 2, "Right as far as it goes; see the model answer."
            else:
                score, comment = 0.0, "Does not answer the question: see the model answer."
            save_marks(root, lab, question.notebook, question.grade_id, group.students, score=score,
                       comment=comment, grader="demo")
            saved, answers = saved + 1, answers + len(group.students)
    return saved, answers


def summary(grades: LabGrades, seconds: float) -> list[str]:
    """Who ended in which status, and what happened to each submission (reasons, events)."""
    outcomes = [s.outcome for s in grades.submissions]
    lines = []
    for status in ("graded", "partial", "failed"):
        chosen = [o for o in outcomes if o.status == status]
        if chosen:
            lines.append(f"{len(chosen)} {status}: " + ", ".join(sorted(o.student for o in chosen)))
    for o in outcomes:
        for event in o.events:
            lines.append(f"  {o.student}: {event}")
        if o.reason:
            lines.append(f"  {o.student}: {o.status}: {o.reason}")
    lines.append(f"graded {len(outcomes)} submissions in {seconds:.1f} s")
    return lines


def run_demo(lab: str, repo: Path, workdir: Path, workers: int | None, timeout: int) -> int:
    from ..grader.collect import collect, print_actions
    from .examples import lab_class
    from ..reports.export import export
    from ..reports.feedback import write_feedback
    from ..grader.engine import grade_lab
    from .build import build
    from ..reports.report import write_report

    print(f"== course folder: {workdir}")
    prepare_workdir(repo, workdir, lab)
    print(f"== release {lab}")
    build([lab], root=workdir, out_root=workdir)
    print(f"== collect examples/{lab}/")
    print_actions(collect(lab, repo / "examples" / lab, workdir))
    from ..grader.sandbox import unavailable_reason

    # The example class is the course's own: without a sandbox (not Linux...) it is graded anyway, and said so.
    sandboxed = unavailable_reason() is None
    where = "each kernel in its sandbox" if sandboxed else f"no sandbox: {unavailable_reason()}"
    print(f"== grade (workers: {workers or 'one per core'}, {timeout} s per cell, {where})")
    start = time.perf_counter()
    grade_lab(lab, workdir, workers=workers, timeout=timeout, sandbox=sandboxed)
    seconds = time.perf_counter() - start
    print("== mark the written answers (scripted, through `autograder mark`'s save)")
    groups, answers = mark_written_answers(workdir, lab)
    print(f"saved {groups} scores for {answers} written answers (identical answers graded at once)")
    written = write_feedback(lab, workdir)
    grades_csv, canvas = export(workdir, [lab]), export(workdir, [lab], "canvas")
    report = write_report(lab, workdir)
    graded = lab_grades(workdir, lab)
    cases = {e.student: e.kind for e in lab_class(lab, repo)}
    print(f"== scores ({lab}, autograded points)")
    print("\n".join(score_table(graded, cases)))
    print(f"== totals ({lab}, out of the lab's {graded.max_score:g} points)")
    print("\n".join(totals_table(graded, cases)))
    print("== summary")
    print("\n".join(summary(graded, seconds)))
    print(f"feedback: {len(written)} pages in {workdir / 'feedback'}")
    print(f"exports: {grades_csv}, {canvas}")
    print(f"report: {report} and {report.with_name('histogram.png')}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..course import repo_root

    repo = repo_root()
    workdir = Path(args.workdir or repo / "build" / "demo").resolve()
    return run_demo(args.lab, repo, workdir, args.workers, args.timeout)


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("--lab", default="lab01_fundamentals", help="a lab with an example class in examples/")
    p.add_argument("--workdir", type=Path, default=None,
                   help="course folder for the run, emptied first (default: build/demo, gitignored)")
    p.add_argument("--workers", type=int, default=None, help="grading processes (default: one per core)")
    p.add_argument("--timeout", type=int, default=10, help="seconds a cell may run (the infinite-loop example)")
    p.set_defaults(func=cmd_demo)
