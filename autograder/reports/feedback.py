"""``autograder feedback LAB``: one HTML page per student, ``feedback/<student>/<lab>/index.html``.

Built from the student's own submitted notebook, the *released* notebook, the gradebook's
final scores and graders' comments (results.py) and what happened while grading
(outcome.json), never from the autograded notebook: that one holds the hidden tests nbgrader
restored, and nbgrader's own feedback shows them. A test cell appears as the one-line
docstring saying what it checks, its score and, when it failed, the check's message; a
written answer appears rendered (Markdown and LaTeX as MathML, no raw HTML) with its score, or
"not graded yet", and the grader's comment. Every other piece of text is escaped; the page is
plain HTML with inline CSS.
"""
from __future__ import annotations

import argparse
import ast
import html
import json
from pathlib import Path

import nbformat

from ..cells import grade_id, is_answer_cell, is_manual_cell, is_test_cell
from ..cells import points as cell_points
from ..course import CoursePaths
from .results import (NOT_GRADED, LabGrades, Submission, format_points, lab_grades, lab_notebooks, release_notebook,
                      status_label)

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.5rem; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; } td, th { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; } .pass { color: #1a7f37; } .fail { color: #cf222e; } .note { color: #666; }
.test { margin: .5rem 0; padding: .5rem .75rem; border-left: 4px solid #ccc; }
.test.pass { border-color: #1a7f37; } .test.fail { border-color: #cf222e; }
.status { padding: .5rem .75rem; background: #fff8c5; border-radius: 4px; }
.written { margin: .5rem 0; padding: .5rem .75rem; border-left: 4px solid #8250df; background: #faf8ff; }
.comment { margin: .25rem 0 0; padding: .25rem .5rem; background: #fff; border-radius: 4px; }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def test_description(source: str) -> str:
    """The first line of a test cell's docstring (what it checks), from the released cell."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].value.value.strip().splitlines()[0]
    return ""


def submitted_cells(path: Path) -> dict[str, nbformat.NotebookNode] | None:
    """The student's cells by grade id, or None when the file is not a readable notebook."""
    try:
        nb = nbformat.reads(path.read_text(errors="replace"), as_version=4)
    except (OSError, ValueError, KeyError, AttributeError, json.JSONDecodeError):
        return None
    return {grade_id(c): c for c in nb.get("cells", []) if grade_id(c)}


def _heading(markdown: str) -> str | None:
    for line in markdown.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return None


def render_notebook(root: Path, submission: Submission, notebook: str) -> list[str]:
    outcome = submission.outcome
    release = release_notebook(root, outcome.lab, notebook)
    mine = submitted_cells(CoursePaths(Path(root)).submitted(outcome.student, outcome.lab) / f"{notebook}.ipynb")
    checks = {c.grade_id: c for c in outcome.cells if c.notebook == notebook}
    failed = outcome.status == "failed"
    parts = [f"<h2>{esc(notebook)}</h2>"]
    if mine is None:
        parts.append('<p class="note">Your file could not be read as a notebook, so none of it is shown.</p>')
    elif failed:  # e.g. another lab's notebook: listing every "missing" cell helps nobody
        parts.append('<p class="note">This notebook could not be graded (see the status above), '
                     'so your code is not shown; your written answers are, where your notebook has them.</p>')
    for cell in release.cells:
        gid = grade_id(cell)
        if cell.cell_type == "markdown" and not gid:
            heading = _heading(cell.source)
            if heading:
                parts.append(f"<h3>{esc(heading)}</h3>")
        elif is_manual_cell(cell):
            parts.append(_render_written(cell, gid, mine, submission.grade(notebook, gid), failed))
        elif is_answer_cell(cell) and not failed:
            parts.append(_render_answer(cell, gid, mine))
        elif is_test_cell(cell):
            parts.append(_render_test(cell, checks.get(gid), submission.grade(notebook, gid), failed))
    return parts


def _render_answer(cell: nbformat.NotebookNode, gid: str, mine: dict | None) -> str:
    if mine is None:
        return ""
    if gid not in mine:
        return f'<p class="note">Your answer <code>{esc(gid)}</code>: this cell is missing from your notebook.</p>'
    return f"<p>Your answer <code>{esc(gid)}</code>:</p>\n<pre>{esc(mine[gid].source)}</pre>"


def _render_written(cell: nbformat.NotebookNode, gid: str, mine: dict | None, grade, failed: bool) -> str:
    """The student's written answer, rendered, with its score (or "not graded yet") and the grader's comment."""
    from ..marking.render import markdown

    if mine is None or (failed and gid not in mine):
        return ""
    if gid not in mine:
        body = '<p class="note">this cell is missing from your notebook</p>'
    else:
        body = markdown(mine[gid].source)
    points = cell_points(cell)
    score = grade.score if grade else None
    verdict = f"{score:g} / {points:g}" if score is not None else f"{NOT_GRADED} (out of {points:g})"
    comment = f'<div class="comment"><b>Grader\'s comment:</b> {esc(grade.comment)}</div>' \
        if grade and grade.comment else ""
    return (f'<div class="written"><p>Your written answer <code>{esc(gid)}</code> (graded by hand): '
            f'<b>{esc(verdict)}</b></p>\n{body}{comment}</div>')


def _render_test(cell: nbformat.NotebookNode, result, grade, failed_submission: bool) -> str:
    gid = grade_id(cell)
    points = cell_points(cell)
    description = esc(test_description(cell.source))
    score = grade.score if grade else None
    if score is None or (failed_submission and grade.manual_score is None):
        return (f'<div class="test"><b>{esc(gid)}</b> — {description}<br>'
                f'<span class="note">not graded</span> (out of {points:g})</div>')
    ok = score >= points
    verdict = "passed" if ok else "failed"
    if grade.manual_score is not None:
        verdict = "score set by a grader"
    message = "" if ok or result is None or not result.message else f"<pre>{esc(result.message)}</pre>"
    return (f'<div class="test {"pass" if ok else "fail"}"><b>{esc(gid)}</b> — {description}<br>'
            f'{verdict}: {score:g} / {points:g}{message}</div>')


def _summary(grades: LabGrades, submission: Submission) -> str:
    """Total, or where grading has got: autograded points and written answers graded so far."""
    auto = submission.autograded_score(grades.exercises)
    total = grades.total(submission)
    if total is not None:
        return f"Score: <b>{total:g} / {grades.max_score:g}</b>."
    if auto is None:
        return f"Score: <b>not graded</b> (out of {grades.max_score:g})."
    pending = len(submission.ungraded(grades.questions))
    return (f"Autograded: <b>{auto:g} / {grades.autograded_max:g}</b>; written answers: "
            f"{len(grades.questions) - pending} of {len(grades.questions)} graded so far "
            f"(the total, out of {grades.max_score:g}, comes when all are graded).")


def render(root: Path, grades: LabGrades, submission: Submission, title: str) -> str:
    outcome = submission.outcome
    rows = [f'<tr><td>{esc(e.name)}</td><td class="num">{esc(format_points(submission.exercise_score(e)) or "—")}'
            f'</td><td class="num">{e.max_score:g}</td></tr>' for e in grades.exercises]
    rows += [f'<tr><td>{esc(q.grade_id)} (written)</td><td class="num">'
             f'{esc(format_points(submission.question_score(q)) or ("—" if outcome.status == "failed" else NOT_GRADED))}'
             f'</td><td class="num">{q.max_score:g}</td></tr>' for q in grades.questions]
    status = [f'<p class="status">Status: <b>{esc(status_label(outcome))}</b></p>'] \
        if outcome.status != "graded" else []
    events = [f"<li>{esc(e)}</li>" for e in outcome.events]
    events += [f"<li>the test cell <code>{esc(t)}</code> had been changed in your notebook; the original "
               f"was put back before grading</li>" for t in outcome.tampered]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} — {esc(outcome.student)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>", f"<p>Feedback for <b>{esc(outcome.student)}</b>. {_summary(grades, submission)}</p>",
        *status,
        *(["<p>What happened while grading:</p>", "<ul>", *events, "</ul>"] if events else []),
        "<table><tr><th>exercise</th><th>score</th><th>out of</th></tr>", *rows, "</table>",
    ]
    for notebook in lab_notebooks(root, outcome.lab):
        parts += render_notebook(root, submission, notebook)
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def lab_title(root: Path, lab: str) -> str:
    from ..course import CourseError, load_lab

    try:
        return load_lab(lab, Path(root)).title
    except CourseError:
        return lab


def write_feedback(lab: str, root: Path, db_url: str | None = None) -> list[Path]:
    """Write every graded student's page; returns the paths written."""
    title = lab_title(root, lab)
    grades = lab_grades(root, lab, db_url)
    written = []
    for submission in grades.submissions:
        path = CoursePaths(Path(root)).feedback(submission.student, lab) / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(root, grades, submission, title))
        written.append(path)
    return written


def cmd_feedback(args: argparse.Namespace) -> int:
    from ..course import repo_root

    root = Path(args.root or repo_root())
    written = write_feedback(args.lab, root, args.db)
    for path in written:
        print(path.relative_to(root))
    print(f"{len(written)} feedback pages for {args.lab}" if written else f"no graded submissions of {args.lab}")
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id")
    p.set_defaults(func=cmd_feedback)
